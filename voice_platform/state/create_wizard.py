"""The one-URL creation wizard: the form (the website, a name, options) and the progress of
the creation it starts, kept live from the job's Redis channel.

The job's record is the truth: a Redis message only says "something happened", and the
page then reads what is new since the last event it showed (by event id). So a reload, a
lost message or a second tab all end up showing the same steps."""

from __future__ import annotations

import contextlib
import json
import re
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import redis.asyncio as aioredis
import reflex as rx
from pydantic import ValidationError
from redis.exceptions import RedisError
from reflex.event import EventSpec
from sqlmodel import Session

from voice_platform.components.agents import dotted_errors, parse_languages
from voice_platform.config import get_settings
from voice_platform.creation.pipeline import STEPS
from voice_platform.creation.progress import Event, channel
from voice_platform.db import tenant_session
from voice_platform.models import CreationOptions, CreationStart, JobStatus, StepStatus
from voice_platform.providers.errors import ProviderError
from voice_platform.providers.voice.base import VoiceQuery
from voice_platform.services import agents, creation, voices
from voice_platform.services.creation import FINISHED, Snapshot
from voice_platform.services.errors import InvalidInput, NotFound, ServiceError
from voice_platform.services.principal import Principal
from voice_platform.state.agent_scope import agent_scope
from voice_platform.state.auth import ADMIN_ROLES, AuthState, in_thread
from voice_platform.state.knowledge_form import TITLES
from voice_platform.state.tenant_scope import run_in_tenant
from voice_platform.state.voice_picker import data_url, speech_of

T = TypeVar("T")

VOICE_AUTO, VOICE_CATALOGUE, VOICE_DESIGN = "auto", "catalogue", "design"
AREA_CODE = re.compile(r"^[2-9]\d{2}$")
AREA_CODE_HINT = "Three digits, like 512 (or leave it empty)"
STEP_LABELS = {
    "crawl": "Read the website",
    "extract": "Sort out the facts",
    "persona": "Write the greeting",
    "voice": "Choose a voice",
    "number": "Get a phone number",
    "activate": "Start answering calls",
}
# Each step's share of the progress bar, roughly by how long it takes.
WEIGHTS = {"crawl": 40, "extract": 30, "persona": 10, "voice": 5, "number": 10, "activate": 5}
# A page that keeps watching after its visitor left stops after this (the job takes minutes).
WATCH_LIMIT_SECONDS = 30 * 60
# Without a message for this long the page reads the job anyway, in case one was lost.
POLL_SECONDS = 3.0


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def step_summary(name: str, result: dict[str, Any]) -> str:
    """What a finished step achieved, in a few words."""
    if name == "crawl":
        return plural(int(result.get("pages", 0)), "page") + " read"
    if name == "extract":
        return plural(int(result.get("facts", 0)), "fact") + " found"
    if name == "persona":
        return f"“{result.get('greeting', '')}”"
    if name == "voice":
        return str(result.get("voice", ""))
    if name == "number":
        return str(result.get("number", ""))
    return "Answering calls"


def step_rows(steps: dict[str, dict[str, Any]], latest: dict[str, str]) -> list[dict[str, str]]:
    """The steps as the page lists them; `latest` is each step's last progress message."""
    rows = []
    for name in STEPS:
        state = steps.get(name, {})
        status = str(state.get("status") or StepStatus.PENDING.value)
        if status == StepStatus.DONE.value:
            detail = step_summary(name, state.get("result") or {})
            if state.get("seconds") is not None:
                detail += f" · {float(state['seconds']):.1f} s"
        elif status == StepStatus.FAILED.value:
            detail = str(state.get("error") or "Failed")
            if int(state.get("attempts") or 0) > 1:
                detail += f" (tried {state['attempts']} times)"
        elif status == StepStatus.RUNNING.value:
            detail = latest.get(name) or "Working…"
        else:
            detail = ""
        rows.append({"name": name, "label": STEP_LABELS[name], "status": status, "detail": detail})
    return rows


def overall_percent(steps: dict[str, dict[str, Any]], percents: dict[str, int], status: str) -> int:
    if status == JobStatus.SUCCEEDED.value:
        return 100
    total = 0.0
    for name, weight in WEIGHTS.items():
        state = str(steps.get(name, {}).get("status", ""))
        if state == StepStatus.DONE.value:
            total += weight
        elif state == StepStatus.RUNNING.value:
            total += weight * min(100, percents.get(name, 0)) / 100
    return min(99, round(total))


