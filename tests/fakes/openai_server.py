"""A local stand-in for an OpenAI-compatible API, shaped by shared/contracts/openai.subset.json.

Knobs: `latency` (seconds before answering), `fail_next` (statuses to answer first, e.g.
[429, 500]), `retry_after` (sent with 429), `malformed` (answer JSON of the wrong shape),
`dimensions_override` (return vectors of another size). Requests are kept in `requests`."""

from __future__ import annotations

import hashlib
import json
import math
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.shared import SHARED


def contract() -> dict[str, Any]:
    return dict(json.loads((SHARED / "contracts" / "openai.subset.json").read_text()))


def fake_vector(text: str, size: int) -> list[float]:
    digest = hashlib.sha256(text.encode()).digest()
    raw = [((digest[i % len(digest)] + i) % 251) / 251 - 0.5 for i in range(size)]
    norm = math.sqrt(sum(x * x for x in raw)) or 1.0
    return [x / norm for x in raw]


@dataclass
class FakeOpenAI:
    latency: float = 0.0
    fail_next: list[int] = field(default_factory=list)
    retry_after: int = 0
    malformed: bool = False
    dimensions_override: int | None = None
    requests: list[dict[str, Any]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def start(self) -> FakeOpenAI:
        fake = self
        allowed = set(contract()["components"]["schemas"]["CreateEmbeddingRequest"]["properties"])

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return

            def _send(
                self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
            ) -> None:
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(payload)

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append(
                    {"path": self.path, "body": body, "auth": self.headers.get("Authorization")}
                )
                time.sleep(fake.latency)
                if fake.fail_next:
                    status = fake.fail_next.pop(0)
                    headers = {"Retry-After": str(fake.retry_after)} if status == 429 else {}
                    error = {
                        "message": "fake failure",
                        "type": "server_error",
                        "code": None,
                        "param": None,
                    }
                    self._send(status, {"error": error}, headers)
                    return
                if self.path != "/v1/embeddings":
                    self._send(
                        404, {"error": {"message": "not found", "type": "invalid_request_error"}}
                    )
                    return
                unknown = set(body) - allowed
                missing = {"model", "input"} - set(body)
                if unknown or missing:
                    problem = f"unknown {sorted(unknown)} / missing {sorted(missing)}"
                    self._send(
                        400, {"error": {"message": problem, "type": "invalid_request_error"}}
                    )
                    return
                if fake.malformed:
                    self._send(200, {"object": "list", "data": "oops"})
                    return
                inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
                size = fake.dimensions_override or body.get("dimensions") or 1536
                data = [
                    {"object": "embedding", "index": i, "embedding": fake_vector(str(text), size)}
                    for i, text in enumerate(inputs)
                ]
                tokens = sum(len(str(t).split()) for t in inputs)
                self._send(
                    200,
                    {
                        "object": "list",
                        "data": list(reversed(data)),  # order by index, not by position
                        "model": body["model"],
                        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
                    },
                )

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
