"""Calls on the phone: routing an incoming call to its agent, the single-use relay token, and
the records a call leaves (the call, its turns, its transfer, its recording).

Routing a call by its number and redeeming a relay token cross tenants (the number or token is
all Twilio gives), so those two use the platform path, logged with their reason; everything
after runs in the call's tenant."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, func, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.sql.dml import ReturningInsert
from sqlmodel import Session, col, select

from voice_platform.config import Settings, get_settings
from voice_platform.conversation.dialogue import CallEnd, CallSetup, MessageTaken, opening_line
from voice_platform.conversation.language import bcp47
from voice_platform.conversation.retrieval import Retriever
from voice_platform.conversation.turns import Engine, Turn
from voice_platform.db import platform_session, tenant_session
from voice_platform.knowledge.schemas import KnowledgeBase
from voice_platform.models import (
    AfterHours,
    Agent,
    AgentStatus,
    Call,
    CallMessage,
    CallOutcome,
    CallTurn,
    KnowledgeRecord,
    PhoneNumber,
    ProviderCredential,
    Tenant,
)
from voice_platform.models.base import utcnow
from voice_platform.models.call import FINAL_STATUSES
from voice_platform.providers.llm import get_embedder
from voice_platform.providers.llm.base import Usage
from voice_platform.services.credentials import Provider, decrypt
from voice_platform.services.lru import Recent

DIAL_FAILED = {"no-answer", "busy", "failed", "canceled"}
INDEXES = 64
_indexes: Recent[tuple[uuid.UUID, int], Retriever] = Recent(INDEXES)
# Parsed knowledge bases by agent and version: validating a whole document is most of what
# answering Twilio's webhook would cost.
_documents: Recent[tuple[uuid.UUID, int], KnowledgeBase] = Recent(INDEXES)


def retriever_for(agent_id: uuid.UUID, version: int, kb: KnowledgeBase) -> Retriever:
    """One index per knowledge-base version, kept for the next calls and turns: embedding the
    chunks is the slow part of starting a call."""
    return _indexes.get((agent_id, version), lambda: Retriever(kb, get_embedder()))


# --- signatures -------------------------------------------------------------------------------


def sandbox_auth_token(settings: Settings | None = None) -> str:
    """What the sandbox phone network signs its webhooks with: a secret only this deployment
    knows, so that offline calls are checked exactly as Twilio's are."""
    key = (settings or get_settings()).secret_key.get_secret_value().encode()
    return hmac.new(key, b"sandbox twilio webhooks", hashlib.sha256).hexdigest()


# Auth tokens by their encrypted credentials: decrypting the business's Twilio credentials is
# the same work for every webhook of its numbers. Keyed by the ciphertext, so new credentials
# are read at once; nothing is kept for a number without its own account.
_auth_tokens: Recent[str, str] = Recent(256)


def signing_token(session: Session, number: PhoneNumber | None) -> str:
    """The secret Twilio signs this number's webhooks with: the business's own account's
    token, else the platform's, else (a sandbox number, or no Twilio at all) the sandbox's."""
    secret = None
    if number is not None and number.provider != "sandbox":
        secret = session.exec(
            _CREDENTIAL.where(ProviderCredential.tenant_id == number.tenant_id)
        ).first()
    return _signing_token(number, secret)


_CREDENTIAL = select(ProviderCredential.secret).where(
    ProviderCredential.provider == Provider.TWILIO.value
)


def _signing_token(number: PhoneNumber | None, secret: str | None) -> str:
    """signing_token, given the number's account's encrypted credentials (None: none)."""
    settings = get_settings()
    if number is not None and number.provider == "sandbox":
        return sandbox_auth_token(settings)
    if secret:
        own = _auth_tokens.get(secret, lambda: decrypt(secret).get("auth_token", ""))
        if own:
            return own
    platform = settings.twilio_auth_token.get_secret_value()
    return platform or sandbox_auth_token(settings)


# --- routing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Connect:
    """Connect the call to its agent over ConversationRelay."""

    call_id: uuid.UUID
    token: str
    greeting: str
    voice: str | None
    language: str
    languages: tuple[str, ...]


@dataclass(frozen=True)
class Forward:
    """Put the call straight through to a number (a number with no agent)."""

    to: str


@dataclass(frozen=True)
class Decline:
    """Nobody here takes this call: say so politely and hang up."""

    message: str


@dataclass(frozen=True)
class Unsigned:
    """The request is not signed with the token of the account that owns the number."""


