"""A local stand-in for the ElevenLabs API, shaped by shared/contracts/elevenlabs.subset.json.

Operations: `GET /v1/voices`, `GET /v2/voices` (search, page_size, next_page_token),
`POST /v1/text-to-speech/{voice_id}` (and `/stream`), `POST /v1/text-to-voice/create-previews`
and `/design`, `POST /v1/text-to-voice`. Request bodies are checked against the contract's
schemas and refused with a 422 `HTTPValidationError`, as the API does. A missing or wrong
`xi-api-key` gets ElevenLabs' 401 `{"detail": {"status": "invalid_api_key", "message": ...}}`.

Knobs: `latency` (seconds before answering), `fail_next` (statuses to answer first, e.g.
[429, 500]: a 429 carries `Retry-After: retry_after` unless that is None, a 422 is an
HTTPValidationError, the others ElevenLabs' error body), `malformed` (a 200 of the wrong
shape; JSON where audio belongs), `quota_exceeded` (the 401 `quota_exceeded` ElevenLabs
answers when the credits run out, on the operations that spend them).
Requests are kept in `requests`; `voices` and `generated` are the account's state."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jsonschema

from tests.shared import SHARED

API_KEY = "xi-test-key"
FRAME_SECONDS = 1152 / 44100  # samples per MPEG-1 Layer III frame at 44.1 kHz
# A silent MPEG-1 Layer III frame: 128 kbit/s, 44.1 kHz, mono, no CRC; 417 bytes in all.
SILENT_FRAME = bytes([0xFF, 0xFB, 0x90, 0xC4]) + bytes(413)
EMPTY_ID3 = b"ID3\x03\x00\x00\x00\x00\x00\x00"
SPEECH = re.compile(r"^/v1/text-to-speech/([^/]+)(/stream)?$")
AUTO_TEXT = (
    "Hello, and thank you for calling. This is how I would sound when I answer your "
    "customers, book their appointments and tell them when you are open."
)


def contract() -> dict[str, Any]:
    return dict(json.loads((SHARED / "contracts" / "elevenlabs.subset.json").read_text()))


def fake_mp3(seconds: float) -> bytes:
    """A playable MP3 of silence, about `seconds` long."""
    return EMPTY_ID3 + SILENT_FRAME * max(1, round(seconds / FRAME_SECONDS))


def spoken_seconds(text: str) -> float:
    return round(max(0.5, len(text.split()) / 2.5), 2)  # about 150 words a minute


def voice(
    voice_id: str, name: str, labels: dict[str, str], *, category: str = "premade", **more: Any
) -> dict[str, Any]:
    """A VoiceResponseModel, with the optional fields the real API fills for premade voices."""
    return {
        "voice_id": voice_id,
        "name": name,
        "category": category,
        "labels": labels,
        "description": more.get("description"),
        "preview_url": f"https://storage.example/premade/voices/{voice_id}/preview.mp3",
        "available_for_tiers": [],
        "settings": None,
        "high_quality_base_model_ids": ["eleven_flash_v2_5", "eleven_multilingual_v2"],
        "verified_languages": more.get("verified_languages", []),
        "is_owner": category != "premade",
        "is_legacy": False,
        "is_mixed": False,
        "created_at_unix": more.get("created_at_unix"),
    }


def verified(language: str, accent: str | None = None) -> dict[str, Any]:
    return {"language": language, "model_id": "eleven_multilingual_v2", "accent": accent}


# Labels as the API writes them: some lower case, some not, "middle-aged" and "middle_aged".
CATALOGUE = [
    voice(
        "21m00Tcm4TlvDq8ikWAM",
        "Rachel",
        {"accent": "American", "age": "middle-aged", "gender": "female", "use_case": "narration"},
        description="Matter-of-fact, personable woman. Great for narration.",
        verified_languages=[verified("en", "american")],
    ),
    voice(
        "JBFqnCBsd6RMkjVDRZzb",
        "George",
        {
            "accent": "british",
            "age": "middle_aged",
            "gender": "male",
            "use_case": "narration",
            "descriptive": "warm",
            "language": "en",
        },
        description="Warm resonance that instantly captivates listeners.",
    ),
    voice(
        "EXAVITQu4vr4xnSDxMaL",
        "Sarah",
        {
            "accent": "american",
            "age": "young",
            "gender": "female",
            "use_case": "conversational",
            "language": "en",
        },
        description="Young adult woman with a confident and warm, mature quality.",
    ),
    voice(
        "IKne3meq5aSn9XLyUdCD",
        "Charlie",
        {
            "accent": "australian",
            "age": "young",
            "gender": "male",
            "use_case": "conversational",
            "language": "en",
        },
        description="A young Australian male with a confident and energetic voice.",
    ),
    voice(
        "pFZP5JQG7iQjIQuC4Bku",
        "Lily",
        {"accent": "british", "age": "middle-aged", "gender": "female", "use_case": "social media"},
        description="Velvety British female voice.",
        verified_languages=[verified("en", "british"), verified("fr", "parisian")],
    ),
    voice(
        "9oPKasc15pfAbMr7N6Gs",
        "Valentina",
        {
            "accent": "Latin American",
            "age": "old",
            "gender": "female",
            "use_case": "customer service",
            "language": "es",
        },
        description="Una voz cálida y profesional.",
    ),
]


def api_error(status: str, message: str) -> dict[str, Any]:
    """ElevenLabs' error body for everything but request validation."""
    return {"detail": {"status": status, "message": message}}