def event_id(message: dict[str, Any] | None) -> int:
    """The id of the event a Redis message announces (0 when it names none)."""
    if not message or message.get("type") != "message":
        return 0
    try:
        return int(json.loads(message["data"]).get("id") or 0)
    except (ValueError, TypeError, AttributeError):
        return 0


async def wait_for_news(pubsub: Any, after: int) -> None:
    """Until an event newer than `after` is announced, or POLL_SECONDS have passed."""
    until = time.monotonic() + POLL_SECONDS
    while (left := until - time.monotonic()) > 0:
        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=left)
        if event_id(message) > after:
            return


@dataclass(frozen=True)
class Progress:
    snapshot: Snapshot
    agent_name: str
    greeting: str
    voice_id: str
    phone: str


def read_progress(
    principal: Principal, tenant_id: uuid.UUID, agent_id: uuid.UUID, after: int
) -> Progress:
    with tenant_session(tenant_id) as session:
        seen = creation.snapshot(session, principal=principal, agent_id=agent_id, after=after)
        agent = agents.get_agent(session, principal=principal, agent_id=agent_id)
        return Progress(
            seen,
            agent.name,
            agent.greeting,
            str(agent.voice.get("voice_id") or ""),
            agent.phone_number or "",
        )


def is_admin(principal: Principal) -> bool:
    return principal.role is not None and principal.role.value in ADMIN_ROLES


class CreateWizardState(rx.State):
    """Step 1: what to build the agent from."""

    loaded: bool = False
    no_tenant: bool = False
    can_create: bool = False
    url_ok: bool = False
    url_error: str = ""
    voice_mode: str = VOICE_AUTO
    voice_choices: list[list[str]] = []
    voice_id: str = ""
    audio: str = ""
    playing: bool = False
    errors: dict[str, str] = {}
    busy: bool = False

    async def _run(self, work: Callable[[Session, Principal, uuid.UUID], T]) -> T | None:
        return await run_in_tenant(self, work)

    @rx.event
    async def load(self) -> None:
        self.errors, self.url_error, self.url_ok = {}, "", False
        self.voice_mode, self.voice_id, self.audio = VOICE_AUTO, "", ""
        self.busy = self.playing = False
        principal = await (await self.get_state(AuthState)).principal()
        if principal is None:
            return
        self.no_tenant = principal.tenant_id is None
        self.can_create = principal.tenant_id is not None and is_admin(principal)
        if self.can_create:
            found = await self._run(
                lambda s, p, t: voices.list_voices(s, principal=p, tenant_id=t, query=VoiceQuery())
            )
            self.voice_choices = [
                [v.voice_id, f"{v.name} ({v.language})" if v.language else v.name]
                for v in found or []
            ]
            self.voice_id = self.voice_choices[0][0] if self.voice_choices else ""
        self.loaded = True

    # Checked once the owner pauses typing, not on every key.
    @rx.event(debounce=300)
    def check_url(self, text: str) -> None:
        """As the owner types: a web address or not (nothing is said about an empty field)."""
        self.errors.pop("url", None)
        self.url_ok, self.url_error = False, ""
        if not text.strip():
            return
        try:
            creation.checked_url(text)
        except InvalidInput as exc:
            self.url_error = exc.message
            return
        self.url_ok = True

    @rx.event
    def set_voice_mode(self, mode: str) -> None:
        self.voice_mode = mode
        self.audio = ""

    @rx.event
    def set_voice_id(self, voice_id: str) -> None:
        self.voice_id = voice_id
        self.audio = ""

    @rx.event
    async def play(self) -> AsyncIterator[None]:
        self.errors.pop("", None)
        self.playing, self.audio = True, ""
        yield
        voice_id = self.voice_id
        self.audio = (
            await self._run(
                lambda s, p, t: data_url(
                    voices.preview(
                        s,
                        principal=p,
                        tenant_id=t,
                        voice_id=voice_id,
                        text=voices.DEFAULT_PREVIEW,
                        settings=speech_of({}),
                    )
                )
            )
            or ""
        )
        self.playing = False

    def _request(self, form: dict[str, Any]) -> CreationStart | None:
        """The form as a creation request; None (and the fields' errors) when it is not one."""
        try:
            url = creation.checked_url(str(form.get("url", "")))
        except InvalidInput as exc:
            self.url_error, self.url_ok = exc.message, False
            return None
        area = str(form.get("area_code", "")).strip()
        # Checked here: the model's pattern is not enforced, and a wrong one fails the job late.
        if area and not AREA_CODE.match(area):
            self.errors = {"area_code": AREA_CODE_HINT}
            return None
        try:
            options = CreationOptions(
                area_code=area or None,
                voice_id=self.voice_id if self.voice_mode == VOICE_CATALOGUE else None,
                design_voice=self.voice_mode == VOICE_DESIGN,
                languages=parse_languages(str(form.get("languages", ""))) or ["en"],
            )
            return CreationStart(
                url=url, name=str(form.get("name", "")).strip() or None, options=options
            )
        except ValidationError as exc:
            found = dotted_errors(exc)
            if "area_code" in found:
                found["area_code"] = AREA_CODE_HINT
            if "name" in found:
                found["name"] = "Up to 120 characters"
            self.errors = found
            return None

    @rx.event
    async def submit(self, form: dict[str, Any]) -> AsyncIterator[EventSpec | None]:
        self.errors = {}
        data = self._request(form)
        if data is None:
            return
        self.busy = True
        yield None

        def start(s: Session, p: Principal, t: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID]:
            agent = creation.start(s, principal=p, tenant_id=t, data=data)
            return agent.id, t

        started = await self._run(start)
        if started is None:
            self.busy = False
            return
        agent_id, tenant_id = started
        try:
            await creation.enqueue(agent_id, tenant_id)
        except (OSError, RedisError):
            # The agent and its job are saved: its page offers to start it again.
            self.errors = {"": "The worker could not be reached; try again in a moment."}
            self.busy = False
            return
        self.busy = False
        yield rx.redirect(f"/agents/{agent_id}/creating")


