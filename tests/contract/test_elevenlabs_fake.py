"""The ElevenLabs fake against the vendor's published spec, read by openapi-core: every answer
the fake gives, and every request the adapter sends, is validated against
shared/contracts/elevenlabs.subset.json."""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Iterator
from typing import Any

import httpx
import jsonschema
import pytest
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from openapi_core.validation.request.exceptions import RequestValidationError
from openapi_core.validation.response.exceptions import ResponseValidationError

from tests.fakes.elevenlabs_server import API_KEY, FakeElevenLabs, contract
from voice_platform.providers.voice.base import VoiceQuery, VoiceSettings
from voice_platform.providers.voice.elevenlabs import ElevenLabsVoice

RACHEL = "21m00Tcm4TlvDq8ikWAM"
DESCRIPTION = "A warm, calm British woman in her forties"
LONG_TEXT = "Thank you for calling Bright Smile Dental. " * 3
BINARY = {"type": "string", "format": "binary"}
# What ElevenLabs answers outside request validation; the spec declares only its 422s.
API_ERROR = {
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {
            "type": "object",
            "required": ["status", "message"],
            "properties": {"status": {"type": "string"}, "message": {"type": "string"}},
        }
    },
}


@functools.cache
def spec() -> OpenAPI:
    """The contract as openapi-core reads it. Audio bodies, `{type: string, format: binary}`
    (OpenAPI 3.0's way), are given OpenAPI 3.1's own form, `{contentMediaType}`: openapi-core
    0.23 refuses bytes for the former (python-openapi/openapi-core#854)."""
    document = copy.deepcopy(contract())
    for operations in document["paths"].values():
        for operation in operations.values():
            for response in operation["responses"].values():
                for media_type, content in response.get("content", {}).items():
                    if content.get("schema") == BINARY:
                        content["schema"] = {"contentMediaType": media_type}
    return OpenAPI.from_dict(document)


def as_request(base_url: str, record: dict[str, Any]) -> MockRequest:
    """A request the fake received, as openapi-core takes it."""
    return MockRequest(
        base_url,
        record["method"],
        record["path"],
        args={name: values[0] for name, values in record["query"].items()},
        headers=record["headers"],
        data=record["raw"],
        content_type=record["headers"].get("Content-Type", "application/json"),
    )


def as_response(answer: httpx.Response) -> MockResponse:
    return MockResponse(
        answer.content,
        status_code=answer.status_code,
        headers=dict(answer.headers),
        content_type=answer.headers["content-type"],
    )


@pytest.fixture
def fake() -> Iterator[FakeElevenLabs]:
    server = FakeElevenLabs().start()
    yield server
    server.stop()


def call(fake: FakeElevenLabs, method: str, path: str, **kwargs: Any) -> httpx.Response:
    return httpx.request(
        method, f"{fake.base_url}{path}", headers={"xi-api-key": API_KEY}, timeout=5, **kwargs
    )


def exchange(
    fake: FakeElevenLabs, method: str, path: str, **kwargs: Any
) -> tuple[MockRequest, MockResponse, httpx.Response]:
    answer = call(fake, method, path, **kwargs)
    return as_request(fake.base_url, fake.requests[-1]), as_response(answer), answer


def generated_id(fake: FakeElevenLabs) -> str:
    body = {"voice_description": DESCRIPTION, "text": LONG_TEXT}
    previews = call(fake, "POST", "/v1/text-to-voice/design", json=body).json()["previews"]
    return str(previews[0]["generated_voice_id"])


OPERATIONS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "list v1": ("GET", "/v1/voices", {}),
    "search v2": ("GET", "/v2/voices", {"params": {"search": "british", "page_size": 1}}),
    "speech": (
        "POST",
        f"/v1/text-to-speech/{RACHEL}",
        {
            "json": {
                "text": "Hello!",
                "model_id": "eleven_flash_v2_5",
                "voice_settings": {"stability": 0.4, "similarity_boost": 0.8, "speed": 1.1},
            },
            "params": {"output_format": "mp3_44100_128"},
        },
    ),
    "speech stream": ("POST", f"/v1/text-to-speech/{RACHEL}/stream", {"json": {"text": "Hi."}}),
    "create previews": (
        "POST",
        "/v1/text-to-voice/create-previews",
        {"json": {"voice_description": DESCRIPTION, "auto_generate_text": True}},
    ),
    "design": (
        "POST",
        "/v1/text-to-voice/design",
        {"json": {"voice_description": DESCRIPTION, "text": LONG_TEXT}},
    ),
}


def test_the_contract_loads_as_it_is() -> None:
    # Not wrapped or edited: openapi-core validates the subset as a whole OpenAPI 3.1 document.
    OpenAPI.from_dict(contract())


@pytest.mark.parametrize("operation", OPERATIONS)
def test_the_fake_answers_in_the_contracts_shape(fake: FakeElevenLabs, operation: str) -> None:
    method, path, kwargs = OPERATIONS[operation]
    request, response, answer = exchange(fake, method, path, **kwargs)
    assert answer.status_code == 200
    spec().validate_request(request)
    spec().validate_response(request, response)


def test_creating_a_designed_voice_answers_in_the_contracts_shape(fake: FakeElevenLabs) -> None:
    body = {"voice_name": "Clara", "voice_description": DESCRIPTION}
    request, response, answer = exchange(
        fake, "POST", "/v1/text-to-voice", json={**body, "generated_voice_id": generated_id(fake)}
    )
    assert answer.json()["category"] == "generated"
    spec().validate_request(request)
    spec().validate_response(request, response)


