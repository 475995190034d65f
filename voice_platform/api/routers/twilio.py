"""Twilio's webhooks and the ConversationRelay socket.

Every request must carry a valid `X-Twilio-Signature` for the public URL Twilio called
(PUBLIC_BASE_URL behind a proxy) and the token of the account that owns the number; anything
else gets 403. Whatever goes wrong after that, the caller hears a polite sentence, never an
error page: Twilio reads a 500 as "an application error has occurred"."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, WebSocket
from fastapi.responses import JSONResponse, Response
from twilio.twiml.voice_response import Connect, VoiceResponse

from voice_platform.api import relay
from voice_platform.api.errors import error_response
from voice_platform.config import get_settings
from voice_platform.conversation.dialogue import phrase
from voice_platform.models import Call
from voice_platform.providers.phone.twilio import verify_signature
from voice_platform.services import analysis, calls

router = APIRouter(prefix="/twilio", tags=["twilio"])

XML = "text/xml"
TROUBLE = "Sorry, we're having trouble taking your call. Please try again later. Goodbye."
# Optional, so that an unsigned request is refused (403) before anything is validated.
CallParam = Annotated[uuid.UUID | None, Query(alias="call", description="The call's id")]


def public_url(request: Request | WebSocket, *, websocket: bool = False) -> str:
    """The URL Twilio called, as it signed it: the public base URL, path and query."""
    base = get_settings().base_url
    if websocket:
        base = "ws" + base.removeprefix("http")
    query = f"?{request.url.query}" if request.url.query else ""
    return f"{base}{request.url.path}{query}"


def twiml(response: VoiceResponse) -> Response:
    return Response(str(response), media_type=XML)


def say_and_hang_up(text: str) -> Response:
    response = VoiceResponse()
    response.say(text)
    response.hangup()
    return twiml(response)


async def signed_form(request: Request, token: str) -> dict[str, str] | None:
    form = {key: str(value) for key, value in (await request.form()).items()}
    signature = request.headers.get("X-Twilio-Signature", "")
    return form if verify_signature(token, public_url(request), form, signature) else None


def forbidden() -> JSONResponse:
    return error_response(403, "The request is not signed by Twilio for this number")


def relay_twiml(
    call_id: uuid.UUID,
    token: str,
    greeting: str,
    voice: str | None,
    language: str,
    languages: tuple[str, ...],
) -> Response:
    base = get_settings().base_url
    response = VoiceResponse()
    connect = Connect(action=f"{base}/api/twilio/relay-ended?call={call_id}")
    attributes = {
        "url": "ws" + base.removeprefix("http") + f"/api/twilio/relay/{token}",
        "welcome_greeting": greeting,
        "language": language,
        "dtmf_detection": True,
        "interruptible": "any",
        "welcome_greeting_interruptible": "any",
    }
    if voice:
        attributes |= {"tts_provider": "ElevenLabs", "voice": voice}
    conversation = connect.conversation_relay(**attributes)
    for other in languages[1:]:
        extra = {"code": other}
        if voice:
            extra |= {"tts_provider": "ElevenLabs", "voice": voice}
        conversation.language(**extra)
    response.append(connect)
    return twiml(response)


@router.post(
    "/voice",
    summary="Twilio: an incoming call",
    description="**Auth:** Twilio's signature. Answers TwiML that connects the caller to the "
    "number's agent over ConversationRelay.",
    response_class=Response,
    responses={200: {"content": {XML: {}}}, 403: {"description": "Not signed by Twilio"}},
)
async def incoming(request: Request) -> Response:
    form = {key: str(value) for key, value in (await request.form()).items()}
    url, signature = public_url(request), request.headers.get("X-Twilio-Signature", "")

    def signed(token: str) -> bool:
        return verify_signature(token, url, form, signature)

    # One thread hop and one transaction: the signature is checked there, with the token of
    # the number's account, before the call is recorded (see calls.incoming).
    route = await asyncio.to_thread(calls.incoming, form.get("To", ""), form, signed)
    if isinstance(route, calls.Unsigned):
        return forbidden()
    if isinstance(route, calls.Decline):
        return say_and_hang_up(route.message)
    if isinstance(route, calls.Forward):
        response = VoiceResponse()
        response.dial(route.to)
        return twiml(response)
    return relay_twiml(
        route.call_id, route.token, route.greeting, route.voice, route.language, route.languages
    )


async def _signed_call(request: Request) -> tuple[Call | None, dict[str, str] | None]:
    form = await request.form()
    call, token = await asyncio.to_thread(calls.call_row, str(form.get("CallSid", "")))
    return call, await signed_form(request, token)


@router.post(
    "/relay-ended",
    summary="Twilio: the agent let the call go",
    description="**Auth:** Twilio's signature. The `<Connect action>` URL: transfers the "
    "caller when the agent handed off, else hangs up.",
    response_class=Response,
    responses={200: {"content": {XML: {}}}, 403: {"description": "Not signed by Twilio"}},
)
async def relay_ended(request: Request, call_id: CallParam = None) -> Response:
    call, form = await _signed_call(request)
    if form is None:
        return forbidden()
    if call is None or call.id != call_id:
        return say_and_hang_up(TROUBLE)
    to = await asyncio.to_thread(calls.pending_transfer, call)
    response = VoiceResponse()
    if to:
        base = get_settings().base_url
        response.dial(
            to,
            action=f"{base}/api/twilio/dial-ended?call={call.id}",
            timeout=get_settings().call_transfer_timeout_seconds,
            caller_id=call.to_number or None,
        )
        return twiml(response)
    if form.get("SessionStatus") == "failed" or form.get("ErrorCode"):
        response.say(TROUBLE)
    response.hangup()
    return twiml(response)


@router.post(
    "/dial-ended",
    summary="Twilio: a transfer finished",
    description="**Auth:** Twilio's signature. When nobody took the transfer, the caller "
    "goes back to the agent to leave a message.",
    response_class=Response,
    responses={200: {"content": {XML: {}}}, 403: {"description": "Not signed by Twilio"}},
)
async def dial_ended(request: Request, call_id: CallParam = None) -> Response:
    call, form = await _signed_call(request)
    if form is None:
        return forbidden()
    if call is None or call.id != call_id:
        return say_and_hang_up(TROUBLE)
    unanswered = await asyncio.to_thread(
        calls.dial_finished, call, form.get("DialCallStatus", "failed")
    )
    if not unanswered:
        response = VoiceResponse()
        response.hangup()
        return twiml(response)
    again = await asyncio.to_thread(calls.reconnect, call.id, call.tenant_id)
    if again is None:
        return say_and_hang_up(TROUBLE)
    token, agent = again
    voice = calls.voice_of(agent)
    return relay_twiml(
        call.id, token, phrase("nobody_answered", call.language), voice, call.language, ()
    )


@router.post(
    "/status",
    summary="Twilio: the call's status changed",
    description="**Auth:** Twilio's signature. Completes the call's record: status, duration, "
    "recording.",
    status_code=204,
    response_class=Response,
    responses={403: {"description": "Not signed by Twilio"}},
)
async def status(request: Request) -> Response:
    call, form = await _signed_call(request)
    if form is None:
        return forbidden()
    if call is not None and await asyncio.to_thread(calls.status_changed, call, form):
        # After the call's transaction; a Redis failure is logged, never the webhook's.
        await analysis.enqueue(call.id, call.tenant_id)
    return Response(status_code=204)


@router.post(
    "/recording",
    summary="Twilio: a recording's status changed",
    description="**Auth:** Twilio's signature. Keeps the recording's details on the call.",
    status_code=204,
    response_class=Response,
    responses={403: {"description": "Not signed by Twilio"}},
)
async def recording(request: Request) -> Response:
    call, form = await _signed_call(request)
    if form is None:
        return forbidden()
    if call is not None:
        await asyncio.to_thread(calls.recording_changed, call, form)
    return Response(status_code=204)


@router.websocket("/relay/{token}")
async def conversation_relay(socket: WebSocket, token: str) -> None:
    """ConversationRelay: the token is single-use and bound to its call."""
    call_token = await asyncio.to_thread(calls.relay_signing_token, token)
    signature = socket.headers.get("X-Twilio-Signature", "")
    if call_token is None or not verify_signature(
        call_token, public_url(socket, websocket=True), {}, signature
    ):
        await socket.close(relay.CLOSE_POLICY, "Not signed by Twilio for this call")
        return
    await relay.serve(socket, token)
