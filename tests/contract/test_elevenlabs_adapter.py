"""The ElevenLabs voice adapter, through the vendor's SDK over HTTP, against the local fake:
what it sends, what it makes of the answers, and the ProviderError each failure becomes.
Also the `ElevenLabs-Signature` check of webhooks."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from tests.fakes.elevenlabs_server import API_KEY, CATALOGUE, FakeElevenLabs, voice
from voice_platform.providers.errors import (
    AuthenticationFailed,
    BadRequest,
    ProviderError,
    ProviderNotFound,
    QuotaExceeded,
    RateLimited,
    Unavailable,
)
from voice_platform.providers.voice.base import VoiceQuery, VoiceSettings
from voice_platform.providers.voice.elevenlabs import ElevenLabsVoice, verify_webhook

RACHEL = "21m00Tcm4TlvDq8ikWAM"
DESCRIPTION = "A warm, calm British woman in her forties"
SHORT_TEXT = "Hello, thanks for calling. How can I help?"
LONG_TEXT = (
    "Thank you for calling Bright Smile Dental, this is how I would greet your callers. " * 2
)


@pytest.fixture
def fake() -> Iterator[FakeElevenLabs]:
    server = FakeElevenLabs().start()
    yield server
    server.stop()


@pytest.fixture
def adapter(fake: FakeElevenLabs) -> ElevenLabsVoice:
    return ElevenLabsVoice(API_KEY, base_url=fake.base_url, timeout_seconds=5)


def names(voices: list[object]) -> list[str]:
    return [getattr(v, "name", "") for v in voices]


def test_voices_come_with_their_labels_mapped(adapter: ElevenLabsVoice) -> None:
    voices = {v.name: v for v in adapter.voices(VoiceQuery())}
    assert list(voices) == [v["name"] for v in CATALOGUE]
    rachel = voices["Rachel"]
    assert rachel.voice_id == RACHEL
    assert (rachel.language, rachel.accent, rachel.gender) == ("en", "american", "female")
    assert (rachel.age, rachel.use_case, rachel.category) == ("middle_aged", "narration", "premade")
    assert str(rachel.preview_url).endswith(".mp3")
    valentina = voices["Valentina"]
    assert (valentina.language, valentina.accent) == ("es", "latin_american")
    assert valentina.use_case == "customer_service"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (VoiceQuery(language="fr"), ["Lily"]),  # from the languages ElevenLabs verified
        (VoiceQuery(language="es-MX"), ["Valentina"]),
        (VoiceQuery(accent="British"), ["George", "Lily"]),
        (VoiceQuery(age="middle-aged"), ["Rachel", "George", "Lily"]),
        (VoiceQuery(use_case="social media"), ["Lily"]),
        (VoiceQuery(gender="male", age="young"), ["Charlie"]),
        (VoiceQuery(search="british", gender="female"), ["Lily"]),
        (VoiceQuery(search="nobody like this"), []),
    ],
)
def test_voices_are_filtered(
    adapter: ElevenLabsVoice, query: VoiceQuery, expected: list[str]
) -> None:
    assert names(adapter.voices(query)) == expected


def test_the_search_words_go_to_the_api(adapter: ElevenLabsVoice, fake: FakeElevenLabs) -> None:
    adapter.voices(VoiceQuery(search="warm", gender="male"))
    (sent,) = fake.requests
    assert sent["path"] == "/v2/voices"
    assert sent["query"]["search"] == ["warm"]
    assert sent["headers"]["xi-api-key"] == API_KEY


def test_voices_are_read_across_pages(adapter: ElevenLabsVoice, fake: FakeElevenLabs) -> None:
    more = [voice(f"extra{n:04d}", f"Extra {n}", {"gender": "male"}) for n in range(230)]
    fake.voices += more
    found = adapter.voices(VoiceQuery())
    assert len(found) == len(CATALOGUE) + 230
    tokens = [r["query"].get("next_page_token") for r in fake.requests]
    assert tokens == [None, ["100"], ["200"]]


def test_a_preview_passes_the_voice_settings(
    adapter: ElevenLabsVoice, fake: FakeElevenLabs
) -> None:
    settings = VoiceSettings(model="flash_v2_5", stability=0.35, similarity=0.9, speed=1.15)
    audio = adapter.preview(RACHEL, f"  {SHORT_TEXT} ", settings)
    assert audio.content_type == "audio/mpeg"
    assert audio.data.startswith(b"ID3")
    (sent,) = fake.requests
    assert sent["path"] == f"/v1/text-to-speech/{RACHEL}"
    assert sent["query"]["output_format"] == ["mp3_44100_128"]
    assert sent["body"] == {
        "text": SHORT_TEXT,
        "model_id": "eleven_flash_v2_5",
        "voice_settings": {"stability": 0.35, "similarity_boost": 0.9, "speed": 1.15},
    }


def test_a_model_named_the_apis_way_is_sent_as_it_is(
    adapter: ElevenLabsVoice, fake: FakeElevenLabs
) -> None:
    adapter.preview(RACHEL, SHORT_TEXT, VoiceSettings(model="eleven_multilingual_v2"))
    assert fake.requests[0]["body"]["model_id"] == "eleven_multilingual_v2"


def test_a_design_gives_previews_to_listen_to_and_one_becomes_a_voice(
    adapter: ElevenLabsVoice, fake: FakeElevenLabs
) -> None:
    design = adapter.design(DESCRIPTION, LONG_TEXT)
    assert design.description == DESCRIPTION
    assert design.text == LONG_TEXT.strip()
    assert len(design.previews) == 3
    assert len({p.generated_voice_id for p in design.previews}) == 3
    for preview in design.previews:
        assert preview.audio.content_type == "audio/mpeg"
        assert preview.audio.data.startswith(b"ID3")  # decoded from base64
        assert (preview.duration_seconds or 0) > 1
    sent = fake.requests[0]["body"]
    assert sent["text"] == LONG_TEXT.strip()
    assert sent["auto_generate_text"] is False

    chosen = design.previews[1].generated_voice_id
    created = adapter.create_designed(chosen, "Clara", DESCRIPTION)
    assert created.name == "Clara"
    assert created.category == "designed"
    assert created.description == DESCRIPTION
    assert fake.requests[-1]["body"] == {
        "voice_name": "Clara",
        "voice_description": DESCRIPTION,
        "generated_voice_id": chosen,
    }
    assert created.voice_id in [v.voice_id for v in adapter.voices(VoiceQuery())]


def test_a_text_too_short_to_design_with_lets_elevenlabs_write_one(
    adapter: ElevenLabsVoice, fake: FakeElevenLabs
) -> None:
    design = adapter.design(DESCRIPTION, SHORT_TEXT)
    sent = fake.requests[0]["body"]
    assert sent["auto_generate_text"] is True
    assert sent["text"] is None
    assert len(design.text) >= 100  # what the previews say, as ElevenLabs wrote it


@pytest.mark.parametrize("text", ["", "   ", "x" * 501])
def test_preview_text_is_refused_before_anything_is_sent(
    adapter: ElevenLabsVoice, fake: FakeElevenLabs, text: str
) -> None:
    with pytest.raises(BadRequest):
        adapter.preview(RACHEL, text, VoiceSettings())
    with pytest.raises(BadRequest):
        adapter.design(DESCRIPTION, text)
    assert fake.requests == []


def test_a_description_too_short_for_elevenlabs_is_refused_with_an_example(
    adapter: ElevenLabsVoice, fake: FakeElevenLabs
) -> None:
    with pytest.raises(BadRequest, match="20 to 1000 characters"):
        adapter.design("warm", SHORT_TEXT)
    with pytest.raises(BadRequest, match="name"):
        adapter.create_designed("abc", " ", DESCRIPTION)
    assert fake.requests == []


def test_a_wrong_key_is_authentication_failed_and_not_retried(
    adapter: ElevenLabsVoice, fake: FakeElevenLabs
) -> None:
    fake.api_key = "another-key"
    with pytest.raises(AuthenticationFailed, match="refused the API key: Invalid API key"):
        adapter.voices(VoiceQuery())
    assert len(fake.requests) == 1


def test_an_empty_balance_is_quota_exceeded(adapter: ElevenLabsVoice, fake: FakeElevenLabs) -> None:
    fake.quota_exceeded = True
    with pytest.raises(QuotaExceeded, match="out of credits: This request exceeds your quota"):
        adapter.preview(RACHEL, SHORT_TEXT, VoiceSettings())
    with pytest.raises(QuotaExceeded):
        adapter.design(DESCRIPTION, SHORT_TEXT)
    assert len(fake.requests) == 2


def test_an_unknown_voice_is_provider_not_found(adapter: ElevenLabsVoice) -> None:
    with pytest.raises(ProviderNotFound, match="voice_id nobody was not found"):
        adapter.preview("nobody", SHORT_TEXT, VoiceSettings())
    with pytest.raises(ProviderNotFound):
        adapter.create_designed("never-generated", "Clara", DESCRIPTION)


@pytest.mark.parametrize(
    ("status", "message"), [(400, "fake failure 400"), (422, "text: fake failure 422")]
)
def test_a_refused_request_is_bad_request_with_the_reason(
    adapter: ElevenLabsVoice, fake: FakeElevenLabs, status: int, message: str
) -> None:
    fake.fail_next = [status]
    with pytest.raises(BadRequest, match=f"refused to speak the preview: {message}"):
        adapter.preview(RACHEL, SHORT_TEXT, VoiceSettings())
    assert len(fake.requests) == 1


def test_a_429_is_retried_after_the_delay_it_asks_for(
    adapter: ElevenLabsVoice, fake: FakeElevenLabs
) -> None:
    fake.fail_next, fake.retry_after = [429], 1
    assert adapter.preview(RACHEL, SHORT_TEXT, VoiceSettings()).data
    first, second = fake.requests
    assert second["at"] - first["at"] >= 0.95


def test_a_429_without_retry_after_backs_off(
    adapter: ElevenLabsVoice, fake: FakeElevenLabs
) -> None:
    fake.fail_next, fake.retry_after = [429], None
    assert adapter.voices(VoiceQuery())
    first, second = fake.requests
    assert second["at"] - first["at"] >= 0.45


def test_server_errors_are_retried(adapter: ElevenLabsVoice, fake: FakeElevenLabs) -> None:
    fake.fail_next, fake.retry_after = [500, 503], 0
    assert adapter.design(DESCRIPTION, SHORT_TEXT).previews
    assert len(fake.requests) == 3


def test_retries_are_bounded(adapter: ElevenLabsVoice, fake: FakeElevenLabs) -> None:
    fake.fail_next, fake.retry_after = [429, 429, 429, 429], 0
    with pytest.raises(RateLimited) as raised:
        adapter.preview(RACHEL, SHORT_TEXT, VoiceSettings())
    assert raised.value.retry_after == 0
    assert len(fake.requests) == 3
    fake.requests.clear()
    fake.fail_next = [502, 502, 502, 502]
    with pytest.raises(Unavailable, match="not working right now"):
        adapter.voices(VoiceQuery())
    assert len(fake.requests) == 3


def test_a_long_retry_after_is_passed_on_instead_of_waited_for(
    adapter: ElevenLabsVoice, fake: FakeElevenLabs
) -> None:
    fake.fail_next, fake.retry_after = [429], 120
    started = time.monotonic()
    with pytest.raises(RateLimited) as raised:
        adapter.voices(VoiceQuery())
    assert raised.value.retry_after == 120
    assert time.monotonic() - started < 5
    assert len(fake.requests) == 1


def test_a_slow_server_is_unavailable(fake: FakeElevenLabs) -> None:
    fake.latency = 1.0
    slow = ElevenLabsVoice(API_KEY, base_url=fake.base_url, timeout_seconds=0.2)
    with pytest.raises(Unavailable, match="did not answer in time"):
        slow.preview(RACHEL, SHORT_TEXT, VoiceSettings())


def test_an_unreachable_server_is_unavailable() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    nowhere = ElevenLabsVoice(API_KEY, base_url=f"http://127.0.0.1:{port}", timeout_seconds=2)
    with pytest.raises(Unavailable, match="could not be reached"):
        nowhere.voices(VoiceQuery())


def test_answers_of_the_wrong_shape_are_provider_errors(
    adapter: ElevenLabsVoice, fake: FakeElevenLabs
) -> None:
    generated = adapter.design(DESCRIPTION, SHORT_TEXT).previews[0].generated_voice_id
    fake.malformed = True
    calls = {
        "list the voices": lambda: adapter.voices(VoiceQuery()),
        "speak the preview": lambda: adapter.preview(RACHEL, SHORT_TEXT, VoiceSettings()),
        "design the voice": lambda: adapter.design(DESCRIPTION, SHORT_TEXT),
        "keep the designed voice": lambda: adapter.create_designed(generated, "C", DESCRIPTION),
    }
    for doing, attempt in calls.items():
        with pytest.raises(ProviderError, match=f"shape .* \\({doing}\\)"):
            attempt()


# The notes' test vector (shared/contracts/elevenlabs_notes.md, section 4).
SECRET = "test_secret"
SIGNED_AT = 1600000000
BODY = b'{"event_type": "speech.completed", "id": "123456"}'
SIGNATURE = "v0=f8a0d1dc33ee963cb54d2f31514555995e93313c9d2042c030adbb82b87fae13"
HEADER = f"t={SIGNED_AT},{SIGNATURE}"


def test_a_webhook_signed_with_the_secret_is_accepted() -> None:
    assert verify_webhook(SECRET, BODY, HEADER, now=SIGNED_AT + 60)
    assert verify_webhook(SECRET, BODY, f" t={SIGNED_AT} , {SIGNATURE} ", now=SIGNED_AT)


@pytest.mark.parametrize(
    ("secret", "body", "header"),
    [
        (SECRET, BODY.replace(b"123456", b"654321"), HEADER),
        (SECRET, BODY, HEADER[:-1] + "0"),
        ("another_secret", BODY, HEADER),
        (SECRET, BODY, f"t={SIGNED_AT + 1},{SIGNATURE}"),
        (SECRET, BODY, f"t={SIGNED_AT}"),
        (SECRET, BODY, f"t={SIGNED_AT},v1={SIGNATURE[3:]}"),
        (SECRET, BODY, SIGNATURE),
        (SECRET, BODY, ""),
        ("", BODY, HEADER),
    ],
    ids=["body", "signature", "secret", "timestamp", "no-v0", "other-scheme", "no-t", "empty",
         "no-secret"],
)  # fmt: skip
def test_a_tampered_webhook_is_refused(secret: str, body: bytes, header: str) -> None:
    assert not verify_webhook(secret, body, header, now=SIGNED_AT)


def test_an_old_webhook_is_refused_as_a_replay() -> None:
    assert verify_webhook(SECRET, BODY, HEADER, now=SIGNED_AT + 1800)
    assert not verify_webhook(SECRET, BODY, HEADER, now=SIGNED_AT + 1801)
    assert not verify_webhook(SECRET, BODY, HEADER, now=SIGNED_AT + 120, tolerance_seconds=60)
    assert not verify_webhook(SECRET, BODY, HEADER)  # signed in 2020