Route = Connect | Forward | Decline

NOT_IN_SERVICE = "Sorry, this number is not in service. Goodbye."
UNAVAILABLE = (
    "Thank you for calling {business}. We can't take your call right now. Please call again "
    "later. Goodbye."
)


def number_row(to: str) -> tuple[PhoneNumber | None, str]:
    """The number dialled, and the token its webhooks are signed with."""
    with platform_session("route a call by the number dialled") as platform:
        row = platform.exec(select(PhoneNumber).where(PhoneNumber.number == to)).first()
        return row, signing_token(platform, row)


def call_row(call_sid: str) -> tuple[Call | None, str]:
    """The call Twilio calls back about, and the token its webhooks are signed with."""
    with platform_session("find a call from its provider callback") as platform:
        call = platform.exec(select(Call).where(Call.call_sid == call_sid)).first()
        number = None
        if call is not None:
            number = platform.exec(
                select(PhoneNumber).where(PhoneNumber.number == call.to_number)
            ).first()
        return call, signing_token(platform, number)


def _token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, _digest(token)


def voice_of(agent: Agent) -> str | None:
    """The agent's voice as ConversationRelay names it; None: Twilio's default voice."""
    from voice_platform.providers.voice.base import VoiceSettings

    voice = agent.voice or {}
    if not voice.get("voice_id"):
        return None
    settings = VoiceSettings(
        model=voice.get("model", "flash_v2_5"),
        stability=voice.get("stability", 0.5),
        similarity=voice.get("similarity", 0.75),
        speed=voice.get("speed", 1.0),
    )
    return settings.relay_voice(voice["voice_id"])


def knowledge(session: Session, agent_id: uuid.UUID) -> tuple[KnowledgeBase, int]:
    """The agent's knowledge base as it is now, and its version (parsed once a version)."""
    version = session.exec(
        select(KnowledgeRecord.version).where(KnowledgeRecord.agent_id == agent_id)
    ).first()
    return _knowledge_at(session, agent_id, version)


def _knowledge_at(
    session: Session, agent_id: uuid.UUID, version: int | None
) -> tuple[KnowledgeBase, int]:
    """The agent's knowledge base at `version` (None: it has none), parsed once a version."""
    if version is None:
        return KnowledgeBase(), 0

    def parse() -> KnowledgeBase:
        record = session.get(KnowledgeRecord, agent_id)
        return KnowledgeBase.model_validate(record.document if record else {})

    return _documents.get((agent_id, version), parse), version


# The tenant of each number dialled lately. An incoming call is then one transaction in that
# tenant (the number, its agent, knowledge version and account read in one query, the call
# written in one statement) instead of a lookup across tenants and a second transaction. It
# is only a hint: the number is read again under the tenant's row-level security, and a number
# that has moved or gone is looked up across tenants again.
_number_tenants: dict[str, uuid.UUID] = {}
NUMBER_TENANTS = 4096

# The number dialled, its agent, the agent's knowledge version and the account's encrypted
# Twilio credentials: one round trip. All of them belong to the number's tenant.
_NUMBER_SETUP = (
    select(PhoneNumber, Agent, KnowledgeRecord.version, ProviderCredential.secret)
    .outerjoin(Agent, col(Agent.id) == col(PhoneNumber.agent_id))
    .outerjoin(KnowledgeRecord, col(KnowledgeRecord.agent_id) == col(Agent.id))
    .outerjoin(
        ProviderCredential,
        (col(ProviderCredential.tenant_id) == col(PhoneNumber.tenant_id))
        & (col(ProviderCredential.provider) == Provider.TWILIO.value),
    )
)


CALLS: Table = Call.metadata.tables["calls"]


def incoming(to: str, form: Mapping[str, str], signed: Callable[[str], bool]) -> Route | Unsigned:
    """Twilio's incoming-call webhook: `signed(token)` checks the request against the token
    of the number's account before anything is recorded. An unknown number is not in
    service; else the call is recorded and routed (see `route`)."""
    tenant_id = _number_tenants.get(to)
    if tenant_id is not None:
        with tenant_session(tenant_id) as session:
            found = session.exec(_NUMBER_SETUP.where(PhoneNumber.number == to)).first()
            if found is not None:
                number, agent, version, secret = found
                if not signed(_signing_token(number, secret)):
                    return Unsigned()
                return _route(session, number, agent, version, form)
        _number_tenants.pop(to, None)
    dialled, token = number_row(to)
    if not signed(token):
        return Unsigned()
    if dialled is None:
        return Decline(NOT_IN_SERVICE)
    if len(_number_tenants) >= NUMBER_TENANTS:
        _number_tenants.clear()  # a bound, not an LRU: a miss only costs the slower path
    _number_tenants[to] = dialled.tenant_id
    return route(dialled, form)


