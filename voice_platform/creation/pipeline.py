"""The creation job: crawl → extract → persona, alongside voice and number, then activate.

Every step is recorded on the job (status, attempts, timings, counts, result, error) before
and after it runs, so a job picked up again (a retry, a restarted worker) skips what is done.
A step that fails for a passing reason (a provider busy or down) is tried again with
backoff; one that keeps failing fails the job: what was acquired (the number) is given back
and the agent shows the reason. Cancelling does the same, between steps."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import redis.asyncio as aioredis
from sqlmodel import Session, select

from voice_platform.config import Settings
from voice_platform.crawl.crawler import CrawlResult, Limits, Page, crawl
from voice_platform.crawl.crawler import Progress as CrawlProgress
from voice_platform.creation.persona import write_persona
from voice_platform.creation.progress import Reporter
from voice_platform.db import tenant_session
from voice_platform.extract.build import kb_from_crawl
from voice_platform.extract.merge import merge
from voice_platform.knowledge.schemas import CATEGORY_NAMES, KnowledgeBase
from voice_platform.models import (
    Agent,
    AgentStatus,
    AgentUpdate,
    CreationJob,
    JobStatus,
    PhoneNumber,
    Role,
    StepStatus,
    VoiceSettings,
)
from voice_platform.providers.errors import ProviderError, RateLimited, Unavailable
from voice_platform.providers.llm import Embedder
from voice_platform.providers.phone.base import NumberQuery
from voice_platform.providers.voice.base import VoiceQuery
from voice_platform.services import agents, crawled_pages, knowledge, numbers, providers, voices
from voice_platform.services.errors import ServiceError
from voice_platform.services.principal import Principal

STEPS = ("crawl", "extract", "persona", "voice", "number", "activate")
AFTER: dict[str, tuple[str, ...]] = {
    "crawl": (),
    "extract": ("crawl",),
    "persona": ("extract",),
    "voice": (),
    "number": (),
    "activate": ("persona", "voice", "number"),
}
ATTEMPTS, BACKOFF_SECONDS = 3, 1.0
PAGES_TTL_SECONDS = 24 * 3600
TRANSIENT = (Unavailable, RateLimited)


class Cancelled(Exception):
    pass


class StepFailed(Exception):
    def __init__(self, step: str, message: str) -> None:
        super().__init__(message)
        self.step, self.message = step, message


def now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class Run:
    agent_id: uuid.UUID
    tenant_id: uuid.UUID
    url: str
    options: dict[str, Any]
    principal: Principal
    settings: Settings
    embedder: Embedder
    report: Reporter
    backoff: float = BACKOFF_SECONDS
    results: dict[str, dict[str, Any]] = field(default_factory=dict)

    # --- the job's record ---

    def _job(self, session: Session) -> CreationJob:
        job = session.exec(
            select(CreationJob).where(CreationJob.agent_id == self.agent_id).with_for_update()
        ).one()
        return job

    async def update_step(self, step: str, **changes: Any) -> dict[str, Any]:
        def write() -> dict[str, Any]:
            with tenant_session(self.tenant_id) as session:
                job = self._job(session)
                steps = dict(job.steps)
                steps[step] = {**steps.get(step, {}), **changes}
                job.steps, job.updated_at = steps, datetime.now(UTC)
                session.add(job)
                return dict(steps[step])

        return await asyncio.to_thread(write)

    async def job_state(self) -> CreationJob:
        def read() -> CreationJob:
            with tenant_session(self.tenant_id) as session:
                return self._job(session)

        return await asyncio.to_thread(read)

    async def check_cancel(self) -> None:
        if (await self.job_state()).cancel_requested:
            raise Cancelled

    # --- running one step ---

    async def step(self, name: str, work: Callable[[], Awaitable[dict[str, Any]]]) -> None:
        state = (await self.job_state()).steps.get(name, {})
        if state.get("status") == StepStatus.DONE:
            self.results[name] = state.get("result", {})
            return
        await self.check_cancel()
        attempts = int(state.get("attempts", 0))
        while True:
            attempts += 1
            started = time.monotonic()
            await self.update_step(
                name, status=StepStatus.RUNNING, attempts=attempts, started_at=now(), error=None
            )
            try:
                result = await work()
            except TRANSIENT as exc:
                if attempts >= ATTEMPTS:
                    await self.fail_step(name, exc.message, started)
                    raise StepFailed(name, exc.message) from exc
                await self.update_step(name, error=exc.message)
                await self.report(name, 0, f"{exc.message} Trying again…")
                await asyncio.sleep(self.backoff * 2 ** (attempts - 1))
                continue
            except (ProviderError, ServiceError) as exc:
                await self.fail_step(name, exc.message, started)
                raise StepFailed(name, exc.message) from exc
            self.results[name] = result
            await self.update_step(
                name,
                status=StepStatus.DONE,
                finished_at=now(),
                seconds=round(time.monotonic() - started, 3),
                result=result,
            )
            return

    async def fail_step(self, name: str, message: str, started: float) -> None:
        await self.update_step(
            name,
            status=StepStatus.FAILED,
            finished_at=now(),
            seconds=round(time.monotonic() - started, 3),
            error=message,
        )

    def in_tenant(self, work: Callable[[Session], Any]) -> Awaitable[Any]:
        def call() -> Any:
            with tenant_session(self.tenant_id) as session:
                return work(session)

        return asyncio.to_thread(call)

    # --- the steps ---

    async def crawl(self) -> dict[str, Any]:
        async def progress_of(state: CrawlProgress) -> None:
            total = max(1, state.fetched + state.queued)
            await self.report(
                "crawl",
                min(95, round(100 * state.fetched / total)),
                f"Read {state.fetched} pages",
                pages=state.fetched,
                current=state.current or "",
            )

        pending: set[asyncio.Task[None]] = set()

        def on_progress(state: CrawlProgress) -> None:
            snapshot = CrawlProgress(**vars(state))
            task = asyncio.get_running_loop().create_task(progress_of(snapshot))
            pending.add(task)
            task.add_done_callback(pending.discard)

        result = await crawl(
            self.url,
            limits=Limits.from_settings(self.settings),
            allow_private=bool(self.options.get("allow_private_networks"))
            or self.settings.crawl_allow_private_networks,
            progress=on_progress,
        )
        await asyncio.gather(*pending)
        await self.keep_pages(result)
        # Their text outlives the job: answers to callers' questions are drafted from it.
        texts = await asyncio.to_thread(crawled_pages.texts_of, result)
        await self.in_tenant(
            lambda s: crawled_pages.replace(
                s,
                principal=self.principal,
                tenant_id=self.tenant_id,
                agent_id=self.agent_id,
                pages=texts,
            )
        )
        await self.report("crawl", 100, f"Read {len(result.pages)} pages", pages=len(result.pages))
        return {"pages": len(result.pages), "start_url": result.start_url}

    def _pages_key(self) -> str:
        return f"creation:{self.agent_id}:pages"

    async def keep_pages(self, result: CrawlResult) -> None:
        """The pages read, until the job is done: a resumed job extracts without re-reading."""
        if not self.settings.redis_url:
            return
        client = aioredis.from_url(self.settings.redis_url)
        try:
            payload = {
                "start_url": result.start_url,
                "pages": [vars(page) for page in result.pages],
            }
            await client.set(self._pages_key(), json.dumps(payload), ex=PAGES_TTL_SECONDS)
        finally:
            await client.aclose()

    async def kept_pages(self) -> CrawlResult | None:
        if not self.settings.redis_url:
            return None
        client = aioredis.from_url(self.settings.redis_url)
        try:
            raw = await client.get(self._pages_key())
        finally:
            await client.aclose()
        if raw is None:
            return None
        payload = json.loads(raw)
        pages = [Page(**page) for page in payload["pages"]]
        return CrawlResult(start_url=payload["start_url"], pages=pages)

    async def extract(self) -> dict[str, Any]:
        result = await self.kept_pages()
        if result is None:  # the pages expired: read the site again
            await self.crawl()
            result = await self.kept_pages()
        if result is None:
            raise StepFailed("extract", "The pages read could not be kept; try again")
        pending: set[asyncio.Task[None]] = set()

        def progress(stage: str, done: int, total: int) -> None:
            percent = min(95, round(100 * done / max(1, total)))
            task = asyncio.get_running_loop().create_task(
                self.report("extract", percent, f"{stage.capitalize()}: {done} of {total}")
            )
            pending.add(task)
            task.add_done_callback(pending.discard)

        def chat_or_none(session: Session) -> Any:
            chat = providers.chat_for(session, self.tenant_id, self.settings)
            return None if chat.name.startswith("local") else chat

        chat = await self.in_tenant(chat_or_none)
        built = await kb_from_crawl(result, self.embedder, chat=chat, progress=progress)
        await asyncio.gather(*pending)

        def store(session: Session) -> int:
            current = knowledge.load(session, principal=self.principal, agent_id=self.agent_id)
            kb = merge(current.kb, built.kb)
            kb.business_name = current.kb.business_name or built.kb.business_name
            knowledge.save(
                session,
                self.embedder,
                principal=self.principal,
                agent_id=self.agent_id,
                kb=kb,
                version=None,
                action="knowledge.crawl",
                owner_edit=False,
            )
            return sum(len(getattr(kb.categories, n).facts) for n in CATEGORY_NAMES)

        facts = await self.in_tenant(store)
        gaps = [n for n in CATEGORY_NAMES if category_empty(built.kb, n)]
        await self.report(
            "extract",
            100,
            f"Found {facts} facts",
            facts=facts,
            gaps=gaps,
            flags=len(built.kb.conflicts),
        )
        return {"facts": facts, "gaps": gaps, "archived": len(built.archived)}

    async def persona(self) -> dict[str, Any]:
        def write(session: Session) -> dict[str, str]:
            kb = knowledge.load(session, principal=self.principal, agent_id=self.agent_id).kb
            agent = session.get(Agent, self.agent_id)
            assert agent is not None
            written = write_persona(kb, agent.name)
            changes = AgentUpdate(greeting=written.greeting, persona=written.persona)
            if self.options.get("rename"):
                changes.name = written.name
            agents.update_agent(
                session, principal=self.principal, agent_id=self.agent_id, changes=changes
            )
            return {"greeting": written.greeting, "name": written.name}

        result = await self.in_tenant(write)
        await self.report("persona", 100, f'Greeting: "{result["greeting"]}"', **result)
        return result

    async def voice(self) -> dict[str, Any]:
        wanted = str(self.options.get("voice_id") or "")
        design = bool(self.options.get("design_voice"))
        language = (self.options.get("languages") or ["en"])[0]

        def choose(session: Session) -> dict[str, str]:
            provider = providers.voice_for(session, self.tenant_id, self.settings)
            if design:
                agent = session.get(Agent, self.agent_id)
                assert agent is not None
                made = voices.design(
                    session,
                    principal=self.principal,
                    tenant_id=self.tenant_id,
                    description=f"A warm, clear receptionist voice for {agent.name}, "
                    "easy to understand on the phone.",
                    text=voices.DEFAULT_PREVIEW,
                    provider=provider,
                )
                kept = voices.create_designed(
                    session,
                    principal=self.principal,
                    tenant_id=self.tenant_id,
                    generated_voice_id=made.previews[0].generated_voice_id,
                    name=f"{agent.name} receptionist"[:100],
                    description=made.description,
                    provider=provider,
                )
                chosen_id, chosen_name = kept.voice_id, kept.name
            elif wanted:
                named = {v.voice_id: v.name for v in provider.voices(VoiceQuery())}
                chosen_id, chosen_name = wanted, named.get(wanted, wanted)
            else:
                found = provider.voices(VoiceQuery(language=language)) or provider.voices(
                    VoiceQuery()
                )
                if not found:
                    raise StepFailed("voice", "No voice is available")
                chosen_id, chosen_name = found[0].voice_id, found[0].name
            agent = session.get(Agent, self.agent_id)
            assert agent is not None
            settings = VoiceSettings.model_validate({**agent.voice, "voice_id": chosen_id})
            agents.update_agent(
                session,
                principal=self.principal,
                agent_id=self.agent_id,
                changes=AgentUpdate(voice=settings),
            )
            return {"voice_id": chosen_id, "voice": chosen_name}

        result = await self.in_tenant(choose)
        await self.report("voice", 100, f"Voice: {result['voice']}", **result)
        return result

    async def number(self) -> dict[str, Any]:
        area = self.options.get("area_code") or None

        def existing(session: Session) -> dict[str, str] | None:
            row = session.exec(
                select(PhoneNumber).where(PhoneNumber.agent_id == self.agent_id)
            ).first()
            return {"number_id": str(row.id), "number": row.number} if row else None

        if found := await self.in_tenant(existing):
            return found
        state = (await self.job_state()).steps.get("number", {})

        def buy(session: Session) -> dict[str, str]:
            provider = providers.phone_for(session, self.tenant_id, self.settings)
            buying = state.get("buying")
            if buying:  # a purchase was under way when the job stopped: adopt it, never buy twice
                owned = {n.number: n for n in provider.numbers()}
                if buying in owned:
                    return adopt(session, provider.name, owned[buying])
            choices = numbers.search(
                session,
                principal=self.principal,
                tenant_id=self.tenant_id,
                query=NumberQuery(area_code=area, limit=20),
                provider=provider,
            )
            # The provider knows what it sells, not what the platform already records.
            taken = providers.taken_numbers([c.number for c in choices])
            free = [c for c in choices if c.number not in taken]
            if not free:
                raise StepFailed("number", f"No numbers are available in area code {area}")
            return {"choice": free[0].number}

        def adopt(session: Session, provider_name: str, owned: Any) -> dict[str, str]:
            row = PhoneNumber(
                tenant_id=self.tenant_id,
                provider=provider_name,
                provider_sid=owned.sid,
                number=owned.number,
                friendly_name=owned.friendly_name[:40],
                agent_id=self.agent_id,
            )
            session.add(row)
            agent = session.get(Agent, self.agent_id)
            assert agent is not None
            agent.phone_number = owned.number
            session.add(agent)
            session.flush()
            return {"number_id": str(row.id), "number": row.number}

        picked = await self.in_tenant(buy)
        if "number_id" in picked:
            await self.report("number", 100, f"Number: {picked['number']}", **picked)
            return picked
        await self.update_step("number", buying=picked["choice"])

        def purchase(session: Session) -> dict[str, str]:
            bought = numbers.buy(
                session,
                principal=self.principal,
                tenant_id=self.tenant_id,
                number=picked["choice"],
                agent_id=self.agent_id,
                provider=providers.phone_for(session, self.tenant_id, self.settings),
            )
            return {"number_id": str(bought.id), "number": bought.number}

        result = await self.in_tenant(purchase)
        await self.update_step("number", buying=None)
        await self.report("number", 100, f"Number: {result['number']}", **result)
        return result

    async def activate(self) -> dict[str, Any]:
        def go(session: Session) -> None:
            agent = session.get(Agent, self.agent_id)
            assert agent is not None
            agent.status = AgentStatus.PAUSED  # leave "creating" so activation is allowed
            session.add(agent)
            session.flush()
            agents.set_active(
                session, principal=self.principal, agent_id=self.agent_id, active=True
            )

        await self.in_tenant(go)
        await self.report("activate", 100, "Your receptionist is answering calls")
        return {}

    # --- failure ---

    async def roll_back(self) -> None:
        """Give back what this job acquired: the number it bought."""

        def release(session: Session) -> None:
            row = session.exec(
                select(PhoneNumber).where(PhoneNumber.agent_id == self.agent_id)
            ).first()
            if row is not None:
                numbers.release(
                    session,
                    principal=self.principal,
                    tenant_id=self.tenant_id,
                    number_id=row.id,
                    provider=providers.phone_for(session, self.tenant_id, self.settings),
                )

        try:
            await self.in_tenant(release)
        except (ProviderError, ServiceError) as exc:
            await self.report("number", 0, f"Could not release the number: {exc.message}")
            return
        state = (await self.job_state()).steps.get("number", {})
        if state.get("status") == StepStatus.DONE:  # a retry must buy a number again
            await self.update_step("number", status=StepStatus.PENDING, result={})

    async def finish(self, status: JobStatus, error: str | None = None) -> None:
        def write(session: Session) -> None:
            job = self._job(session)
            job.status, job.error, job.updated_at = status.value, error, datetime.now(UTC)
            session.add(job)
            agent = session.get(Agent, self.agent_id)
            if agent is not None and status is not JobStatus.SUCCEEDED:
                agent.status = AgentStatus.FAILED
                agent.status_reason = (error or "Creation was cancelled")[:500]
                session.add(agent)

        await self.in_tenant(write)


def category_empty(kb: KnowledgeBase, name: str) -> bool:
    data = getattr(kb.categories, name).model_dump(exclude_defaults=True)
    return not any(data.values())


async def run_job(
    agent_id: uuid.UUID,
    tenant_id: uuid.UUID,
    *,
    settings: Settings,
    embedder: Embedder,
    backoff: float = BACKOFF_SECONDS,
) -> JobStatus:
    """Run (or resume) the creation of one agent; its outcome is recorded on the job."""

    def load() -> CreationJob:
        with tenant_session(tenant_id) as session:
            job = session.get(CreationJob, agent_id)
            if job is None:
                raise LookupError(f"no creation job for agent {agent_id}")
            job.status = JobStatus.RUNNING.value
            session.add(job)
            return job

    job = await asyncio.to_thread(load)
    principal = Principal(tenant_id=tenant_id, role=Role.OWNER, user_id=job.started_by)
    report = Reporter(agent_id, tenant_id, settings.redis_url)
    run = Run(
        agent_id, tenant_id, job.url, job.options, principal, settings, embedder, report, backoff
    )
    try:
        await report("start", 0, f"Reading {job.url}")

        async def knowledge_chain() -> None:
            await run.step("crawl", run.crawl)
            await run.step("extract", run.extract)
            await run.step("persona", run.persona)

        outcomes = await asyncio.gather(
            knowledge_chain(),
            run.step("voice", run.voice),
            run.step("number", run.number),
            return_exceptions=True,
        )
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        await run.step("activate", run.activate)
    except Cancelled:
        await run.roll_back()
        await run.finish(JobStatus.CANCELLED, "Creation was cancelled")
        await report("done", 100, "Cancelled", status=JobStatus.CANCELLED.value)
        return JobStatus.CANCELLED
    except StepFailed as failed:
        await run.roll_back()
        reason = f"{failed.step.capitalize()} failed: {failed.message}"
        await run.finish(JobStatus.FAILED, reason)
        await report("done", 100, reason, status=JobStatus.FAILED.value, failed_step=failed.step)
        return JobStatus.FAILED
    else:
        await run.finish(JobStatus.SUCCEEDED)
        await report("done", 100, "Active", status=JobStatus.SUCCEEDED.value)
        return JobStatus.SUCCEEDED
    finally:
        await report.close()
