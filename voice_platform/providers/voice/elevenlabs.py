"""ElevenLabs voices through the official SDK: the account's voices, previews by
text-to-speech, and voices designed from a description (text-to-voice). Vendor errors become
the platform's ProviderErrors; a 429 or 5xx is tried again a few times, waiting as Retry-After
asks. Also the check of the `ElevenLabs-Signature` header on ElevenLabs' webhooks.

Texts and descriptions are checked as the sandbox checks them (same limits for both
providers); the checks live there because the sandbox must not import this SDK."""

from __future__ import annotations

import base64
import binascii
import email.utils
import hashlib
import hmac
import time
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

import httpx
from elevenlabs import ElevenLabs
from elevenlabs import VoiceSettings as SpeechSettings
from elevenlabs.core import ApiError, ParsingError, RequestOptions

from voice_platform.providers.errors import (
    AuthenticationFailed,
    BadRequest,
    ProviderError,
    ProviderNotFound,
    QuotaExceeded,
    RateLimited,
    Unavailable,
)
from voice_platform.providers.voice.base import (
    Audio,
    Design,
    DesignedPreview,
    Voice,
    VoiceQuery,
    VoiceSettings,
)
from voice_platform.providers.voice.sandbox import (
    checked_description,
    checked_text,
    language_code,
    normalised,
)

T = TypeVar("T")

PREVIEW_FORMAT = "mp3_44100_128"
DESIGN_MODEL = "eleven_multilingual_ttv_v2"
# The design endpoint speaks a text of 100 to 1000 characters; for a shorter one it is asked
# to write its own, and the Design carries the text it wrote.
MIN_DESIGN_TEXT_CHARACTERS = 100
PAGE_SIZE = 100
MAX_PAGES = 5
TIMEOUT_SECONDS = 30.0
MAX_ATTEMPTS = 3
# A longer Retry-After is answered with RateLimited at once: nobody waits that long on a page.
MAX_RETRY_WAIT_SECONDS = 10.0
FIRST_BACKOFF_SECONDS = 0.5
# The SDK retries by itself, but not the streamed text-to-speech; one loop here does all.
ONCE: RequestOptions = {"max_retries": 0}
CATEGORIES = {"generated": "designed"}  # ElevenLabs' name for a designed voice
SIGNATURE_SCHEME = "v0"
WEBHOOK_TOLERANCE_SECONDS = 1800


def model_id(model: str) -> str:
    """ConversationRelay names models without "eleven_" (flash_v2_5); the API with it."""
    return model if model.startswith("eleven_") else f"eleven_{model}"


def error_detail(body: Any) -> tuple[str | None, str]:
    """ElevenLabs' code and message in an error body: `{"detail": {"status", "message"}}`,
    FastAPI's `{"detail": [{"loc", "msg", "type"}]}`, or anything else as text."""
    detail = body.get("detail", body) if isinstance(body, dict) else body
    if isinstance(detail, dict):
        return detail.get("status"), str(detail.get("message") or detail)
    if isinstance(detail, list) and detail:
        problems = []
        for item in detail:
            if isinstance(item, dict):
                where = [str(part) for part in item.get("loc", []) if part not in ("body", "query")]
                problems.append(f"{'.'.join(where) or 'request'}: {item.get('msg')}")
        return None, "; ".join(problems) or str(detail)
    return None, str(detail or "no details given")


def retry_after(headers: dict[str, str] | None) -> float | None:
    """Seconds the Retry-After header asks for, given in seconds or as an HTTP date."""
    value = {key.lower(): v for key, v in (headers or {}).items()}.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


