"""Whole phone calls against the running API: a simulated Twilio posts signed webhooks and
speaks ConversationRelay over a real WebSocket; the records the calls leave are read back from
PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
import uvicorn
import websockets
from sqlmodel import col, select

from tests.conftest import Servers
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.twilio_phone import Network, PhoneCall
from voice_platform.api import create_api
from voice_platform.config import get_settings
from voice_platform.conversation.turns import Turn, TurnContext
from voice_platform.db import platform_session
from voice_platform.models import (
    AfterHours,
    Agent,
    AgentStatus,
    Call,
    CallMessage,
    CallTurn,
    KnowledgeRecord,
    LlmUsage,
    OutboxEmail,
    PhoneNumber,
    Tenant,
)
from voice_platform.services import calls, messages

pytestmark = pytest.mark.timeout(120)

KB = json.loads((Path(__file__).parents[1] / "fixtures" / "bright_smile_kb.json").read_text())
NUMBER = "+15550100001"
TRANSFER_TO = "+15550009999"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def app_url(db: Servers, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("PUBLIC_BASE_URL", base)
    monkeypatch.setenv("CALL_SILENCE_SECONDS", "3")
    get_settings.cache_clear()
    server = uvicorn.Server(
        uvicorn.Config(create_api(), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield base
    server.should_exit = True
    thread.join(10)
    get_settings.cache_clear()


@pytest.fixture
async def network(app_url: str) -> AsyncIterator[Network]:
    net = Network(app_url, calls.sandbox_auth_token())
    yield net
    await net.aclose()


def seed(
    *,
    status: AgentStatus = AgentStatus.ACTIVE,
    transfer: str | None = TRANSFER_TO,
    webhook: str | None = None,
    number: str = NUMBER,
) -> tuple[uuid.UUID, uuid.UUID]:
    with platform_session("test seed") as session:
        tenant = Tenant(
            name="Bright Smile Dental",
            slug=f"bright-{uuid.uuid4().hex[:8]}",
            notification_email="desk@brightsmile.example",
            message_webhook_url=webhook,
        )
        session.add(tenant)
        session.flush()
        agent = Agent(
            tenant_id=tenant.id,
            name="Bright Smile Dental",
            greeting="Thanks for calling Bright Smile Dental, how can I help?",
            status=status,
            transfer_number=transfer,
            after_hours=AfterHours.TRANSFER,
            languages=["en", "es"],
        )
        session.add(agent)
        session.flush()
        session.add(KnowledgeRecord(agent_id=agent.id, tenant_id=tenant.id, document=KB))
        session.add(
            PhoneNumber(
                tenant_id=tenant.id,
                provider="sandbox",
                provider_sid=f"SB{uuid.uuid4().hex}",
                number=number,
                friendly_name="(555) 010-0001",
                agent_id=agent.id,
            )
        )
        return tenant.id, agent.id


def call_record(sid: str) -> Call:
    with platform_session("test read") as session:
        call = session.exec(select(Call).where(Call.call_sid == sid)).one()
        return call


def turns(call_id: uuid.UUID) -> list[CallTurn]:
    with platform_session("test read") as session:
        return list(
            session.exec(
                select(CallTurn).where(CallTurn.call_id == call_id).order_by(col(CallTurn.id))
            )
        )


def the_messages() -> list[CallMessage]:
    with platform_session("test read") as session:
        return list(session.exec(select(CallMessage)))


async def settled(check: Any, wait: float = 5) -> Any:
    """Records are written just after the words are spoken: wait until they are there."""
    deadline = time.monotonic() + wait
    while True:
        value = await asyncio.to_thread(check)
        if value or time.monotonic() > deadline:
            return value
        await asyncio.sleep(0.05)


async def test_a_call_is_answered_from_the_knowledge_base_and_recorded(network: Network) -> None:
    seed()
    call = await network.dial(NUMBER)
    relay = call.relay()
    assert relay is not None
    assert relay.get("welcomeGreeting", "").startswith("Thanks for calling Bright Smile Dental")
    assert relay.get("dtmfDetection") == "true"
    assert relay.get("language") == "en-US"
    assert [node.get("code") for node in relay.findall("Language")] == ["es-US"]
    await call.connect()
    reply = await call.say("do y'all take Delta Dental?")
    assert "delta dental" in reply.text.lower()
    unknown = await call.say("Do you sell gift cards for the spa next door?")
    assert "don't have that information" in unknown.text
    response = await call.hang_up(seconds=42)
    assert response.status_code == 204

    record = call_record(call.sid)
    assert (record.status, record.duration_seconds, record.outcome) == ("completed", 42, "answered")
    assert record.from_number == "+15557654321"
    said = await settled(lambda: len(turns(record.id)) >= 5 and turns(record.id))
    assert [t.speaker for t in said] == ["agent", "caller", "agent", "caller", "agent"]
    answer = said[2]
    assert answer.action == "answer"
    assert answer.facts
    assert any("Delta" in f["text"] for f in answer.facts)
    assert answer.latency_ms is not None
    assert said[4].action == "unknown"
    assert said[4].facts == []


async def test_a_transfer_dials_the_business_and_is_recorded(network: Network) -> None:
    seed()
    call = await network.dial(NUMBER)
    await call.connect()
    reply = await call.say("Can I talk to a real person please?")
    assert "transfer" in reply.text.lower()
    await call.until_end()
    assert call.ended is not None
    assert call.ended["reason"] == "handoff"
    assert call.ended["to"] == TRANSFER_TO
    assert call.ended["reasonCode"] == "live-agent-handoff"
    twiml = await call.relay_ended()
    dial = twiml.find("./Dial")
    assert dial is not None
    assert (dial.text or "").strip() == TRANSFER_TO
    assert dial.get("action", "").endswith(f"call={call_record(call.sid).id}")
    after = await call.dial_ended("completed")
    assert after.find("./Hangup") is not None
    await call.hang_up()
    record = call_record(call.sid)
    assert (record.transfer_to, record.transfer_status) == (TRANSFER_TO, "completed")
    assert record.outcome == "transferred"


async def test_nobody_answering_a_transfer_leads_to_a_message(
    network: Network, app_url: str
) -> None:
    tenant_id, agent_id = seed()
    call = await network.dial(NUMBER)
    await call.connect()
    await call.say("I need to speak with someone about a billing dispute")
    await call.until_end()
    await call.relay_ended()
    back = await call.dial_ended("no-answer")
    relay = back.find("./Connect/ConversationRelay")
    assert relay is not None
    assert "nobody could come to the phone" in relay.get("welcomeGreeting", "")
    await call.connect()
    asked = await call.say("It's Maria Lopez")
    assert "Maria Lopez" in asked.text
    assert "5 5 5, 7 6 5, 4 3 2 1" in asked.text
    assert "pass on" in (await call.say("yes that's fine")).text
    read_back = await call.say("Please call me about my bill from March")
    assert "Maria Lopez" in read_back.text
    assert "my bill from March" in read_back.text
    done = await call.say("yes")
    assert "pass that on" in done.text
    await call.hang_up()

    [message] = await settled(the_messages)
    assert (message.caller_name, message.callback_number) == ("Maria Lopez", "+15557654321")
    assert message.body == "Please call me about my bill from March"
    assert message.agent_id == agent_id
    record = call_record(call.sid)
    assert (record.transfer_status, record.outcome) == ("no-answer", "message")
    import redis as redis_lib

    queue = redis_lib.Redis.from_url(get_settings().redis_url)
    # The relay queues the notice just after it writes the message.
    assert await settled(lambda: queue.exists(f"arq:job:notify:{message.id}"))
    sent = await messages.notify(message.id, tenant_id)
    assert sent["email"] == "sent to 1"
    with platform_session("test read") as session:
        [email] = session.exec(select(OutboxEmail)).all()
    assert email.to_address == "desk@brightsmile.example"
    assert "Maria Lopez" in email.subject
    assert "my bill from March" in email.body
    again = await messages.notify(message.id, tenant_id)
    assert "email" not in again


class Hook(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        Hook.received.append(json.loads(self.rfile.read(length)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return


async def test_a_message_by_keypad_reaches_the_owners_webhook(
    network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRAWL_ALLOW_PRIVATE_NETWORKS", "true")
    get_settings.cache_clear()
    hook = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    Hook.received = []
    tenant_id, _ = seed(webhook=f"http://127.0.0.1:{hook.server_port}/hooks")
    try:
        call = await network.dial(NUMBER, caller="anonymous")
        await call.connect()
        asked = await call.say("Could I leave a message for Dr. Patel?")
        assert "name" in asked.text.lower()
        number_asked = await call.say("my name is Tom")
        assert "press pound" in number_asked.text
        for digit in "5125550199#":
            await call.press(digit)
        assert "pass on" in (await call.listen()).text
        await call.say("Please move my Tuesday cleaning")
        await call.say("yes")
        [message] = await settled(the_messages)
        assert (message.caller_name, message.callback_number) == ("Tom", "5125550199")
        sent = await messages.notify(message.id, tenant_id)
        assert sent["webhook"] == "delivered 204"
        [posted] = Hook.received
        assert posted["event"] == "message.taken"
        assert posted["caller_name"] == "Tom"
        assert posted["message"] == message.body
    finally:
        hook.shutdown()


class SlowEngine:
    """Speaks one word every 50 ms, as a model streaming a long answer would."""

    async def reply(self, context: TurnContext) -> AsyncIterator[str | Turn]:
        words = [f"word{i} " for i in range(100)]
        for word in words:
            await asyncio.sleep(0.05)
            yield word
        yield Turn("answer", "".join(words))


async def test_the_caller_interrupts_and_presses_zero(
    network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(calls, "engine_for", lambda tenant_id: SlowEngine())
    seed()
    call = await network.dial(NUMBER)
    await call.connect()
    await call.send({"type": "prompt", "voicePrompt": "What services do you offer?", "last": True})
    first = await call.next_tokens(3)
    assert [m["token"] for m in first] == ["word0 ", "word1 ", "word2 "]
    await call.interrupt("word0 word1")
    await call.press("0")
    replies = await call.until_end()
    spoken = " ".join(r.text for r in replies)
    assert "word20" not in spoken
    assert "transfer you" in spoken
    assert call.ended is not None
    assert call.ended["reasonCode"] == "live-agent-handoff"
    record = call_record(call.sid)
    said = await settled(lambda: [t for t in turns(record.id) if t.interrupted])
    assert [(t.speaker, t.text) for t in said] == [("agent", "word0 word1")]


async def test_a_caller_who_says_nothing_is_asked_then_let_go(network: Network) -> None:
    seed()
    call = await network.dial(NUMBER)
    await call.connect()
    first = await call.listen(wait=10)
    assert "still there" in first.text
    last = await call.until_end()
    assert "goodbye" in last[0].text.lower()
    assert call.ended is not None
    assert call.ended["reason"] == "silence"
    twiml = await call.relay_ended()
    assert twiml.find("./Hangup") is not None
    await call.hang_up(seconds=9)
    assert call_record(call.sid).outcome == "abandoned"


async def test_malformed_relay_messages_are_survived_then_closed(network: Network) -> None:
    seed()
    call = await network.dial(NUMBER)
    await call.connect()
    await call.send("this is not json")
    await call.send({"no": "type"})
    reply = await call.say("do y'all take Delta Dental?")
    assert "delta dental" in reply.text.lower()
    for _ in range(10):
        await call.send("{broken")
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await asyncio.wait_for(call.socket.recv(), 10)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1007


async def test_a_bad_signature_is_refused_and_nothing_is_recorded(network: Network) -> None:
    seed()
    call = PhoneCall(network, "CA" + "1" * 32, "+15557654321", NUMBER)
    response = await network.post(
        "/api/twilio/voice", call.params(CallStatus="ringing"), signature="bm90LXNpZ25lZA=="
    )
    assert response.status_code == 403
    assert response.json()["error"]["message"].startswith("The request is not signed")
    unsigned = await network.http.post(
        f"{network.base_url}/api/twilio/voice", data=call.params(CallStatus="ringing")
    )
    assert unsigned.status_code == 403
    with platform_session("test read") as session:
        assert session.exec(select(Call)).all() == []
    for path in ("/api/twilio/status", "/api/twilio/recording"):
        forged = await network.post(path, call.params(), signature="Zm9yZ2Vk")
        assert forged.status_code == 403


async def test_a_relay_token_works_once(network: Network) -> None:
    seed()
    call = await network.dial(NUMBER)
    await call.connect()
    await call.say("do y'all take Delta Dental?")
    await call.socket.close()
    with pytest.raises(websockets.InvalidStatus):
        await call.connect()
    other = await network.dial(NUMBER)
    with pytest.raises(websockets.InvalidStatus):
        await other.connect(signature="Zm9yZ2Vk")


async def test_unknown_and_inactive_numbers_hear_a_polite_goodbye(network: Network) -> None:
    seed(status=AgentStatus.PAUSED)
    paused = await network.dial(NUMBER)
    assert paused.twiml is not None
    said = paused.twiml.find("./Say")
    assert said is not None
    assert "can't take your call right now" in (said.text or "")
    assert paused.twiml.find("./Hangup") is not None
    assert call_record(paused.sid).outcome == "unrouted"
    nowhere = await network.dial("+15550100999")
    assert nowhere.twiml is not None
    assert "not in service" in (nowhere.twiml.findtext("./Say") or "")


async def test_the_signature_is_checked_against_the_public_url(
    network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed()
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://calls.example.com")
    get_settings.cache_clear()
    call = PhoneCall(network, "CA" + "2" * 32, "+15557654321", NUMBER)
    params = call.params(CallStatus="ringing")
    public = network.sign("https://calls.example.com/api/twilio/voice", params)
    response = await network.post("/api/twilio/voice", params, signature=public)
    assert response.status_code == 200
    assert "wss://calls.example.com/api/twilio/relay/" in response.text
    local = await network.post("/api/twilio/voice", params)
    assert local.status_code == 403


async def test_status_and_recording_callbacks_complete_the_record(network: Network) -> None:
    seed()
    call = await network.dial(NUMBER)
    answered = await network.post("/api/twilio/status", call.params(CallStatus="in-progress"))
    assert answered.status_code == 204
    recording = await network.post(
        "/api/twilio/recording",
        call.params(
            RecordingSid="RE" + "3" * 32,
            RecordingUrl="https://api.twilio.com/recordings/RE333",
            RecordingStatus="completed",
            RecordingDuration="61",
        ),
    )
    assert recording.status_code == 204
    await call.hang_up(seconds=61)
    late = await network.post("/api/twilio/status", call.params(CallStatus="ringing"))
    assert late.status_code == 204
    record = call_record(call.sid)
    assert record.status == "completed"
    assert (record.recording_seconds, record.recording_status) == (61, "completed")
    assert record.connected_at is not None
    assert record.ended_at is not None


async def test_with_a_model_the_call_streams_its_answer_and_records_usage(
    network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeOpenAI().start()
    try:
        monkeypatch.setenv("LLM_API_KEY", "sk-test")
        monkeypatch.setenv("LLM_BASE_URL", fake.base_url)
        get_settings.cache_clear()
        tenant_id, _ = seed()
        call = await network.dial(NUMBER)
        await call.connect()
        reply = await call.say("do y'all take Delta Dental?")
        assert reply.text.startswith("You said:")
        [request] = fake.chat_requests()
        assert request["stream"] is True
        assert {tool["function"]["name"] for tool in request["tools"]} >= {
            "transfer_to_human",
            "take_message",
            "end_call",
        }
        await call.hang_up()

        def usage_rows() -> list[LlmUsage]:
            with platform_session("test read") as session:
                return list(session.exec(select(LlmUsage).where(LlmUsage.tenant_id == tenant_id)))

        [used] = await settled(usage_rows)
        assert used.purpose == "call"
        assert used.prompt_tokens > 0
        assert used.completion_tokens > 0
    finally:
        fake.stop()
