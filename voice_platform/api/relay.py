"""Twilio ConversationRelay over a WebSocket: the caller's words in, the agent's words out.

Twilio sends `setup`, then `prompt` (what the caller said), `dtmf`, `interrupt` and `error`; we
send `text` tokens as the engine produces them (`last` closes each agent turn), `language`
when the caller changes language, and `end` (with handoff data for a transfer). A reply runs as
its own task, so an interrupt stops it at once. Records are written by one writer per call,
in order, so speaking never waits on the database. A malformed message is logged and the call
goes on; after ten in a row the socket is closed as Twilio itself would."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import Any

import structlog
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from voice_platform.config import get_settings
from voice_platform.conversation.dialogue import (
    AgentTurn,
    CallEnd,
    Dialogue,
    Event,
    LanguageChange,
    MessageTaken,
    Speech,
)
from voice_platform.services import calls, messages

log = structlog.get_logger(__name__)

MAX_MALFORMED = 10
CLOSE_MALFORMED = 1007
CLOSE_POLICY = 1008


@cache
def records_executor() -> ThreadPoolExecutor:
    """The threads every call's records are written on: as many as the database pool has
    connections. Not asyncio.to_thread's pool: with hundreds of calls, two records a turn
    would fill it, and the work a caller waits on (connecting a call, a webhook) would queue
    behind them (benchmarks/calls.py)."""
    size = get_settings().database_pool_size
    return ThreadPoolExecutor(size, thread_name_prefix="call-records")


class Writer:
    """Writes one call's records in the order they happened, off the event loop."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[Callable[[], Any] | None] = asyncio.Queue()
        self.task = asyncio.create_task(self._run())

    def put(self, job: Callable[[], Any]) -> None:
        self.queue.put_nowait(job)

    async def _run(self) -> None:
        while (job := await self.queue.get()) is not None:
            try:
                loop = asyncio.get_running_loop()
                result = await loop.run_in_executor(records_executor(), job)
                if asyncio.iscoroutine(result):
                    await result
            except Exception:
                log.exception("call_record_failed")
            finally:
                self.queue.task_done()

    async def flush(self) -> None:
        """Wait until everything put so far is written."""
        await self.queue.join()

    async def close(self) -> None:
        self.queue.put_nowait(None)
        await self.task


