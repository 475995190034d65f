"""A local stand-in for an OpenAI-compatible API, shaped by shared/contracts/openai.subset.json.

`POST /embeddings` answers hashed vectors. `POST /chat/completions` answers Structured Outputs
(non-streaming) from a small deterministic "model" that reads the pages in the user message
(`[page N] URL` headers, as voice_platform.extract.model writes them): one fact per sentence,
its category picked by keywords among those the request's schema allows, the sentence as its
snippet.

Knobs, for every path: `latency` (seconds before answering), `fail_next` (statuses to answer
first, e.g. [429, 500]), `retry_after` (sent with 429), `malformed` (JSON of the wrong shape).
Embeddings: `dimensions_override` (vectors of another size). Chat: `invent` (add a fact whose
snippet is on no page, and one citing a page not sent), `refuse` (message.refusal set),
`truncate` (finish_reason "length", the JSON cut off), `filtered` (finish_reason
"content_filter"), `invalid_json` (content that is not JSON).
Requests are kept in `requests`; `max_in_flight` is the most answered at once."""

from __future__ import annotations

import hashlib
import json
import math
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.shared import SHARED

PAGE_HEADER = re.compile(r"^\[page \d+\] (\S+)(?: \(part \d+ of \d+\))?$", re.MULTILINE)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"(])|\n+")
KEYWORDS: dict[str, tuple[str, ...]] = {
    "hours": ("open", "closed", "a.m.", "p.m.", "monday", "saturday", "sunday"),
    "pricing": ("$", "price", "prices", "cost", "costs", "fee"),
    "payments": ("insurance", "credit cards", "cash", "financing"),
    "booking": ("book", "appointment", "appointments", "schedule"),
    "contact": ("call", "phone", "email"),
    "locations": ("street", "parking", "located", "address"),
    "team": ("dr.", "doctor", "staff", "team"),
    "languages": ("spanish", "español", "languages"),
    "emergencies": ("emergency", "emergencies", "urgent"),
}
INVENTED = "Every visit ends with a free helicopter ride over the city."
ELSEWHERE = "https://elsewhere.example/"


def contract() -> dict[str, Any]:
    return dict(json.loads((SHARED / "contracts" / "openai.subset.json").read_text()))


def request_fields(name: str) -> set[str]:
    """The properties a request schema allows, through its `allOf` and `$ref`s."""
    schemas = contract()["components"]["schemas"]

    def fields(node: dict[str, Any]) -> set[str]:
        found = set(node.get("properties", {}))
        if "$ref" in node:
            found |= fields(schemas[node["$ref"].rsplit("/", 1)[-1]])
        for part in node.get("allOf", []):
            found |= fields(part)
        return found

    return fields(schemas[name])


def fake_vector(text: str, size: int) -> list[float]:
    digest = hashlib.sha256(text.encode()).digest()
    raw = [((digest[i % len(digest)] + i) % 251) / 251 - 0.5 for i in range(size)]
    norm = math.sqrt(sum(x * x for x in raw)) or 1.0
    return [x / norm for x in raw]


def strict_problem(schema: dict[str, Any], where: str = "schema") -> str | None:
    """What the real API would refuse in a strict schema: objects must list every property
    as required and forbid others."""
    if schema.get("type") == "object":
        properties = schema.get("properties", {})
        if schema.get("additionalProperties") is not False:
            return f"{where}: 'additionalProperties' is required to be supplied and to be false"
        if set(schema.get("required", [])) != set(properties):
            return f"{where}: 'required' is required to include every key in properties"
        for key, sub in properties.items():
            if problem := strict_problem(sub, f"{where}.{key}"):
                return problem
    if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        return strict_problem(schema["items"], f"{where}.items")
    return None


def pages_in(text: str) -> list[tuple[str, str]]:
    """(url, text) of each page in a user message; the Title line is not page text."""
    headers = list(PAGE_HEADER.finditer(text))
    pages = []
    for header, following in zip(headers, [*headers[1:], None], strict=True):
        body = text[header.end() : following.start() if following else len(text)]
        body = re.sub(r"^\s*Title:[^\n]*\n", "", body)
        pages.append((header.group(1), body))
    return pages


def category_of(sentence: str, allowed: list[str]) -> str:
    lower = sentence.lower()
    for category, words in KEYWORDS.items():
        if category in allowed and any(
            re.search(rf"(?<!\w){re.escape(word)}(?!\w)", lower) for word in words
        ):
            return category
    return "profile" if "profile" in allowed else allowed[0]


def read_facts(user_text: str, allowed: list[str], invent: bool) -> list[dict[str, str]]:
    """The fake model: one fact per sentence of three words or more."""
    facts = []
    for url, body in pages_in(user_text):
        for sentence in SENTENCE_END.split(body):
            sentence = sentence.strip()
            if len(sentence.split()) >= 3:
                facts.append(
                    {
                        "source_url": url,
                        "snippet": sentence,
                        "category": category_of(sentence, allowed),
                        "text": sentence,
                    }
                )
    if invent and facts:
        made_up = {"snippet": INVENTED, "text": INVENTED}
        facts.append({**facts[0], **made_up})
        facts.append(
            {**facts[0], "source_url": ELSEWHERE, "text": f"Elsewhere: {facts[0]['text']}"}
        )
    return facts


