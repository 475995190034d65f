"""A simulated Twilio phone network for whole-call tests, following ../shared/contracts/
twilio_notes.md: signed webhooks (HMAC-SHA1 over the URL and sorted form fields), the TwiML the
app answers, and a ConversationRelay client (setup, prompt, dtmf, interrupt in; text, language,
end out). It does what Twilio does between the caller and the app, in text."""

from __future__ import annotations

import asyncio
import json
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

import httpx
import websockets
from twilio.request_validator import RequestValidator

ACCOUNT_SID = "AC" + "0" * 32


def new_call_sid() -> str:
    return "CA" + uuid.uuid4().hex


@dataclass
class Reply:
    """What the agent said in one turn, and any control messages it sent with it."""

    text: str
    controls: list[dict[str, Any]] = field(default_factory=list)

    def control(self, kind: str) -> dict[str, Any] | None:
        return next((c for c in self.controls if c["type"] == kind), None)


class Network:
    """Twilio as the app sees it: signs what it posts with the account's auth token."""

    def __init__(self, base_url: str, auth_token: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.validator = RequestValidator(auth_token)
        self.http = httpx.AsyncClient(timeout=30)

    def sign(self, url: str, params: dict[str, str]) -> str:
        return str(self.validator.compute_signature(url, params))

    async def post(
        self, url: str, params: dict[str, str], *, signature: str | None = None
    ) -> httpx.Response:
        if not url.startswith("http"):
            url = f"{self.base_url}{url}"
        headers = {"X-Twilio-Signature": self.sign(url, params) if signature is None else signature}
        return await self.http.post(url, data=params, headers=headers)

    async def dial(self, to: str, caller: str = "+15557654321") -> PhoneCall:
        call = PhoneCall(self, new_call_sid(), caller, to)
        await call.ring()
        return call

    async def aclose(self) -> None:
        await self.http.aclose()


class PhoneCall:
    def __init__(self, network: Network, sid: str, caller: str, to: str) -> None:
        self.network = network
        self.sid = sid
        self.caller = caller
        self.to = to
        self.twiml: ET.Element | None = None
        self.socket: Any = None
        self.ended: dict[str, Any] | None = None
        self.heard: list[Reply] = []

    def params(self, **extra: str) -> dict[str, str]:
        return {
            "CallSid": self.sid,
            "AccountSid": ACCOUNT_SID,
            "From": self.caller,
            "To": self.to,
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
            **extra,
        }

    async def ring(self) -> httpx.Response:
        response = await self.network.post("/api/twilio/voice", self.params(CallStatus="ringing"))
        if response.status_code == 200:
            self.twiml = ET.fromstring(response.text)
        return response

    def relay(self) -> ET.Element | None:
        return None if self.twiml is None else self.twiml.find("./Connect/ConversationRelay")

    @property
    def greeting(self) -> str:
        relay = self.relay()
        return "" if relay is None else relay.get("welcomeGreeting", "")

    async def connect(self, *, signature: str | None = None, call_sid: str | None = None) -> None:
        relay = self.relay()
        assert relay is not None, "the app did not connect the call to ConversationRelay"
        url = relay.get("url", "")
        signed = self.network.sign(url, {}) if signature is None else signature
        self.socket = await websockets.connect(
            url, additional_headers={"X-Twilio-Signature": signed}, open_timeout=10
        )
        await self.send(
            {
                "type": "setup",
                "sessionId": "VX" + uuid.uuid4().hex,
                "accountSid": ACCOUNT_SID,
                "callSid": call_sid or self.sid,
                "from": self.caller,
                "to": self.to,
                "direction": "inbound",
                "callStatus": "IN-PROGRESS",
                "customParameters": {},
            }
        )

    async def send(self, message: dict[str, Any] | str) -> None:
        await self.socket.send(message if isinstance(message, str) else json.dumps(message))

    async def listen(self, wait: float = 10) -> Reply:
        """Everything the app sends until the end of its turn (`last`) or the end of the call."""
        pieces: list[str] = []
        controls: list[dict[str, Any]] = []
        while True:
            message = json.loads(await asyncio.wait_for(self.socket.recv(), wait))
            if message["type"] == "text":
                pieces.append(message["token"])
                if message.get("last"):
                    break
            else:
                controls.append(message)
                if message["type"] == "end":
                    self.ended = json.loads(message.get("handoffData") or "{}")
                    break
        reply = Reply("".join(pieces).strip(), controls)
        self.heard.append(reply)
        return reply

    async def until_end(self, wait: float = 10) -> list[Reply]:
        """Listen until the app ends the session."""
        replies = []
        while self.ended is None:
            replies.append(await self.listen(wait))
        return replies

    async def say(self, words: str, lang: str = "en-US") -> Reply:
        await self.send({"type": "prompt", "voicePrompt": words, "lang": lang, "last": True})
        return await self.listen()

    async def press(self, digit: str) -> None:
        await self.send({"type": "dtmf", "digit": digit})

    async def next_tokens(self, count: int, wait: float = 10) -> list[dict[str, Any]]:
        got = []
        while len(got) < count:
            got.append(json.loads(await asyncio.wait_for(self.socket.recv(), wait)))
        return got

    async def interrupt(self, heard: str) -> None:
        await self.send(
            {"type": "interrupt", "utteranceUntilInterrupt": heard, "durationUntilInterruptMs": 400}
        )

    async def relay_ended(self, **extra: str) -> ET.Element:
        """Twilio requests the `<Connect action>` URL once the session ends."""
        if self.socket is not None:
            await self.socket.close()
            self.socket = None
        assert self.twiml is not None
        action = self.twiml.find("./Connect")
        assert action is not None
        fields = self.params(CallStatus="in-progress", **extra)
        if self.ended is not None:
            fields["HandoffData"] = json.dumps(self.ended)
        response = await self.network.post(action.get("action", ""), fields)
        assert response.status_code == 200, response.text
        self.twiml = ET.fromstring(response.text)
        return self.twiml

    async def dial_ended(self, status: str) -> ET.Element:
        """Twilio requests the `<Dial action>` URL when the transfer ends."""
        assert self.twiml is not None
        dial = self.twiml.find("./Dial")
        assert dial is not None
        fields = self.params(CallStatus="in-progress", DialCallStatus=status)
        response = await self.network.post(dial.get("action", ""), fields)
        assert response.status_code == 200, response.text
        self.twiml = ET.fromstring(response.text)
        return self.twiml

    async def hang_up(self, seconds: int = 42, **extra: str) -> httpx.Response:
        if self.socket is not None:
            await self.socket.close()
            self.socket = None
        return await self.network.post(
            "/api/twilio/status",
            self.params(CallStatus="completed", CallDuration=str(seconds), **extra),
        )