def validation_error(errors: list[jsonschema.ValidationError]) -> dict[str, Any]:
    detail = [
        {"loc": ["body", *error.absolute_path], "msg": error.message, "type": str(error.validator)}
        for error in errors
    ]
    return {"detail": detail}


def matches(voice: dict[str, Any], search: str) -> bool:
    """/v2/voices search: "name, description, labels, category"."""
    haystack = [voice["name"], voice.get("description") or "", voice["category"]]
    haystack += list(voice["labels"].values())
    return search.lower() in " ".join(haystack).lower()


@dataclass
class FakeElevenLabs:
    api_key: str = API_KEY
    latency: float = 0.0
    fail_next: list[int] = field(default_factory=list)
    retry_after: int | None = 0
    malformed: bool = False
    quota_exceeded: bool = False
    voices: list[dict[str, Any]] = field(default_factory=lambda: [dict(v) for v in CATALOGUE])
    generated: dict[str, str] = field(default_factory=dict)  # generated_voice_id: description
    requests: list[dict[str, Any]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    schemas: dict[str, Any] = field(default_factory=lambda: contract()["components"])

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def requests_to(self, path: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["path"] == path]

    def refusal(self, schema: str, body: Any) -> dict[str, Any] | None:
        validator = jsonschema.Draft202012Validator(
            {"$ref": f"#/components/schemas/{schema}", "components": self.schemas}
        )
        errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
        return validation_error(errors) if errors else None

    def voice(self, voice_id: str) -> dict[str, Any] | None:
        return next((v for v in self.voices if v["voice_id"] == voice_id), None)

    def list_v1(self) -> tuple[int, Any]:
        if self.malformed:
            return 200, {"voices": [{"voice_id": 7, "name": None}]}
        return 200, {"voices": self.voices}

    def list_v2(self, query: dict[str, list[str]]) -> tuple[int, Any]:
        if self.malformed:
            return 200, {"voices": "none today", "has_more": "no"}
        search = query.get("search", [""])[0]
        found = [v for v in self.voices if matches(v, search)] if search else list(self.voices)
        size = int(query.get("page_size", ["10"])[0])
        start = int(query.get("next_page_token", ["0"])[0])
        page = found[start : start + size]
        more = start + size < len(found)
        return 200, {
            "voices": page,
            "has_more": more,
            "total_count": len(found),
            "next_page_token": str(start + size) if more else None,
        }

    def speech(self, voice_id: str, body: Any) -> tuple[int, Any]:
        schema = "Body_Text_to_speech_v1_text_to_speech__voice_id__post"
        if refusal := self.refusal(schema, body):
            return 422, refusal
        if self.voice(voice_id) is None:
            message = f"A voice with the voice_id {voice_id} was not found."
            return 404, api_error("voice_not_found", message)
        if self.malformed:
            return 200, {"audio": "not here"}
        return 200, fake_mp3(spoken_seconds(body["text"]))

    def previews(self, schema: str, body: Any) -> tuple[int, Any]:
        if refusal := self.refusal(schema, body):
            return 422, refusal
        if self.malformed:
            return 200, {"previews": [{"generated_voice_id": 3}], "text": None}
        text = AUTO_TEXT if body.get("auto_generate_text") else body.get("text") or ""
        if not text:
            message = "Provide text of 100 to 1000 characters or set auto_generate_text."
            return 422, {"detail": [{"loc": ["body", "text"], "msg": message, "type": "value"}]}
        previews = []
        for n in range(3):
            seed = f"{body['voice_description']}|{text}|{n}|{len(self.generated)}"
            generated_id = hashlib.sha256(seed.encode()).hexdigest()[:20]
            self.generated[generated_id] = body["voice_description"]
            seconds = spoken_seconds(text)
            previews.append(
                {
                    "audio_base_64": base64.b64encode(fake_mp3(seconds)).decode(),
                    "generated_voice_id": generated_id,
                    "media_type": "audio/mpeg",
                    "duration_secs": seconds,
                }
            )
        return 200, {"previews": previews, "text": text}

    def create(self, body: Any) -> tuple[int, Any]:
        schema = "Body_Create_a_new_voice_from_voice_preview_v1_text_to_voice_post"
        if refusal := self.refusal(schema, body):
            return 422, refusal
        generated_id = body["generated_voice_id"]
        if generated_id not in self.generated:
            message = f"No voice preview with the generated_voice_id {generated_id} was found."
            return 404, api_error("voice_not_found", message)
        if self.malformed:
            return 200, {"voice_id": 1, "category": "invented"}
        created = voice(
            "gen" + hashlib.sha256(generated_id.encode()).hexdigest()[:17],
            body["voice_name"],
            body.get("labels") or {},
            category="generated",
            description=body["voice_description"],
            created_at_unix=int(time.time()),
        )
        self.voices.append(created)
        return 200, created

    def answer(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> Any:
        if (method, path) == ("GET", "/v1/voices"):
            return self.list_v1()
        if (method, path) == ("GET", "/v2/voices"):
            return self.list_v2(query)
        if method == "POST" and (speech := SPEECH.match(path)):
            return self.speech(speech.group(1), body)
        if (method, path) == ("POST", "/v1/text-to-voice/create-previews"):
            return self.previews("VoicePreviewsRequestModel", body)
        if (method, path) == ("POST", "/v1/text-to-voice/design"):
            return self.previews("VoiceDesignRequestModel", body)
        if (method, path) == ("POST", "/v1/text-to-voice"):
            return self.create(body)
        return 404, {"detail": "Not Found"}

    def spends_credits(self, path: str) -> bool:
        return path.startswith(("/v1/text-to-speech/", "/v1/text-to-voice/"))

    def failure(self, path: str) -> tuple[int, Any, dict[str, str]] | None:
        """The error answered before looking at the request, if a knob asks for one."""
        with self.lock:
            status = self.fail_next.pop(0) if self.fail_next else None
        if status == 429:
            headers = {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}
            message = "Too many concurrent requests for your subscription."
            return 429, api_error("too_many_concurrent_requests", message), headers
        if status == 422:
            problem = {"loc": ["body", "text"], "msg": "fake failure 422", "type": "value_error"}
            return 422, {"detail": [problem]}, {}
        if status is not None and status < 500:
            return status, api_error("invalid_request", f"fake failure {status}"), {}
        if status is not None:
            return status, api_error("internal_error", f"fake failure {status}"), {}
        if self.quota_exceeded and self.spends_credits(path):
            message = (
                "This request exceeds your quota of 10000. You have 0 credits remaining, "
                "while 91 credits are required for this request."
            )
            return 401, api_error("quota_exceeded", message), {}
        return None

    def start(self) -> FakeElevenLabs:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return

            def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                audio = isinstance(body, bytes)
                payload = body if audio else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "audio/mpeg" if audio else "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                try:
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    return  # the client stopped waiting, as timeout tests make it

            def _handle(self, method: str) -> None:
                url = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                with fake.lock:
                    fake.requests.append(
                        {
                            "method": method,
                            "path": url.path,
                            "query": parse_qs(url.query),
                            "headers": dict(self.headers.items()),
                            "body": body,
                            "raw": raw,
                            "at": time.monotonic(),
                        }
                    )
                time.sleep(fake.latency)
                if self.headers.get("xi-api-key") != fake.api_key:
                    self._send(401, api_error("invalid_api_key", "Invalid API key"))
                    return
                if failed := fake.failure(url.path):
                    self._send(*failed)
                    return
                with fake.lock:
                    status, answer = fake.answer(method, url.path, parse_qs(url.query), body)
                self._send(status, answer)

            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # A short poll interval: stop() waits for the next poll, once per test.
        serve = partial(self.server.serve_forever, poll_interval=0.02)
        threading.Thread(target=serve, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