def completion(model: str, content: str | None, refusal: str | None, finish: str) -> dict[str, Any]:
    message: dict[str, Any] = {
        "role": "assistant",
        "content": content,
        "refusal": refusal,
        "annotations": [],
    }
    prompt, answer = 100, len((content or refusal or "").split())
    return {
        "id": f"chatcmpl-{hashlib.sha256((content or refusal or '').encode()).hexdigest()[:24]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": answer,
            "total_tokens": prompt + answer,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        },
        "service_tier": "default",
    }


def invalid_request(message: str) -> dict[str, Any]:
    return {
        "error": {"message": message, "type": "invalid_request_error", "param": None, "code": None}
    }


@dataclass
class FakeOpenAI:
    latency: float = 0.0
    fail_next: list[int] = field(default_factory=list)
    retry_after: int = 0
    malformed: bool = False
    dimensions_override: int | None = None
    invent: bool = False
    refuse: bool = False
    truncate: bool = False
    filtered: bool = False
    invalid_json: bool = False
    requests: list[dict[str, Any]] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    server: ThreadingHTTPServer | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def chat_requests(self) -> list[dict[str, Any]]:
        return [r["body"] for r in self.requests if r["path"] == "/v1/chat/completions"]

    def embeddings(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if self.malformed:
            return 200, {"object": "list", "data": "oops"}
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        size = self.dimensions_override or body.get("dimensions") or 1536
        data = [
            {"object": "embedding", "index": i, "embedding": fake_vector(str(text), size)}
            for i, text in enumerate(inputs)
        ]
        tokens = sum(len(str(t).split()) for t in inputs)
        return 200, {
            "object": "list",
            "data": list(reversed(data)),  # order by index, not by position
            "model": body["model"],
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }

    def chat(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        response_format = body.get("response_format") or {}
        if response_format.get("type") != "json_schema":
            return 400, invalid_request("this fake answers Structured Outputs (json_schema) only")
        spec = response_format["json_schema"]
        if spec.get("strict") and (problem := strict_problem(spec.get("schema", {}))):
            return 400, invalid_request(f"Invalid schema for response_format: {problem}")
        if self.malformed:
            return 200, {"id": "chatcmpl-oops", "object": "chat.completion", "choices": "oops"}
        model = body["model"]
        if self.refuse:
            return 200, completion(model, None, "I'm sorry, I can't help with that.", "stop")
        if self.filtered:
            return 200, completion(model, None, None, "content_filter")
        if self.invalid_json:
            return 200, completion(model, "Sure! Here are the facts: none.", None, "stop")
        users = [m["content"] for m in body["messages"] if m["role"] == "user"]
        allowed = spec["schema"]["properties"]["facts"]["items"]["properties"]["category"]["enum"]
        content = json.dumps({"facts": read_facts("\n\n".join(users), allowed, self.invent)})
        if self.truncate:
            return 200, completion(model, content[: len(content) // 2], None, "length")
        return 200, completion(model, content, None, "stop")

    def start(self) -> FakeOpenAI:
        fake = self
        routes = {
            "/v1/embeddings": (request_fields("CreateEmbeddingRequest"), fake.embeddings),
            "/v1/chat/completions": (request_fields("CreateChatCompletionRequest"), fake.chat),
        }
        required = {
            "/v1/embeddings": {"model", "input"},
            "/v1/chat/completions": {"model", "messages"},
        }

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
                try:
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    return  # the client stopped waiting, as timeout tests make it

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with fake.lock:
                    fake.requests.append(
                        {
                            "path": self.path,
                            "body": body,
                            "auth": self.headers.get("Authorization"),
                            "at": time.monotonic(),
                        }
                    )
                    fake.in_flight += 1
                    fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
                try:
                    self._answer(body)
                finally:
                    with fake.lock:
                        fake.in_flight -= 1

            def _answer(self, body: dict[str, Any]) -> None:
                time.sleep(fake.latency)
                with fake.lock:
                    status = fake.fail_next.pop(0) if fake.fail_next else None
                if status is not None:
                    headers = {"Retry-After": str(fake.retry_after)} if status == 429 else {}
                    error = {
                        "message": "fake failure",
                        "type": "server_error",
                        "code": None,
                        "param": None,
                    }
                    self._send(status, {"error": error}, headers)
                    return
                if self.path not in routes:
                    self._send(404, invalid_request("not found"))
                    return
                allowed, answer = routes[self.path]
                unknown = set(body) - allowed
                missing = required[self.path] - set(body)
                if unknown or missing:
                    problem = f"unknown {sorted(unknown)} / missing {sorted(missing)}"
                    self._send(400, invalid_request(problem))
                    return
                self._send(*answer(body))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
