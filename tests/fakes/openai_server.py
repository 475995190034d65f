"""A local stand-in for an OpenAI-compatible API, shaped by shared/contracts/openai.subset.json.

`POST /embeddings` answers hashed vectors. `POST /chat/completions` answers two ways:
- Structured Outputs (`response_format` json_schema, not streamed) from a small deterministic
  "model" that reads the pages in the user message (`[page N] URL` headers, as
  voice_platform.extract.model writes them): one fact per sentence, its category picked by
  keywords among those the request's schema allows, the sentence as its snippet.
- Conversation, as JSON or, with `stream: true`, as server-sent events (chunks, the usage
  chunk when `stream_options.include_usage`, then `data: [DONE]`). When tools are offered and
  the last user message says "transfer" (or "message"), it calls the first offered tool whose
  name holds that word, every string argument set to the caller's words; both words, both
  tools (streamed, their argument fragments interleave). Otherwise it answers
  "You said: <the last user message>", or "Done: <result>" after a tool result.
Usage counts words: every message's for the prompt, the answer's for the completion.

Knobs, for every path: `latency` (seconds before answering), `fail_next` (statuses to answer
first, e.g. [429, 500]), `retry_after` (sent with 429 when 1 or more: the contract's minimum),
`out_of_quota` (every request answers 429 `insufficient_quota`, with no Retry-After),
`malformed` (JSON of the wrong shape).
Embeddings: `dimensions_override` (vectors of another size). Chat: `invent` (add a fact whose
snippet is on no page, and one citing a page not sent), `refuse` (message.refusal set),
`truncate` (finish_reason "length", the JSON cut off), `filtered` (finish_reason
"content_filter"), `invalid_json` (content that is not JSON), `broken_arguments` (tool-call
arguments cut off mid-JSON, as models sometimes send them). Streams: `stall` (seconds of
silence after the first chunk), `break_stream` (an error event after the first chunk).
Requests are kept in `requests`; `max_in_flight` is the most answered at once."""

from __future__ import annotations

import hashlib
import json
import math
import re
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse

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
# Where the contract's server is; openapi-core finds the operation by it.
CONTRACT_HOST = "https://api.openai.com"
INVENTED = "Every visit ends with a free helicopter ride over the city."
ELSEWHERE = "https://elsewhere.example/"
# A word in the caller's message, and the tool it makes the fake call: the first offered
# whose name holds it.
TOOL_TRIGGERS = ("transfer", "message")
# Streamed tool-call arguments arrive in pieces this long.
FRAGMENT = 7
# The error bodies the API answers each status with (its `type` and `code`).
ERROR_KINDS: dict[int, tuple[str, str | None]] = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    404: ("invalid_request_error", "model_not_found"),
    429: ("requests", "rate_limit_exceeded"),
}


def contract() -> dict[str, Any]:
    return dict(json.loads((SHARED / "contracts" / "openai.subset.json").read_text()))


def with_discriminator_mappings(node: Any, schemas: dict[str, Any]) -> None:
    """The contract's discriminators name no mapping, so a validator looks for a schema named
    after the value ("user"); map each value to the branch whose property has that enum."""
    if isinstance(node, list):
        for item in node:
            with_discriminator_mappings(item, schemas)
    if not isinstance(node, dict):
        return
    discriminator = node.get("discriminator")
    if discriminator and "mapping" not in discriminator:
        mapping: dict[str, str] = {}
        branches: list[dict[str, str]] = node.get("oneOf") or node.get("anyOf") or []
        for branch in branches:
            target = schemas[branch["$ref"].rsplit("/", 1)[-1]]
            for value in target["properties"][discriminator["propertyName"]].get("enum", []):
                mapping[value] = branch["$ref"]
        discriminator["mapping"] = mapping
    for value in node.values():
        with_discriminator_mappings(value, schemas)


def with_nulls_of_3_1(node: Any) -> None:
    """The contract says OpenAPI 3.1 but marks what may be null the 3.0 way (`nullable`),
    which a 3.1 validator ignores; the API does send those nulls (a chunk's finish_reason
    and usage), so say it the 3.1 way: null among the types."""
    if isinstance(node, list):
        for item in node:
            with_nulls_of_3_1(item)
    if not isinstance(node, dict):
        return
    for value in node.values():
        with_nulls_of_3_1(value)
    if not node.pop("nullable", False):
        return
    if "$ref" in node:
        node["anyOf"] = [{"$ref": node.pop("$ref")}, {"type": "null"}]
    elif isinstance(node.get("type"), str):
        node["type"] = [node["type"], "null"]
        if "enum" in node:
            node["enum"] = [*node["enum"], None]
    else:
        node.setdefault("oneOf", []).append({"type": "null"})


@lru_cache
def openapi() -> OpenAPI:
    """The contract for openapi-core. Each streamed chunk is validated as one
    `text/event-stream` response body (the JSON of one `data:` event). The document itself is
    not checked: its `default: null` on non-null schemas fails the spec validator."""
    document = contract()
    with_discriminator_mappings(document, document["components"]["schemas"])
    with_nulls_of_3_1(document)
    config = Config(
        spec_validator_cls=None, extra_media_type_deserializers={"text/event-stream": json.loads}
    )
    return OpenAPI.from_dict(document, config=config)