class CreationProgressState(rx.State):
    """Step 2: the creation as it happens, then its review (or why it failed)."""

    loaded: bool = False
    missing: bool = False
    no_tenant: bool = False
    can_edit: bool = False
    agent_id: str = ""
    agent_name: str = ""
    site: str = ""
    status: str = ""
    error: str = ""
    steps: list[dict[str, str]] = []
    percent: int = 0
    message: str = ""
    current_page: str = ""
    last_event_id: int = 0
    review: dict[str, str] = {}
    gaps: list[str] = []
    audio: str = ""
    playing: bool = False
    action_error: str = ""
    busy: bool = False
    _watch_token: str = ""
    _step_messages: dict[str, str] = {}
    _step_percents: dict[str, int] = {}

    @rx.var
    def finished(self) -> bool:
        return self.status in FINISHED

    def _apply(self, seen: Progress) -> None:
        """Show what the job says now, and the events not shown yet (in order)."""
        job = seen.snapshot
        messages, percents = dict(self._step_messages), dict(self._step_percents)
        for event in job.events:
            self._apply_event(event, messages, percents)
        self._step_messages, self._step_percents = messages, percents
        self.agent_name, self.site = seen.agent_name, job.url
        self.status, self.error = job.status, job.error or ""
        self.steps = step_rows(job.steps, messages)
        self.percent = overall_percent(job.steps, percents, job.status)
        if job.status == JobStatus.SUCCEEDED.value:
            self.message = "Your receptionist is answering calls"
            self.current_page = ""
        elif job.status in FINISHED:
            self.message = self.error or "Creation was cancelled"
            self.current_page = ""
        elif not self.message:
            self.message = "Waiting for the worker…"
        results = {name: state.get("result") or {} for name, state in job.steps.items()}
        self.review = {
            "greeting": seen.greeting or str(results["persona"].get("greeting", "")),
            "voice": str(results["voice"].get("voice", "")),
            "voice_id": seen.voice_id or str(results["voice"].get("voice_id", "")),
            # The agent's own: a number bought by a run that failed was given back.
            "number": seen.phone,
            "facts": str(results["extract"].get("facts", 0)),
            "pages": str(results["crawl"].get("pages", 0)),
        }
        self.gaps = [TITLES.get(name, name) for name in results["extract"].get("gaps", [])]

    def _apply_event(
        self, event: Event, messages: dict[str, str], percents: dict[str, int]
    ) -> None:
        self.last_event_id = max(self.last_event_id, event.id or 0)
        if event.step in STEPS:
            messages[event.step], percents[event.step] = event.message, event.percent
        self.message = event.message
        self.current_page = str(event.data.get("current") or "") if event.step == "crawl" else ""

    async def _read(self, after: int) -> Progress | None:
        """What is new since event `after`; None when there is nothing to show (the flags say
        why)."""
        scope = await agent_scope(self)
        if scope is None:
            return None
        principal, tenant_id, agent_id = scope
        self.agent_id = str(agent_id)
        try:
            return await in_thread(lambda: read_progress(principal, tenant_id, agent_id, after))
        except NotFound:
            self.missing = True
        except ServiceError as exc:
            self.action_error = exc.message
        return None

    @rx.event
    async def load(self) -> EventSpec | None:
        self.loaded = self.missing = self.busy = self.playing = False
        self.action_error, self.audio, self.message, self.current_page = "", "", "", ""
        self.last_event_id, self._step_messages, self._step_percents = 0, {}, {}
        self._watch_token = ""
        seen = await self._read(0)
        if seen is None:
            return None
        self._apply(seen)
        self.loaded = True
        return self._start_watching()

    def _start_watching(self) -> EventSpec | None:
        if self.finished:
            return None
        self._watch_token = uuid.uuid4().hex
        return CreationProgressState.watch

    @rx.event
    def stop_watching(self) -> None:
        """The page is gone (another page, or the tab closed): its watcher ends."""
        self._watch_token = ""

    async def _catch_up(self, token: str) -> int | None:
        """Show what is new; the last event id, or None once there is nothing more to wait
        for (finished, or this watcher was replaced or stopped)."""
        async with self:
            if self._watch_token != token:
                return None
            scope = await agent_scope(self)
            after = self.last_event_id
        if scope is None:
            return None
        principal, tenant_id, agent_id = scope
        try:
            seen = await in_thread(lambda: read_progress(principal, tenant_id, agent_id, after))
        except ServiceError:
            return None
        async with self:
            if self._watch_token != token:
                return None
            self._apply(seen)
            if self.finished:
                self._watch_token = ""
                return None
            return self.last_event_id

    # A newer watcher (a reload, a retry) cancels the one before it.
    @rx.event(background=True, supersedes=True)
    async def watch(self) -> None:
        async with self:
            token, agent_id = self._watch_token, self.agent_id
        settings = get_settings()
        if not token or not settings.redis_url:
            return
        client = aioredis.from_url(settings.redis_url)
        pubsub = client.pubsub()
        deadline = time.monotonic() + WATCH_LIMIT_SECONDS
        try:
            await pubsub.subscribe(channel(uuid.UUID(agent_id)))
            # Subscribed first, then read: nothing that happened in between is missed.
            while (after := await self._catch_up(token)) is not None:
                if time.monotonic() > deadline:
                    break
                await wait_for_news(pubsub, after)
        finally:
            with contextlib.suppress(RedisError, OSError):
                await pubsub.aclose()
                await client.aclose()

    async def _act(self, work: Callable[[Session, Principal, uuid.UUID], T]) -> T | None:
        scope = await agent_scope(self)
        if scope is None:
            return None
        principal, tenant_id, agent_id = scope

        def call() -> T:
            with tenant_session(tenant_id) as session:
                return work(session, principal, agent_id)

        try:
            return await in_thread(call)
        except (ServiceError, ProviderError) as exc:
            self.action_error = exc.message
        return None

    async def _refresh(self) -> None:
        seen = await self._read(self.last_event_id)
        if seen is not None:
            self._apply(seen)

    @rx.event
    async def retry(self) -> AsyncIterator[EventSpec | None]:
        self.action_error = ""
        self.busy = True
        yield None
        run = await self._act(lambda s, p, a: creation.retry(s, principal=p, agent_id=a))
        if run is not None:
            scope = await agent_scope(self)
            if scope is not None:
                try:
                    await creation.enqueue(scope[2], scope[1], run=run)
                except (OSError, RedisError):
                    self.action_error = "The worker could not be reached; try again in a moment."
            self.audio, self.message = "", "Waiting for the worker…"
            await self._refresh()
        self.busy = False
        yield self._start_watching()

    @rx.event
    async def cancel(self) -> AsyncIterator[None]:
        self.action_error = ""
        self.busy = True
        yield
        await self._act(lambda s, p, a: creation.cancel(s, principal=p, agent_id=a))
        if not self.action_error:
            self.message = "Cancelling after the current step…"
        self.busy = False

    @rx.event
    async def play(self) -> AsyncIterator[None]:
        self.action_error = ""
        self.playing, self.audio = True, ""
        yield

        def speak(s: Session, p: Principal, a: uuid.UUID) -> str:
            agent = agents.get_agent(s, principal=p, agent_id=a)
            return data_url(
                voices.preview(
                    s,
                    principal=p,
                    tenant_id=agent.tenant_id,
                    voice_id=str(agent.voice.get("voice_id") or ""),
                    text=voices.preview_text(s, p, a),
                    settings=speech_of(agent.voice),
                )
            )

        self.audio = await self._act(speak) or ""
        self.playing = False
