"""The unanswered-questions page's state: the open gaps, the one being answered (its draft,
the owner's words), and what the agent says when the approved question is put to it again."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import reflex as rx
from sqlmodel import Session

from voice_platform.providers.errors import ProviderError
from voice_platform.providers.llm import get_embedder
from voice_platform.services import agents, knowledge_gaps
from voice_platform.services.call_log import CallFilters
from voice_platform.services.principal import Principal
from voice_platform.state.auth import ADMIN_ROLES, AuthState, format_time
from voice_platform.state.tenant_scope import run_in_tenant, tenant_scope

ALL = "all"
REASKED = {
    "answer": "Answered",
    "unknown": "Still does not know",
    "message": "Takes a message",
    "handoff": "Transfers to a person",
}


def console_link(agent_id: str, question: str) -> str:
    """The test console, asking the question as soon as it opens."""
    return f"/agents/{agent_id}/console?ask={quote(question)}"


class KnowledgeGapsState(rx.State):
    loaded: bool = False
    no_tenant: bool = False
    can_edit: bool = False
    groups: list[dict[str, str]] = []
    agents: list[dict[str, str]] = []
    agent: str = ALL
    errors: dict[str, str] = {}
    notice: str = ""
    busy: bool = False
    # The group being answered (its key), and the draft its editor opens with.
    editing: str = ""
    drafting: bool = False
    draft: dict[str, str] = {}
    form_key: int = 0
    # The question approved, put to the agent again: question, answer, outcome, console link.
    reasked: dict[str, str] = {}
    # Every way each listed group was asked, settled with it when answered or dismissed.
    _phrasings: dict[str, list[str]] = {}

    def _group(self, key: str) -> dict[str, str] | None:
        return next((g for g in self.groups if g["key"] == key), None)

    async def _read(self) -> None:
        agent = None if self.agent == ALL else self.agent
        time_zone = (await self.get_state(AuthState)).tenant_time_zone

        def read(
            s: Session, p: Principal, t: uuid.UUID
        ) -> tuple[list[knowledge_gaps.GapGroup], list[dict[str, str]]]:
            mine = agents.list_agents(s, principal=p, tenant_id=t)
            gaps = knowledge_gaps.list_gaps(
                s,
                get_embedder(),
                principal=p,
                tenant_id=t,
                filters=CallFilters.parse(agent_id=agent),
            )
            return gaps, [{"id": str(a.id), "name": a.name} for a in mine]

        found = await run_in_tenant(self, read)
        if found is None:
            return
        gaps, self.agents = found
        self.groups = []
        self._phrasings = {}
        for n, gap in enumerate(gaps):
            key = f"{gap.agent_id}:{n}"
            self._phrasings[key] = gap.phrasings
            others = gap.phrasings[1:4]
            self.groups.append(
                {
                    "key": key,
                    "agent_id": str(gap.agent_id),
                    "agent": gap.agent_name,
                    "question": gap.question,
                    "count": "once" if gap.count == 1 else f"{gap.count} times",
                    "last": format_time(gap.last_asked, time_zone),
                    "others": "; ".join(f"“{o}”" for o in others),
                }
            )
        self.loaded = True

    @rx.event
    async def load(self) -> None:
        self.loaded = False
        self.errors = {}
        self.notice = ""
        self.editing = ""
        self.reasked = {}
        scope = await tenant_scope(self)
        self.no_tenant = scope is None
        if scope is None:
            return
        principal, _ = scope
        self.can_edit = (
            principal.role is not None
            and principal.role.value in ADMIN_ROLES
            and not principal.is_api_key
        )
        await self._read()

    @rx.event
    async def choose_agent(self, form: dict[str, Any]) -> AsyncIterator[None]:
        self.agent = str(form.get("agent") or ALL)
        self.errors = {}
        self.busy = True
        yield
        await self._read()
        self.busy = False

    @rx.event
    async def answer(self, key: str) -> AsyncIterator[None]:
        """Open the group's editor with a draft from the site's pages, or empty."""
        group = self._group(key)
        if group is None:
            return
        self.errors = {}
        self.notice = ""
        self.reasked = {}
        self.editing = key
        self.drafting = True
        self.draft = {}
        yield

        def draft(s: Session, p: Principal, t: uuid.UUID) -> knowledge_gaps.Draft:
            return knowledge_gaps.draft(
                s,
                get_embedder(),
                principal=p,
                agent_id=uuid.UUID(group["agent_id"]),
                question=group["question"],
            )

        found = await run_in_tenant(self, draft)
        self.draft = {
            "question": group["question"],
            "answer": (found.answer if found else None) or "",
            "source_url": (found.source_url if found else None) or "",
            "source_title": (found.source_title if found else "") or "",
            "found": "yes" if found and found.found else "",
        }
        self.form_key += 1
        self.drafting = False

    @rx.event
    def cancel(self) -> None:
        self.editing = ""
        self.draft = {}
        self.errors = {}

    @rx.event
    async def approve(self, form: dict[str, Any]) -> AsyncIterator[None]:
        """Save the answer into the agent's knowledge base, then ask the agent again."""
        group = self._group(self.editing)
        if group is None:
            return
        key = self.editing
        question = str(form.get("question", ""))
        self.errors = {}
        self.busy = True
        yield

        def approve(s: Session, p: Principal, t: uuid.UUID) -> knowledge_gaps.Approved:
            return knowledge_gaps.approve(
                s,
                get_embedder(),
                principal=p,
                agent_id=uuid.UUID(group["agent_id"]),
                question=question,
                answer=str(form.get("answer", "")),
                source_url=str(form.get("source_url", "")),
                questions=self._phrasings.get(key, []),
            )

        approved = await run_in_tenant(self, approve)
        if approved is None:
            self.busy = False
            return
        scope = await tenant_scope(self)
        if scope is not None:
            _, tenant_id = scope
            try:
                said = await knowledge_gaps.reask(tenant_id, approved.agent_id, approved.question)
            except ProviderError as exc:  # saved, but the agent could not be asked just now
                said = knowledge_gaps.Reasked(approved.question, exc.message, "unknown", [])
            self.reasked = {
                "question": said.question,
                "answer": said.answer,
                "outcome": REASKED.get(said.action, said.action),
                "answered": "yes" if said.answered else "",
                "agent": group["agent"],
                "console": console_link(group["agent_id"], said.question),
            }
        self.editing = ""
        self.draft = {}
        await self._read()
        self.busy = False

    @rx.event
    async def dismiss(self, key: str) -> AsyncIterator[None]:
        group = self._group(key)
        if group is None:
            return
        self.errors = {}
        self.reasked = {}
        self.busy = True
        yield

        def dismiss(s: Session, p: Principal, t: uuid.UUID) -> list[str]:
            return knowledge_gaps.dismiss(
                s,
                principal=p,
                agent_id=uuid.UUID(group["agent_id"]),
                question=group["question"],
                questions=self._phrasings.get(key, []),
            )

        if await run_in_tenant(self, dismiss) is not None:
            self.notice = f"Dismissed: “{group['question']}”."
            if self.editing == key:
                self.editing = ""
            await self._read()
        self.busy = False