def contract_request(path: str, body: dict[str, Any], auth: str | None) -> MockRequest:
    """A request to `path` (as the fake saw it: /v1/...) as openapi-core reads one."""
    return MockRequest(
        CONTRACT_HOST,
        "post",
        path,
        data=json.dumps(body).encode(),
        headers={"Authorization": auth} if auth else {},
    )


def validate_request(path: str, body: dict[str, Any], auth: str | None) -> None:
    openapi().validate_request(contract_request(path, body, auth))


def events_of(stream: str) -> list[str]:
    """The data of each server-sent event, in order."""
    events = []
    for block in stream.split("\n\n"):
        lines = [line.removeprefix("data: ") for line in block.splitlines()]
        if lines:
            events.append("\n".join(lines))
    return events


def validate_answer(path: str, body: dict[str, Any], response: httpx.Response) -> None:
    """Check a JSON answer of the fake (a 200 or a 429) against the contract."""
    answer = MockResponse(
        response.content,
        response.status_code,
        headers=dict(response.headers),
        content_type=response.headers["Content-Type"],
    )
    openapi().validate_response(contract_request(path, body, "Bearer sk-test"), answer)


def validate_stream(
    path: str, body: dict[str, Any], response: httpx.Response
) -> list[dict[str, Any]]:
    """Check a streamed answer of the fake against the contract, chunk by chunk; it must end
    with `[DONE]`. Returns the chunks."""
    assert response.headers["Content-Type"] == "text/event-stream"
    *chunks, done = events_of(response.text)
    assert done == "[DONE]"
    request = contract_request(path, body, "Bearer sk-test")
    for chunk in chunks:
        answer = MockResponse(chunk.encode(), 200, content_type="text/event-stream")
        openapi().validate_response(request, answer)
    return [json.loads(chunk) for chunk in chunks]


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


def words(text: str | None) -> int:
    return len((text or "").split())


def prompt_words(messages: list[dict[str, Any]]) -> int:
    return sum(words(m["content"]) for m in messages if isinstance(m.get("content"), str))


def usage(prompt: int, answer: int) -> dict[str, Any]:
    return {
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
    }


