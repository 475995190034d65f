"""Agents and their knowledge bases. An agent of another tenant answers 404."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request, Response, status
from pydantic import BaseModel, Field

from voice_platform.api.deps import PrincipalDep
from voice_platform.db import tenant_session
from voice_platform.knowledge.schemas import CATEGORY_NAMES
from voice_platform.models import AgentCreate, AgentPublic, AgentUpdate
from voice_platform.providers.llm import Embedder, get_embedder
from voice_platform.services import agents, knowledge
from voice_platform.services.errors import InvalidInput
from voice_platform.services.principal import require_tenant

router = APIRouter(prefix="/agents", tags=["agents"])
EmbedderDep = Annotated[Embedder, Depends(get_embedder)]

READ = "**Auth:** any member of the agent's business, or its API keys."
WRITE = "**Auth:** the business's owners and admins, or a full API key."
CategoryName = enum.StrEnum("CategoryName", {name: name for name in CATEGORY_NAMES})  # type: ignore[misc]


class KnowledgeOut(BaseModel):
    version: int
    updated_at: datetime
    document: dict[str, Any]


class KnowledgeIn(BaseModel):
    version: int = Field(description="The version you read; a stale one answers 409.")
    document: dict[str, Any]


class CategoryOut(BaseModel):
    version: int
    category: str
    data: dict[str, Any]


class CategoryIn(BaseModel):
    version: int = Field(description="The version you read; a stale one answers 409.")
    data: dict[str, Any]


class HitOut(BaseModel):
    category: str
    item_id: str
    text: str
    source_url: str | None
    score: float
    similarity: float


def out(snapshot: knowledge.Snapshot) -> KnowledgeOut:
    return KnowledgeOut(
        version=snapshot.version,
        updated_at=snapshot.updated_at,
        document=snapshot.kb.model_dump(mode="json"),
    )


def public(agent: Any) -> AgentPublic:
    return AgentPublic.model_validate(agent, from_attributes=True)


@router.get("", response_model=list[AgentPublic], summary="The business's agents", description=READ)
def list_agents(principal: PrincipalDep, q: str = "") -> list[AgentPublic]:
    tenant_id = require_tenant(principal)
    with tenant_session(tenant_id) as s:
        return [
            public(a)
            for a in agents.list_agents(s, principal=principal, tenant_id=tenant_id, search=q)
        ]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=AgentPublic,
    summary="Create an agent by hand (with an empty knowledge base)",
    description=WRITE,
)
def create_agent(data: AgentCreate, principal: PrincipalDep) -> AgentPublic:
    tenant_id = require_tenant(principal)
    with tenant_session(tenant_id) as s:
        return public(agents.create_agent(s, principal=principal, tenant_id=tenant_id, data=data))


@router.get("/{agent_id}", response_model=AgentPublic, summary="An agent", description=READ)
def get_agent(agent_id: uuid.UUID, principal: PrincipalDep) -> AgentPublic:
    with tenant_session(require_tenant(principal)) as s:
        return public(agents.get_agent(s, principal=principal, agent_id=agent_id))


@router.put("/{agent_id}", response_model=AgentPublic, summary="Change an agent", description=WRITE)
def update_agent(agent_id: uuid.UUID, changes: AgentUpdate, principal: PrincipalDep) -> AgentPublic:
    with tenant_session(require_tenant(principal)) as s:
        return public(
            agents.update_agent(s, principal=principal, agent_id=agent_id, changes=changes)
        )


@router.delete(
    "/{agent_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete an agent and its knowledge",
    description=WRITE,
)
def delete_agent(agent_id: uuid.UUID, principal: PrincipalDep) -> Response:
    with tenant_session(require_tenant(principal)) as s:
        agents.delete_agent(s, principal=principal, agent_id=agent_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{agent_id}/activate",
    response_model=AgentPublic,
    summary="Start answering calls",
    description=WRITE,
)
def activate(agent_id: uuid.UUID, principal: PrincipalDep) -> AgentPublic:
    with tenant_session(require_tenant(principal)) as s:
        return public(agents.set_active(s, principal=principal, agent_id=agent_id, active=True))


@router.post(
    "/{agent_id}/deactivate",
    response_model=AgentPublic,
    summary="Stop answering calls",
    description=WRITE,
)
def deactivate(agent_id: uuid.UUID, principal: PrincipalDep) -> AgentPublic:
    with tenant_session(require_tenant(principal)) as s:
        return public(agents.set_active(s, principal=principal, agent_id=agent_id, active=False))


@router.get(
    "/{agent_id}/knowledge",
    response_model=KnowledgeOut,
    summary="The whole knowledge base",
    description=READ,
)
def get_knowledge(agent_id: uuid.UUID, principal: PrincipalDep) -> KnowledgeOut:
    with tenant_session(require_tenant(principal)) as s:
        return out(knowledge.load(s, principal=principal, agent_id=agent_id))


@router.put(
    "/{agent_id}/knowledge",
    response_model=KnowledgeOut,
    summary="Replace the whole knowledge base",
    description=WRITE + " 409 when `version` is stale; nothing is overwritten.",
)
def put_knowledge(
    agent_id: uuid.UUID, body: KnowledgeIn, principal: PrincipalDep, embedder: EmbedderDep
) -> KnowledgeOut:
    from voice_platform.knowledge.document import parse_document

    kb = parse_document(body.document)
    with tenant_session(require_tenant(principal)) as s:
        return out(
            knowledge.save(
                s, embedder, principal=principal, agent_id=agent_id, kb=kb, version=body.version
            )
        )


@router.get(
    "/{agent_id}/knowledge/search",
    response_model=list[HitOut],
    summary="What the agent would retrieve for a question",
    description=READ,
)
def search_knowledge(
    agent_id: uuid.UUID,
    principal: PrincipalDep,
    embedder: EmbedderDep,
    q: Annotated[str, Query(max_length=1000)] = "",
    k: Annotated[int, Query(ge=1, le=knowledge.MAX_RESULTS)] = 5,
) -> list[HitOut]:
    with tenant_session(require_tenant(principal)) as s:
        hits = knowledge.search(s, embedder, principal=principal, agent_id=agent_id, query=q, k=k)
    return [HitOut(**vars(hit)) for hit in hits]


@router.get(
    "/{agent_id}/knowledge/export",
    summary="Export the knowledge base (voice-platform.kb/1 JSON)",
    description=READ,
    response_class=Response,
    responses={200: {"content": {"application/json": {}}}},
)
def export_knowledge(agent_id: uuid.UUID, principal: PrincipalDep) -> Response:
    with tenant_session(require_tenant(principal)) as s:
        body = knowledge.export_json(s, principal=principal, agent_id=agent_id)
    return Response(
        body,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="knowledge-{agent_id}.json"'},
    )


@router.post(
    "/{agent_id}/knowledge/import",
    response_model=KnowledgeOut,
    summary="Replace the knowledge base with an exported document",
    description=WRITE + " Everything is validated first; on any problem nothing changes.",
)
def import_knowledge(
    agent_id: uuid.UUID,
    principal: PrincipalDep,
    embedder: EmbedderDep,
    document: Annotated[dict[str, Any], Body()],
    version: int | None = None,
) -> KnowledgeOut:
    with tenant_session(require_tenant(principal)) as s:
        return out(
            knowledge.import_document(
                s, embedder, principal=principal, agent_id=agent_id, data=document, version=version
            )
        )


@router.get(
    "/{agent_id}/knowledge/faqs.csv",
    summary="Export the FAQs as CSV (question, answer, source_url)",
    description=READ,
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
def export_faqs(agent_id: uuid.UUID, principal: PrincipalDep) -> Response:
    with tenant_session(require_tenant(principal)) as s:
        body = knowledge.export_faqs_csv(s, principal=principal, agent_id=agent_id)
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="faqs-{agent_id}.csv"'},
    )


@router.post(
    "/{agent_id}/knowledge/faqs.csv",
    response_model=KnowledgeOut,
    summary="Import FAQs from CSV (added, or replacing all with `replace=true`)",
    description=WRITE + " Send the CSV as the request body (text/csv).",
    openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def import_faqs(
    agent_id: uuid.UUID,
    request: Request,
    principal: PrincipalDep,
    embedder: EmbedderDep,
    replace: bool = False,
    version: int | None = None,
) -> KnowledgeOut:
    raw = await request.body()
    try:
        csv_text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("The CSV must be UTF-8 text", field="faqs") from None
    from starlette.concurrency import run_in_threadpool

    def run() -> KnowledgeOut:
        with tenant_session(require_tenant(principal)) as s:
            return out(
                knowledge.import_faqs(
                    s,
                    embedder,
                    principal=principal,
                    agent_id=agent_id,
                    csv_text=csv_text,
                    replace=replace,
                    version=version,
                )
            )

    return await run_in_threadpool(run)


@router.get(
    "/{agent_id}/knowledge/{category}",
    response_model=CategoryOut,
    summary="One category of the knowledge base",
    description=READ,
)
def get_category(
    agent_id: uuid.UUID, category: CategoryName, principal: PrincipalDep
) -> CategoryOut:
    with tenant_session(require_tenant(principal)) as s:
        snap = knowledge.load(s, principal=principal, agent_id=agent_id)
    name = str(category.value)
    data = getattr(snap.kb.categories, name).model_dump(mode="json")
    return CategoryOut(version=snap.version, category=name, data=data)


@router.put(
    "/{agent_id}/knowledge/{category}",
    response_model=CategoryOut,
    summary="Replace one category",
    description=WRITE + " 409 when `version` is stale.",
)
def put_category(
    agent_id: uuid.UUID,
    category: CategoryName,
    body: CategoryIn,
    principal: PrincipalDep,
    embedder: EmbedderDep,
) -> CategoryOut:
    name = str(category.value)
    with tenant_session(require_tenant(principal)) as s:
        snap = knowledge.save_category(
            s,
            embedder,
            principal=principal,
            agent_id=agent_id,
            name=name,
            data=body.data,
            version=body.version,
        )
    return CategoryOut(
        version=snap.version,
        category=name,
        data=getattr(snap.kb.categories, name).model_dump(mode="json"),
    )