def provider_error(exc: ApiError, doing: str) -> ProviderError:
    status = exc.status_code or 0
    code, message = error_detail(exc.body)
    # ElevenLabs answers an empty balance with 401 quota_exceeded, not 402.
    if code == "quota_exceeded" or status == 402:
        return QuotaExceeded(f"The ElevenLabs account is out of credits: {message}")
    if status in (401, 403):
        return AuthenticationFailed(f"ElevenLabs refused the API key: {message}")
    if status == 404 or code == "voice_not_found":
        return ProviderNotFound(f"ElevenLabs could not {doing}: {message}")
    if status == 429:
        return RateLimited(
            f"ElevenLabs is busy or rate limiting this account; try again shortly. ({message})",
            retry_after=retry_after(exc.headers),
        )
    if status >= 500:
        return Unavailable(f"ElevenLabs is not working right now and could not {doing}.")
    return BadRequest(f"ElevenLabs refused to {doing}: {message}")


def wrong_shape(doing: str) -> ProviderError:
    return ProviderError(f"ElevenLabs answered in a shape this platform does not know ({doing}).")


def labels_of(found: Any) -> dict[str, str]:
    return {key: normalised(value) for key, value in (found.labels or {}).items() if value}


def languages_of(found: Any) -> list[str]:
    """The languages a voice speaks: its label first, then those ElevenLabs verified."""
    languages = [labels_of(found).get("language")]
    languages += [known.language for known in found.verified_languages or []]
    return [language_code(language) for language in languages if language]


def voice_from(found: Any) -> Voice:
    labels = labels_of(found)
    languages = languages_of(found)
    if not isinstance(found.voice_id, str) or not isinstance(found.name, str):
        raise TypeError("a voice without an id or a name")
    return Voice(
        voice_id=found.voice_id,
        name=found.name,
        language=languages[0] if languages else None,
        accent=labels.get("accent"),
        gender=labels.get("gender"),
        age=labels.get("age"),
        use_case=labels.get("use_case"),
        description=found.description or labels.get("descriptive"),
        preview_url=found.preview_url,
        category=CATEGORIES.get(found.category, found.category),
    )


def wanted(found: Any, query: VoiceQuery) -> bool:
    """The filters the voices search of the contract cannot apply itself."""
    labels = labels_of(found)
    for label in ("accent", "gender", "age", "use_case"):
        value = getattr(query, label)
        if value and labels.get(label) != normalised(value):
            return False
    return not query.language or language_code(query.language) in languages_of(found)