def completion(
    body: dict[str, Any],
    content: str | None,
    refusal: str | None,
    finish: str,
    tool_calls: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The answer to the request `body`."""
    message: dict[str, Any] = {
        "role": "assistant",
        "content": content,
        "refusal": refusal,
        "annotations": [],
    }
    answer = words(content or refusal)
    if tool_calls:
        message["tool_calls"] = tool_calls
        answer += sum(words(call["function"]["arguments"]) for call in tool_calls)
    return {
        "id": f"chatcmpl-{hashlib.sha256((content or refusal or '').encode()).hexdigest()[:24]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body["model"],
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
        "usage": usage(prompt_words(body["messages"]), answer),
        "service_tier": "default",
    }


def error_body(message: str, kind: str, code: str | None) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


def invalid_request(message: str) -> dict[str, Any]:
    return error_body(message, "invalid_request_error", None)


def tool_calls_for(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The fake model's tool calls: one per trigger word in the last message, when it is the
    caller's and a tool fits."""
    last = body["messages"][-1]
    if last["role"] != "user" or not body.get("tools"):
        return []
    said = str(last["content"])
    calls: list[dict[str, Any]] = []
    for word in TOOL_TRIGGERS:
        if word not in said.lower():
            continue
        offered = [t["function"] for t in body["tools"] if t.get("type") == "function"]
        fitting = [function for function in offered if word in function["name"]]
        if fitting:
            function = fitting[0]
            properties = function.get("parameters", {}).get("properties", {})
            arguments = {
                key: said for key, spec in properties.items() if spec.get("type") == "string"
            }
            calls.append(
                {
                    "id": f"call_{len(calls)}_{hashlib.sha256(said.encode()).hexdigest()[:12]}",
                    "type": "function",
                    "function": {"name": function["name"], "arguments": json.dumps(arguments)},
                }
            )
    return calls


def reply_to(messages: list[dict[str, Any]]) -> str:
    last = messages[-1]
    if last["role"] == "tool":
        return f"Done: {last['content']}"
    return f"You said: {last['content']}"


@dataclass
class EventStream:
    """The chunks of a streamed answer, sent as `data:` events and closed by `[DONE]`."""

    chunks: list[dict[str, Any]]


def stream_of(body: dict[str, Any], text: str, calls: list[dict[str, Any]]) -> EventStream:
    options = body.get("stream_options") or {}
    with_usage = bool(options.get("include_usage"))
    header = {
        "id": f"chatcmpl-{hashlib.sha256(text.encode()).hexdigest()[:24]}",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": body["model"],
        "service_tier": "default",
    }
    if options.get("include_obfuscation", True):
        header["obfuscation"] = "Zx9"

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return {**header, "choices": [choice], **({"usage": None} if with_usage else {})}

    chunks = [chunk({"role": "assistant", "content": ""})]
    chunks += [chunk({"content": piece}) for piece in re.findall(r"\S+\s*", text)]
    for index, call in enumerate(calls):
        opening = {"index": index, "id": call["id"], "type": "function"}
        opening["function"] = {"name": call["function"]["name"], "arguments": ""}
        chunks.append(chunk({"tool_calls": [opening]}))
    pieces = [
        [args[at : at + FRAGMENT] for at in range(0, len(args), FRAGMENT)]
        for args in (call["function"]["arguments"] for call in calls)
    ]
    # Round robin over the calls, so fragments of different calls interleave.
    for step in range(max(map(len, pieces), default=0)):
        for index, fragments in enumerate(pieces):
            if step < len(fragments):
                fragment = {"index": index, "function": {"arguments": fragments[step]}}
                chunks.append(chunk({"tool_calls": [fragment]}))
    chunks.append(chunk({}, "tool_calls" if calls else "stop"))
    if with_usage:
        answer = words(text) + sum(words(call["function"]["arguments"]) for call in calls)
        prompt = prompt_words(body["messages"])
        chunks.append({**header, "choices": [], "usage": usage(prompt, answer)})
    return EventStream(chunks)


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
    out_of_quota: bool = False
    stall: float = 0.0
    break_stream: bool = False
    broken_arguments: bool = False
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

    def chat(self, body: dict[str, Any]) -> tuple[int, dict[str, Any] | EventStream]:
        response_format = body.get("response_format") or {}
        if response_format.get("type") == "json_schema":
            return self.structured(body)
        if response_format.get("type", "text") != "text":
            return 400, invalid_request("this fake answers text or json_schema")
        return self.conversation(body)

    def conversation(self, body: dict[str, Any]) -> tuple[int, dict[str, Any] | EventStream]:
        if self.malformed:
            return 200, {"id": "chatcmpl-oops", "object": "chat.completion", "choices": "oops"}
        calls = tool_calls_for(body)
        if self.broken_arguments:
            for call in calls:
                arguments = call["function"]["arguments"]
                call["function"]["arguments"] = arguments[: len(arguments) // 2]
        text = "" if calls else reply_to(body["messages"])
        if body.get("stream"):
            return 200, stream_of(body, text, calls)
        return 200, completion(body, text or None, None, "tool_calls" if calls else "stop", calls)

    def structured(self, body: dict[str, Any]) -> tuple[int, dict[str, Any] | EventStream]:
        if body.get("stream"):
            return 400, invalid_request("this fake does not stream Structured Outputs")
        response_format = body["response_format"]
        spec = response_format["json_schema"]
        if spec.get("strict") and (problem := strict_problem(spec.get("schema", {}))):
            return 400, invalid_request(f"Invalid schema for response_format: {problem}")
        if self.malformed:
            return 200, {"id": "chatcmpl-oops", "object": "chat.completion", "choices": "oops"}
        if self.refuse:
            return 200, completion(body, None, "I'm sorry, I can't help with that.", "stop")
        if self.filtered:
            return 200, completion(body, None, None, "content_filter")
        if self.invalid_json:
            return 200, completion(body, "Sure! Here are the facts: none.", None, "stop")
        users = [m["content"] for m in body["messages"] if m["role"] == "user"]
        allowed = spec["schema"]["properties"]["facts"]["items"]["properties"]["category"]["enum"]
        content = json.dumps({"facts": read_facts("\n\n".join(users), allowed, self.invent)})
        if self.truncate:
            return 200, completion(body, content[: len(content) // 2], None, "length")
        return 200, completion(body, content, None, "stop")

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

            def _send_events(self, stream: EventStream) -> None:
                # HTTP/1.0: the end of the stream is the end of the connection.
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                try:
                    for number, chunk in enumerate(stream.chunks):
                        self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                        self.wfile.flush()
                        if number == 0 and fake.stall:
                            time.sleep(fake.stall)
                        if number == 0 and fake.break_stream:
                            failure = error_body("the stream broke", "server_error", None)
                            self.wfile.write(f"data: {json.dumps(failure)}\n\n".encode())
                            return
                    self.wfile.write(b"data: [DONE]\n\n")
                except (BrokenPipeError, ConnectionResetError):
                    return

            def _fail(self, status: int) -> None:
                kind, code = ERROR_KINDS.get(status, ("server_error", None))
                headers = {}
                if status == 429 and fake.retry_after >= 1:
                    headers["Retry-After"] = str(fake.retry_after)
                self._send(status, error_body("fake failure", kind, code), headers)

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
                    self._fail(status)
                    return
                if fake.out_of_quota:
                    message = "You exceeded your current quota, please check your plan."
                    self._send(429, error_body(message, "insufficient_quota", "insufficient_quota"))
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
                status, answered = answer(body)
                if isinstance(answered, EventStream):
                    self._send_events(answered)
                else:
                    self._send(status, answered)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