class RelayCall:
    def __init__(self, socket: WebSocket, ticket: calls.Ticket, dialogue: Dialogue) -> None:
        self.socket = socket
        self.ticket = ticket
        self.dialogue = dialogue
        self.writer = Writer()
        self.reply: asyncio.Task[None] | None = None
        self.spoken: list[str] = []
        self.ended = False
        self.malformed = 0

    # --- out ----------------------------------------------------------------------------------

    async def send(self, message: dict[str, Any]) -> None:
        if self.socket.application_state == WebSocketState.CONNECTED:
            await self.socket.send_text(json.dumps(message))

    async def speak(self, events: AsyncIterator[Event]) -> None:
        self.spoken = []
        async for event in events:
            await self.act(event)

    async def act(self, event: Event) -> None:
        ticket = self.ticket
        if isinstance(event, Speech):
            self.spoken.append(event.text)
            await self.send({"type": "text", "token": event.text, "last": False})
        elif isinstance(event, AgentTurn):
            await self.send({"type": "text", "token": "", "last": True})
            self.spoken = []
            turn, latency, language = event.turn, event.latency_ms, self.dialogue.language
            self.writer.put(
                lambda: calls.record_turn(
                    ticket.tenant_id,
                    ticket.call_id,
                    "agent",
                    turn.text,
                    turn=turn,
                    language=language,
                    latency_ms=latency,
                )
            )
            if turn.usage is not None:
                used = turn.usage
                self.writer.put(lambda: calls.record_usage(ticket.tenant_id, used))
        elif isinstance(event, LanguageChange):
            await self.send(
                {
                    "type": "language",
                    "ttsLanguage": event.language,
                    "transcriptionLanguage": event.language,
                }
            )
            self.writer.put(
                lambda: calls.record_language(ticket.tenant_id, ticket.call_id, event.language)
            )
        elif isinstance(event, MessageTaken):
            self.writer.put(lambda: self._message(event))
        elif isinstance(event, CallEnd):
            self.ended = True
            language = self.dialogue.language
            self.writer.put(
                lambda: calls.record_end(ticket.tenant_id, ticket.call_id, event, language)
            )
            # Twilio asks the action URL what next as soon as it has `end`: the transfer
            # must be on record by then.
            await self.writer.flush()
            await self.send(
                {
                    "type": "end",
                    "handoffData": json.dumps({"reason": event.reason, **event.handoff}),
                }
            )

    def _message(self, taken: MessageTaken) -> Any:
        ticket = self.ticket
        message_id = calls.record_message(ticket.tenant_id, ticket.agent_id, ticket.call_id, taken)
        return messages.enqueue(message_id, ticket.tenant_id)

    # --- in -----------------------------------------------------------------------------------

    def start(self, events: AsyncIterator[Event]) -> None:
        self.stop()
        self.reply = asyncio.create_task(self.speak(events))

    def stop(self, heard: str | None = None) -> None:
        """Cut the agent off; what it had said so far is kept, marked interrupted."""
        if self.reply is None or self.reply.done():
            return
        self.reply.cancel()
        said = heard if heard is not None else "".join(self.spoken)
        self.spoken = []
        if said.strip():
            ticket, language = self.ticket, self.dialogue.language
            self.writer.put(
                lambda: calls.record_turn(
                    ticket.tenant_id,
                    ticket.call_id,
                    "agent",
                    said.strip(),
                    language=language,
                    interrupted=True,
                )
            )

    def busy(self) -> bool:
        return self.reply is not None and not self.reply.done()

    async def handle(self, raw: str) -> None:
        try:
            message = json.loads(raw)
            kind = message["type"]
        except (ValueError, KeyError, TypeError):
            self.malformed += 1
            log.warning("relay_malformed", call_sid=self.ticket.call_sid, raw=raw[:200])
            return
        self.malformed = 0
        ticket = self.ticket
        if kind == "prompt":
            if message.get("last") is False:
                return
            said = str(message.get("voicePrompt") or "")
            if said.strip():
                self.writer.put(
                    lambda: calls.record_turn(
                        ticket.tenant_id,
                        ticket.call_id,
                        "caller",
                        said,
                        language=message.get("lang"),
                    )
                )
            self.start(self.dialogue.hear(said, message.get("lang")))
        elif kind == "interrupt":
            self.stop(str(message.get("utteranceUntilInterrupt") or "") or None)
        elif kind == "dtmf":
            digit = str(message.get("digit") or "")[:1]
            if digit:
                self.start(self.dialogue.keypad(digit))
        elif kind == "setup":
            if message.get("callSid") not in (None, ticket.call_sid):
                log.warning(
                    "relay_wrong_call", expected=ticket.call_sid, got=message.get("callSid")
                )
                await self.socket.close(CLOSE_POLICY, "This session belongs to another call")
                self.ended = True
        elif kind == "error":
            log.warning(
                "relay_error", call_sid=ticket.call_sid, description=message.get("description")
            )
        else:
            log.info("relay_ignored", call_sid=ticket.call_sid, type=kind)

    async def run(self) -> None:
        silence = get_settings().call_silence_seconds
        last_heard = time.monotonic()
        try:
            while not self.ended:
                try:
                    raw = await asyncio.wait_for(self.socket.receive_text(), timeout=silence / 4)
                except TimeoutError:
                    if self.busy():
                        last_heard = time.monotonic()
                    elif time.monotonic() - last_heard >= silence:
                        last_heard = time.monotonic()
                        self.start(self.dialogue.silence())
                    continue
                last_heard = time.monotonic()
                await self.handle(raw)
                if self.malformed >= MAX_MALFORMED:
                    await self.socket.close(
                        CLOSE_MALFORMED, "Too many consecutive malformed messages"
                    )
                    break
            if self.reply is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await self.reply
        except WebSocketDisconnect:
            pass
        finally:
            if self.reply is not None and not self.reply.done():
                self.reply.cancel()
            await self.writer.close()
        if self.socket.application_state == WebSocketState.CONNECTED:
            with contextlib.suppress(RuntimeError, WebSocketDisconnect):
                await self.socket.close()


async def serve(socket: WebSocket, token: str) -> None:
    """One ConversationRelay session, from its token to its end."""
    ticket = await asyncio.to_thread(calls.redeem, token)
    if ticket is None:
        await socket.close(CLOSE_POLICY, "This relay link is not valid (used or unknown)")
        return
    await socket.accept()
    setup, _ = await asyncio.to_thread(calls.setup_for, ticket)
    engine = await asyncio.to_thread(calls.engine_for, ticket.tenant_id)
    dialogue = Dialogue(setup, engine)
    relay = RelayCall(socket, ticket, dialogue)
    # Twilio has already spoken the welcome greeting; the dialogue only needs to know it.
    greeting = dialogue.start_message() if ticket.take_message else dialogue.opening()
    relay.writer.put(
        lambda: calls.record_turn(
            ticket.tenant_id, ticket.call_id, "agent", greeting, language=dialogue.language
        )
    )
    await relay.run()
