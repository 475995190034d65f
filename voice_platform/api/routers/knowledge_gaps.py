"""Knowledge gaps: what callers asked that the receptionist could not answer, grouped by
meaning; a drafted answer from the business's own pages; approving it into the knowledge base
(and hearing the agent answer it), or dismissing the question."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from voice_platform.api.deps import PrincipalDep
from voice_platform.db import tenant_session
from voice_platform.providers.llm import Embedder, get_embedder
from voice_platform.services import knowledge_gaps
from voice_platform.services.call_log import CallFilters
from voice_platform.services.principal import require_tenant

router = APIRouter(prefix="/knowledge-gaps", tags=["analytics"])
EmbedderDep = Annotated[Embedder, Depends(get_embedder)]

READ = "**Auth:** any member of the business, or its API keys (staff: impersonate it first)."
WRITE = "**Auth:** the business's owners and admins (staff: impersonate it first)."
Question = Annotated[str, Field(max_length=knowledge_gaps.MAX_QUESTION * 2)]
Phrasings = Annotated[
    list[Annotated[str, Field(max_length=knowledge_gaps.MAX_QUESTION * 2)]],
    Field(default_factory=list, max_length=knowledge_gaps.MAX_PHRASINGS),
]


class GapGroupPublic(BaseModel):
    agent_id: uuid.UUID
    agent_name: str
    question: str = Field(description="The way the question was asked most.")
    phrasings: list[str] = Field(description="Every way it was asked, most asked first.")
    count: int = Field(description="How many times it was asked.")
    last_asked: datetime
    calls: list[uuid.UUID] = Field(description="Calls it was asked in, newest first (a few).")


class GapList(BaseModel):
    groups: list[GapGroupPublic]


class DraftIn(BaseModel):
    agent_id: uuid.UUID
    question: Question


class DraftPublic(BaseModel):
    question: str
    found: bool
    answer: str | None = Field(description="The drafted answer; null when nothing answers it.")
    source_url: str | None
    source_title: str
    score: float


class AnswerIn(BaseModel):
    agent_id: uuid.UUID
    question: Question = Field(description="The FAQ's question.")
    answer: Annotated[str, Field(max_length=knowledge_gaps.MAX_ANSWER * 2)]
    source_url: Annotated[str | None, Field(max_length=knowledge_gaps.MAX_URL * 2)] = None
    questions: Phrasings = Field(description="The other ways it was asked, settled with it.")


class ReaskedPublic(BaseModel):
    question: str
    answer: str
    action: str
    answered: bool
    facts: list[dict[str, str | None]]


class AnswerPublic(BaseModel):
    agent_id: uuid.UUID
    faq_id: str
    version: int = Field(description="The knowledge base's version after the change.")
    settled: list[str]
    reasked: ReaskedPublic


class DismissIn(BaseModel):
    agent_id: uuid.UUID
    question: Question
    questions: Phrasings


class DismissPublic(BaseModel):
    settled: list[str]


def gap_filters(
    agent_id: Annotated[str | None, Query(description="Only this agent's calls.")] = None,
    since: Annotated[
        str | None, Query(description="Calls from this date (2026-03-01) or instant, inclusive.")
    ] = None,
    until: Annotated[
        str | None, Query(description="Calls up to this date (inclusive) or instant (exclusive).")
    ] = None,
) -> CallFilters:
    return CallFilters.parse(agent_id=agent_id, since=since, until=until)


@router.get(
    "",
    response_model=GapList,
    summary="Open knowledge gaps: unanswered questions grouped by meaning, most asked first",
    description=READ + " Questions the knowledge base now answers, or that were answered or "
    "dismissed here, are left out. By default every analysed call counts.",
)
def list_gaps(
    principal: PrincipalDep,
    embedder: EmbedderDep,
    filters: Annotated[CallFilters, Depends(gap_filters)],
) -> GapList:
    tenant_id = require_tenant(principal)
    with tenant_session(tenant_id) as s:
        groups = knowledge_gaps.list_gaps(
            s, embedder, principal=principal, tenant_id=tenant_id, filters=filters
        )
    return GapList(groups=[GapGroupPublic(**vars(g)) for g in groups])


@router.post(
    "/draft",
    response_model=DraftPublic,
    summary="Draft an answer to a question from the business's pages and knowledge base",
    description=READ + " `found` is false when nothing on the site answers it: write one.",
)
def draft_answer(body: DraftIn, principal: PrincipalDep, embedder: EmbedderDep) -> DraftPublic:
    with tenant_session(require_tenant(principal)) as s:
        found = knowledge_gaps.draft(
            s, embedder, principal=principal, agent_id=body.agent_id, question=body.question
        )
    return DraftPublic(found=found.found, **vars(found))


@router.post(
    "/answer",
    response_model=AnswerPublic,
    summary="Approve an answer: it becomes an FAQ, and the agent is asked the question again",
    description=WRITE + " The FAQ is an owner's edit (a re-crawl keeps it), with its source; "
    "the knowledge base gets a new version. `reasked` is what the agent now says.",
)
async def approve_answer(
    body: AnswerIn, principal: PrincipalDep, embedder: EmbedderDep
) -> AnswerPublic:
    tenant_id = require_tenant(principal)

    def approve() -> knowledge_gaps.Approved:
        with tenant_session(tenant_id) as s:
            return knowledge_gaps.approve(
                s,
                embedder,
                principal=principal,
                agent_id=body.agent_id,
                question=body.question,
                answer=body.answer,
                source_url=body.source_url,
                questions=body.questions,
            )

    approved = await run_in_threadpool(approve)
    reasked = await knowledge_gaps.reask(tenant_id, approved.agent_id, approved.question)
    return AnswerPublic(
        agent_id=approved.agent_id,
        faq_id=approved.faq_id,
        version=approved.version,
        settled=approved.settled,
        reasked=ReaskedPublic(answered=reasked.answered, **vars(reasked)),
    )


@router.post(
    "/dismiss",
    response_model=DismissPublic,
    summary="Dismiss a question: questions like it are no longer listed",
    description=WRITE,
)
def dismiss(body: DismissIn, principal: PrincipalDep) -> DismissPublic:
    with tenant_session(require_tenant(principal)) as s:
        settled = knowledge_gaps.dismiss(
            s,
            principal=principal,
            agent_id=body.agent_id,
            question=body.question,
            questions=body.questions,
        )
    return DismissPublic(settled=settled)