def route(number: PhoneNumber, form: Mapping[str, str]) -> Route:
    """Record the incoming call and say where it goes."""
    with tenant_session(number.tenant_id) as session:
        agent = session.get(Agent, number.agent_id) if number.agent_id else None
        version = None
        if agent is not None:
            version = session.exec(
                select(KnowledgeRecord.version).where(KnowledgeRecord.agent_id == agent.id)
            ).first()
        return _route(session, number, agent, version, form)


def _route(
    session: Session,
    number: PhoneNumber,
    agent: Agent | None,
    version: int | None,
    form: Mapping[str, str],
) -> Route:
    if agent is None and number.forward_to:
        return Forward(number.forward_to)
    if agent is None or agent.status != AgentStatus.ACTIVE:
        _record_call(session, number, agent, form, None, CallOutcome.UNROUTED.value)
        tenant = session.get(Tenant, number.tenant_id)
        return Decline(UNAVAILABLE.format(business=tenant.name if tenant else "us"))
    token, digest = _token()
    call_id = _record_call(session, number, agent, form, digest, None)
    kb, _ = _knowledge_at(session, agent.id, version)
    languages = tuple(bcp47(code, agent.languages) for code in (agent.languages or ["en"]))
    greeting = opening_line(agent.greeting, agent.name, kb, take_messages=True, now=None)
    return Connect(call_id, token, greeting, voice_of(agent), languages[0], languages)


def _record_call(
    session: Session,
    number: PhoneNumber,
    agent: Agent | None,
    form: Mapping[str, str],
    token_digest: str | None,
    outcome: str | None,
) -> uuid.UUID:
    """The call's record, written in one statement (no ORM object to flush and load back);
    Twilio may ask twice about one call, which stays one record (and gets a new relay token,
    and the outcome `outcome` when there is one)."""
    values = {
        "id": uuid.uuid4(),
        "tenant_id": number.tenant_id,
        "agent_id": agent.id if agent else None,
        "call_sid": form.get("CallSid", ""),
        "from_number": form.get("From", "")[:40],
        "to_number": number.number,
        "status": (form.get("CallStatus") or "ringing")[:20],
        "relay_token_hash": token_digest,
        "outcome": outcome,
    }
    call_id: uuid.UUID = session.execute(_UPSERT_CALL, values).scalar_one()
    return call_id


def _call_upsert() -> ReturningInsert[tuple[uuid.UUID]]:
    """Built once: `excluded` copies every column of the table, which costs more than the
    rest of the webhook's Python when done per request. The columns not given (channel,
    language, started_at) take their defaults."""
    statement = insert(CALLS)
    return statement.on_conflict_do_update(
        index_elements=[CALLS.c.call_sid],
        set_={
            "relay_token_hash": statement.excluded.relay_token_hash,
            "outcome": func.coalesce(statement.excluded.outcome, CALLS.c.outcome),
        },
    ).returning(CALLS.c.id)


_UPSERT_CALL = _call_upsert()


def reconnect(call_id: uuid.UUID, tenant_id: uuid.UUID) -> tuple[str, Agent] | None:
    """A fresh relay token for a call going back to its agent (after a transfer nobody took)."""
    with tenant_session(tenant_id) as session:
        call = session.get(Call, call_id)
        agent = session.get(Agent, call.agent_id) if call and call.agent_id else None
        if call is None or agent is None:
            return None
        token, digest = _token()
        call.relay_token_hash = digest
        session.add(call)
        return token, agent


# --- the relay ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ticket:
    """What a redeemed relay token opens: one call of one tenant's agent."""

    call_id: uuid.UUID
    tenant_id: uuid.UUID
    agent_id: uuid.UUID
    call_sid: str
    caller_number: str
    # After a transfer nobody answered, the call comes back to take a message.
    take_message: bool


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def relay_signing_token(token: str) -> str | None:
    """The secret the relay's handshake must be signed with; None for an unknown token."""
    with platform_session("check a relay handshake") as platform:
        call = platform.exec(select(Call).where(Call.relay_token_hash == _digest(token))).first()
        if call is None:
            return None
        number = platform.exec(
            select(PhoneNumber).where(PhoneNumber.number == call.to_number)
        ).first()
        return signing_token(platform, number)