class ElevenLabsVoice:
    name = "elevenlabs"

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = "",
        timeout_seconds: float = TIMEOUT_SECONDS,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self.client = ElevenLabs(
            api_key=api_key, base_url=base_url or None, timeout=timeout_seconds
        )
        self.max_attempts = max_attempts

    def _retry_wait(self, exc: ApiError, attempt: int) -> float | None:
        """Seconds to wait before trying again, or None when it is not worth another try."""
        status = exc.status_code or 0
        if attempt >= self.max_attempts or not (status == 429 or status >= 500):
            return None
        wait = retry_after(exc.headers)
        if wait is None:
            wait = FIRST_BACKOFF_SECONDS * 2 ** (attempt - 1)
        return wait if wait <= MAX_RETRY_WAIT_SECONDS else None

    def _call(self, doing: str, request: Callable[[], T]) -> T:
        attempt = 1
        while True:
            try:
                return request()
            except ApiError as exc:
                wait = self._retry_wait(exc, attempt)
                if wait is None:
                    raise provider_error(exc, doing) from exc
            except ParsingError as exc:
                raise wrong_shape(doing) from exc
            except httpx.TimeoutException as exc:
                raise Unavailable(
                    f"ElevenLabs did not answer in time and could not {doing}."
                ) from exc
            except httpx.TransportError as exc:
                raise Unavailable(f"ElevenLabs could not be reached to {doing}: {exc}") from exc
            time.sleep(wait)
            attempt += 1

    def voices(self, query: VoiceQuery) -> list[Voice]:
        found: list[Any] = []
        token: str | None = None
        for _ in range(MAX_PAGES):
            search = partial(
                self.client.voices.search,
                search=query.search or None,
                page_size=PAGE_SIZE,
                next_page_token=token,
                include_total_count=False,
                request_options=ONCE,
            )
            page = self._call("list the voices", search)
            if not isinstance(page.voices, list):
                raise wrong_shape("list the voices")
            found += page.voices
            token = page.next_page_token
            if not page.has_more or not token:
                break
        try:
            return [voice_from(voice) for voice in found if wanted(voice, query)]
        except (AttributeError, TypeError) as exc:
            raise wrong_shape("list the voices") from exc

    def preview(self, voice_id: str, text: str, settings: VoiceSettings) -> Audio:
        text = checked_text(text)

        def speak() -> tuple[str, bytes]:
            with self.client.text_to_speech.with_raw_response.convert(
                voice_id,
                text=text,
                model_id=model_id(settings.model),
                output_format=PREVIEW_FORMAT,
                voice_settings=SpeechSettings(
                    stability=settings.stability,
                    similarity_boost=settings.similarity,
                    speed=settings.speed,
                ),
                request_options=ONCE,
            ) as response:
                return response.headers.get("content-type", ""), b"".join(response.data)

        content_type, data = self._call("speak the preview", speak)
        if not content_type.startswith("audio/") or not data:
            raise wrong_shape("speak the preview")
        return Audio(data, content_type.split(";")[0])

    def design(self, description: str, text: str) -> Design:
        description, text = checked_description(description), checked_text(text)
        own_text = len(text) >= MIN_DESIGN_TEXT_CHARACTERS
        design = partial(
            self.client.text_to_voice.design,
            voice_description=description,
            model_id=DESIGN_MODEL,
            output_format=PREVIEW_FORMAT,
            text=text if own_text else None,
            auto_generate_text=not own_text,
            request_options=ONCE,
        )
        answer = self._call("design the voice", design)
        try:
            previews = [
                DesignedPreview(
                    generated_voice_id=preview.generated_voice_id,
                    audio=Audio(
                        base64.b64decode(preview.audio_base_64, validate=True),
                        preview.media_type or "audio/mpeg",
                    ),
                    duration_seconds=preview.duration_secs,
                )
                for preview in answer.previews
            ]
        except (AttributeError, TypeError, binascii.Error) as exc:
            raise wrong_shape("design the voice") from exc
        if not previews or not all(isinstance(p.generated_voice_id, str) for p in previews):
            raise wrong_shape("design the voice")
        return Design(description=description, text=answer.text or text, previews=previews)

    def create_designed(self, generated_voice_id: str, name: str, description: str) -> Voice:
        name, description = name.strip(), checked_description(description)
        if not name:
            raise BadRequest("Give the voice a name.")
        create = partial(
            self.client.text_to_voice.create,
            voice_name=name,
            voice_description=description,
            generated_voice_id=generated_voice_id,
            request_options=ONCE,
        )
        created = self._call("keep the designed voice", create)
        try:
            return voice_from(created)
        except (AttributeError, TypeError) as exc:
            raise wrong_shape("keep the designed voice") from exc


def verify_webhook(
    secret: str,
    body: bytes,
    signature_header: str,
    *,
    tolerance_seconds: float = WEBHOOK_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """Whether a webhook comes from ElevenLabs. `ElevenLabs-Signature: t=<unix seconds>,v0=<hex>`
    where hex is HMAC-SHA256, keyed with the webhook's secret, of "<t>.<raw body>"; a
    signature older (or further ahead) than `tolerance_seconds` is refused as a replay."""
    if not secret or not signature_header:
        return False
    timestamp, signatures = "", []
    for part in signature_header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            timestamp = value
        elif key == SIGNATURE_SCHEME:
            signatures.append(value)
    if not (timestamp.isascii() and timestamp.isdigit()) or not signatures:
        return False
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > tolerance_seconds:
        return False
    signed = timestamp.encode() + b"." + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, signature) for signature in signatures)