def test_audio_is_mp3(fake: FakeElevenLabs) -> None:
    method, path, kwargs = OPERATIONS["speech"]
    answer = call(fake, method, path, **kwargs)
    assert answer.headers["content-type"] == "audio/mpeg"
    assert answer.content.startswith(b"ID3")
    assert answer.content[10:12] == b"\xff\xfb"  # the first MPEG-1 Layer III frame


def test_pages_of_the_voices_search_follow_the_contract(fake: FakeElevenLabs) -> None:
    first = call(fake, "GET", "/v2/voices", params={"page_size": 4}).json()
    assert first["has_more"] is True
    assert first["total_count"] == len(fake.voices)
    params = {"page_size": 4, "next_page_token": first["next_page_token"]}
    request, response, answer = exchange(fake, "GET", "/v2/voices", params=params)
    spec().validate_response(request, response)
    assert answer.json()["has_more"] is False
    names = [v["name"] for v in first["voices"] + answer.json()["voices"]]
    assert names == [v["name"] for v in fake.voices]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/text-to-voice/design", {"voice_description": "too short"}),
        ("/v1/text-to-voice/create-previews", {"voice_description": DESCRIPTION, "text": "Hi"}),
        ("/v1/text-to-voice", {"voice_name": "Clara"}),
        (f"/v1/text-to-speech/{RACHEL}", {"model_id": "eleven_flash_v2_5"}),
    ],
)
def test_a_request_the_contract_refuses_gets_its_422(
    fake: FakeElevenLabs, path: str, body: dict[str, Any]
) -> None:
    request, response, answer = exchange(fake, "POST", path, json=body)
    with pytest.raises(RequestValidationError):
        spec().validate_request(request)
    assert answer.status_code == 422
    spec().validate_response(request, response)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_the_malformed_knob_really_breaks_the_shape(fake: FakeElevenLabs, operation: str) -> None:
    fake.malformed = True
    method, path, kwargs = OPERATIONS[operation]
    request, response, answer = exchange(fake, method, path, **kwargs)
    assert answer.status_code == 200
    with pytest.raises(ResponseValidationError):
        spec().validate_response(request, response)


def test_the_malformed_knob_breaks_a_created_voice_too(fake: FakeElevenLabs) -> None:
    body = {"voice_name": "Clara", "voice_description": DESCRIPTION}
    body["generated_voice_id"] = generated_id(fake)
    fake.malformed = True
    request, response, _ = exchange(fake, "POST", "/v1/text-to-voice", json=body)
    with pytest.raises(ResponseValidationError):
        spec().validate_response(request, response)


@pytest.mark.parametrize(
    ("knobs", "status", "code"),
    [
        ({"api_key": "someone-else"}, 401, "invalid_api_key"),
        ({"quota_exceeded": True}, 401, "quota_exceeded"),
        ({"fail_next": [429], "retry_after": 3}, 429, "too_many_concurrent_requests"),
        ({"fail_next": [503]}, 503, "internal_error"),
    ],
)
def test_errors_have_elevenlabs_error_body(
    fake: FakeElevenLabs, knobs: dict[str, Any], status: int, code: str
) -> None:
    for name, value in knobs.items():
        setattr(fake, name, value)
    method, path, kwargs = OPERATIONS["speech"]
    answer = call(fake, method, path, **kwargs)
    assert answer.status_code == status
    jsonschema.validate(answer.json(), API_ERROR)
    assert answer.json()["detail"]["status"] == code
    if status == 429:
        assert answer.headers["retry-after"] == "3"


def test_an_unknown_voice_is_a_404_voice_not_found(fake: FakeElevenLabs) -> None:
    answer = call(fake, "POST", "/v1/text-to-speech/nobody", json={"text": "Hello"})
    assert answer.status_code == 404
    assert answer.json()["detail"]["status"] == "voice_not_found"


def test_every_request_the_adapter_sends_meets_the_contract(fake: FakeElevenLabs) -> None:
    adapter = ElevenLabsVoice(API_KEY, base_url=fake.base_url)
    adapter.voices(VoiceQuery(search="british", gender="female"))
    adapter.preview(RACHEL, "Hello, how can I help?", VoiceSettings(speed=1.1))
    short = adapter.design(DESCRIPTION, "Hello, how can I help?")
    adapter.design(DESCRIPTION, LONG_TEXT)
    adapter.create_designed(short.previews[0].generated_voice_id, "Clara", DESCRIPTION)
    paths = [record["path"] for record in fake.requests]
    assert paths == [
        "/v2/voices",
        f"/v1/text-to-speech/{RACHEL}",
        "/v1/text-to-voice/design",
        "/v1/text-to-voice/design",
        "/v1/text-to-voice",
    ]
    for record in fake.requests:
        spec().validate_request(as_request(fake.base_url, record))


def test_request_validation_would_catch_a_wrong_request(fake: FakeElevenLabs) -> None:
    body = json.dumps({"voice_name": "Clara", "generated_voice_id": 12}).encode()
    wrong = MockRequest(fake.base_url, "post", "/v1/text-to-voice", data=body)
    with pytest.raises(RequestValidationError):
        spec().validate_request(wrong)