def redeem(token: str) -> Ticket | None:
    """The call a relay token was issued for; the token is spent, whatever happens next."""
    digest = _digest(token)
    with platform_session("redeem a relay token") as platform:
        row = platform.execute(
            text(
                "UPDATE calls SET relay_token_hash = NULL, status = 'in-progress', "
                "connected_at = coalesce(connected_at, now()) "
                "WHERE relay_token_hash = :digest AND agent_id IS NOT NULL "
                "RETURNING id, tenant_id, agent_id, call_sid, from_number, transfer_status"
            ),
            {"digest": digest},
        ).first()
    if row is None:
        return None
    return Ticket(row[0], row[1], row[2], row[3], row[4], row[5] in DIAL_FAILED)


def setup_for(ticket: Ticket) -> tuple[CallSetup, Agent]:
    """Everything the call's dialogue needs, read once when the relay connects."""
    caller = ticket.caller_number if ticket.caller_number.startswith("+") else ""
    return agent_setup(ticket.tenant_id, ticket.agent_id, caller_number=caller)


def agent_setup(
    tenant_id: uuid.UUID, agent_id: uuid.UUID, *, caller_number: str = ""
) -> tuple[CallSetup, Agent]:
    """What a conversation with this agent starts from: its knowledge, persona, languages,
    and where a person can be reached."""
    with tenant_session(tenant_id) as session:
        agent = session.get(Agent, agent_id)
        if agent is None:
            raise LookupError("No such agent")
        tenant = session.get(Tenant, tenant_id)
        number = session.exec(select(PhoneNumber).where(PhoneNumber.agent_id == agent.id)).first()
        kb, version = knowledge(session, agent.id)
    transfer_to = (
        agent.transfer_number
        or (number.forward_to if number else None)
        or (tenant.business_phone if tenant else None)
        or kb.categories.escalation.transfer_number
    )
    languages = tuple(agent.languages or ["en"])
    setup = CallSetup(
        kb=kb,
        retriever=retriever_for(agent.id, version, kb),
        business=agent.name,
        persona=agent.persona,
        greeting=agent.greeting,
        languages=languages,
        language=bcp47(languages[0], languages),
        transfer_to=transfer_to,
        transfer_after_hours=agent.after_hours == AfterHours.TRANSFER,
        take_messages=kb.categories.escalation.take_messages is not False,
        caller_number=caller_number,
    )
    return setup, agent


def facts_of(turn: Turn) -> list[dict[str, Any]]:
    return [
        {
            "category": chunk.category,
            "item_id": chunk.item_id,
            "text": chunk.text,
            "source_url": chunk.source_url,
        }
        for chunk in turn.facts
    ]


def record_turn(
    tenant_id: uuid.UUID,
    call_id: uuid.UUID,
    speaker: str,
    said: str,
    *,
    turn: Turn | None = None,
    language: str | None = None,
    latency_ms: int | None = None,
    interrupted: bool = False,
) -> None:
    with tenant_session(tenant_id) as session:
        session.add(
            CallTurn(
                call_id=call_id,
                tenant_id=tenant_id,
                speaker=speaker,
                text=said,
                action=turn.action if turn else None,
                facts=facts_of(turn) if turn else [],
                language=language,
                latency_ms=latency_ms,
                interrupted=interrupted,
            )
        )


def record_message(
    tenant_id: uuid.UUID, agent_id: uuid.UUID | None, call_id: uuid.UUID | None, taken: MessageTaken
) -> uuid.UUID:
    with tenant_session(tenant_id) as session:
        message = CallMessage(
            tenant_id=tenant_id,
            agent_id=agent_id,
            call_id=call_id,
            caller_name=taken.caller_name,
            callback_number=taken.callback_number,
            body=taken.body,
        )
        session.add(message)
        if call_id is not None and (call := session.get(Call, call_id)) is not None:
            call.outcome = CallOutcome.MESSAGE.value
            session.add(call)
        session.flush()
        return message.id


def record_end(tenant_id: uuid.UUID, call_id: uuid.UUID, end: CallEnd, language: str) -> None:
    """What the agent decided when it let the call go."""
    with tenant_session(tenant_id) as session:
        call = session.get(Call, call_id)
        if call is None:
            return
        call.language = language
        if end.reason == "handoff":
            call.transfer_to = str(end.handoff.get("to", ""))[:20] or None
            call.transfer_reason = str(end.handoff.get("summary", ""))[:300] or None
            call.transfer_status = None
            call.outcome = CallOutcome.TRANSFERRED.value
        session.add(call)


def record_language(tenant_id: uuid.UUID, call_id: uuid.UUID, language: str) -> None:
    with tenant_session(tenant_id) as session:
        if (call := session.get(Call, call_id)) is not None:
            call.language = language
            session.add(call)


# --- Twilio's callbacks -------------------------------------------------------------------------


def pending_transfer(call: Call) -> str | None:
    """The number to dial when the relay has ended with a handoff not yet tried."""
    with tenant_session(call.tenant_id) as session:
        row = session.get(Call, call.id)
        if row is None or not row.transfer_to or row.transfer_status is not None:
            return None
        row.transfer_status = "dialing"
        session.add(row)
        return row.transfer_to


def dial_finished(call: Call, status: str) -> bool:
    """Record how the transfer went; True when nobody took it."""
    with tenant_session(call.tenant_id) as session:
        row = session.get(Call, call.id)
        if row is None:
            return False
        row.transfer_status = status[:20] or "failed"
        if row.transfer_status in DIAL_FAILED:
            row.outcome = None
        session.add(row)
        return row.transfer_status in DIAL_FAILED


def _seconds(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def status_changed(call: Call, form: Mapping[str, str]) -> bool:
    """Twilio's status callback: the call moved on (callbacks may come out of order). True
    when the call has just ended: it is then due its analysis (see services/analysis.py)."""
    status = (form.get("CallStatus") or "")[:20]
    with tenant_session(call.tenant_id) as session:
        row = session.get(Call, call.id)
        if row is None or not status:
            return False
        if row.status in FINAL_STATUSES and status not in FINAL_STATUSES:
            return False
        ended = status in FINAL_STATUSES and row.status not in FINAL_STATUSES
        row.status = status
        if status == "in-progress" and row.connected_at is None:
            row.connected_at = utcnow()
        if status in FINAL_STATUSES:
            row.ended_at = row.ended_at or utcnow()
            row.duration_seconds = _seconds(form.get("CallDuration")) or row.duration_seconds
            if form.get("RecordingSid"):
                row.recording_sid = form["RecordingSid"][:64]
                row.recording_url = (form.get("RecordingUrl") or "")[:2000] or None
                row.recording_seconds = _seconds(form.get("RecordingDuration"))
            row.relay_token_hash = None
            if row.outcome is None:
                row.outcome = _outcome(session, row)
        session.add(row)
        return ended


def _outcome(session: Session, call: Call) -> str:
    said = session.exec(
        select(CallTurn.id).where(CallTurn.call_id == call.id, CallTurn.speaker == "caller")
    ).first()
    return CallOutcome.ANSWERED.value if said is not None else CallOutcome.ABANDONED.value


def recording_changed(call: Call, form: Mapping[str, str]) -> None:
    with tenant_session(call.tenant_id) as session:
        row = session.get(Call, call.id)
        if row is None:
            return
        row.recording_sid = (form.get("RecordingSid") or row.recording_sid or "")[:64] or None
        row.recording_url = (form.get("RecordingUrl") or row.recording_url or "")[:2000] or None
        row.recording_seconds = _seconds(form.get("RecordingDuration")) or row.recording_seconds
        row.recording_status = (form.get("RecordingStatus") or "")[:20] or None
        session.add(row)


def engine_for(tenant_id: uuid.UUID) -> Engine:
    """The business's model when one is configured (its own account, else the platform's);
    otherwise the offline rules engine."""
    from voice_platform.conversation.model_engine import engine_for as engine_with
    from voice_platform.providers.llm.sandbox import LocalChat
    from voice_platform.services.providers import chat_for

    with tenant_session(tenant_id) as session:
        chat = chat_for(session, tenant_id)
    return engine_with(None if isinstance(chat, LocalChat) else chat)


def record_usage(tenant_id: uuid.UUID, usage: Usage) -> None:
    """What the business's model used on a call turn, at its account's prices."""
    from voice_platform.services import usage as usage_records
    from voice_platform.services.providers import chat_for

    with tenant_session(tenant_id) as session:
        chat = chat_for(session, tenant_id)
        usage_records.record(session, tenant_id=tenant_id, usage=usage, chat=chat, purpose="call")
