"""An agent's knowledge base: read, save (optimistically, by version), import, export, search.

Every save re-indexes the KB for retrieval in the same transaction, so what the agent can
find is always what the KB says."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pgvector.sqlalchemy import Vector
from pydantic import BaseModel
from sqlalchemy import bindparam, delete, text
from sqlmodel import Session, select

from voice_platform.knowledge import document
from voice_platform.knowledge.chunks import chunks_of
from voice_platform.knowledge.schemas import FAQ, Item, KnowledgeBase, Method
from voice_platform.models import Agent, KnowledgeChunk, KnowledgeRecord, Role
from voice_platform.models.agent import EMBEDDING_DIMENSIONS
from voice_platform.providers.llm import Embedder
from voice_platform.services import audit
from voice_platform.services.agents import get_agent
from voice_platform.services.errors import Conflict, InvalidInput, NotFound
from voice_platform.services.principal import Principal, authorize

MAX_RESULTS = 20
RRF_K = 60  # reciprocal-rank fusion constant: how much the top ranks dominate


@dataclass(frozen=True)
class Snapshot:
    kb: KnowledgeBase
    version: int
    updated_at: datetime


@dataclass(frozen=True)
class Hit:
    category: str
    item_id: str
    text: str
    source_url: str | None
    score: float
    similarity: float


def _record(session: Session, agent: Agent) -> KnowledgeRecord:
    record = session.get(KnowledgeRecord, agent.id)
    if record is None:
        raise NotFound("This agent has no knowledge base")
    return record


def load(session: Session, *, principal: Principal, agent_id: uuid.UUID) -> Snapshot:
    agent = get_agent(session, principal=principal, agent_id=agent_id)
    record = _record(session, agent)
    return Snapshot(
        KnowledgeBase.model_validate(record.document), record.version, record.updated_at
    )


def _items(model: BaseModel) -> Iterator[Item]:
    """Every item (anything with an id and a provenance) inside a model, at any depth."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        values = value if isinstance(value, list) else [value]
        for child in values:
            if isinstance(child, Item):
                yield child
            if isinstance(child, BaseModel):
                yield from _items(child)


def _content(item: Item) -> dict[str, Any]:
    return item.model_dump(mode="json", exclude={"provenance"})


def mark_owner_edits(before: KnowledgeBase, after: KnowledgeBase) -> None:
    """Items the owner added or changed become owner facts: they win over later re-crawls."""
    old = {item.id: _content(item) for item in _items(before)}
    now = datetime.now(UTC)
    for item in _items(after):
        if old.get(item.id) != _content(item):
            item.provenance.method = Method.OWNER
            item.provenance.confidence = 1.0
            item.provenance.updated_at = now


def reindex(session: Session, embedder: Embedder, *, agent: Agent, kb: KnowledgeBase) -> int:
    """Rebuild the agent's retrieval chunks; embeddings of unchanged sentences are reused."""
    chunks = chunks_of(kb)
    known = {
        row.text: list(row.embedding)
        for row in session.exec(select(KnowledgeChunk).where(KnowledgeChunk.agent_id == agent.id))
    }
    missing = sorted({c.text for c in chunks} - set(known))
    known.update(zip(missing, embedder.embed(missing), strict=True))
    session.execute(delete(KnowledgeChunk).where(KnowledgeChunk.agent_id == agent.id))  # type: ignore[arg-type]
    session.add_all(
        KnowledgeChunk(
            tenant_id=agent.tenant_id,
            agent_id=agent.id,
            category=c.category,
            item_id=c.item_id[:60],
            text=c.text,
            source_url=c.source_url,
            embedding=known[c.text],
        )
        for c in chunks
    )
    return len(chunks)


def save(
    session: Session,
    embedder: Embedder,
    *,
    principal: Principal,
    agent_id: uuid.UUID,
    kb: KnowledgeBase,
    version: int | None,
    action: str = "knowledge.update",
    owner_edit: bool = True,
) -> Snapshot:
    """Replace the KB. `version` must be the one read: a stale save is a Conflict, and
    nothing is overwritten. None skips the check (imports that replace on purpose)."""
    agent = get_agent(session, principal=principal, agent_id=agent_id)
    authorize(principal, agent.tenant_id, min_role=Role.ADMIN, write=True)
    record = session.exec(
        select(KnowledgeRecord).where(KnowledgeRecord.agent_id == agent.id).with_for_update()
    ).first()
    if record is None:
        raise NotFound("This agent has no knowledge base")
    if version is not None and version != record.version:
        raise Conflict(
            f"The knowledge base changed since you opened it (now version {record.version}, "
            f"yours {version}); reload to see the changes",
            field="version",
        )
    before = KnowledgeBase.model_validate(record.document)
    if owner_edit:
        mark_owner_edits(before, kb)
    changed = [
        name
        for name in type(kb.categories).model_fields
        if getattr(before.categories, name) != getattr(kb.categories, name)
    ]
    record.document = kb.model_dump(mode="json")
    record.version += 1
    record.updated_by = principal.user_id
    record.updated_at = datetime.now(UTC)
    session.add(record)
    count = reindex(session, embedder, agent=agent, kb=kb)
    audit.record(
        session,
        tenant_id=agent.tenant_id,
        action=action,
        entity_type="knowledge",
        entity_id=agent.id,
        changes={
            "version": {"before": record.version - 1, "after": record.version},
            "categories": {"after": changed},
            "chunks": {"after": count},
        },
        principal=principal,
    )
    return Snapshot(kb, record.version, record.updated_at)


def save_category(
    session: Session,
    embedder: Embedder,
    *,
    principal: Principal,
    agent_id: uuid.UUID,
    name: str,
    data: Any,
    version: int | None,
) -> Snapshot:
    category = document.parse_category(name, data)
    current = load(session, principal=principal, agent_id=agent_id)
    kb = current.kb.model_copy(deep=True)
    setattr(kb.categories, name, category)
    return save(session, embedder, principal=principal, agent_id=agent_id, kb=kb, version=version)


def settle_conflict(
    session: Session,
    embedder: Embedder,
    *,
    principal: Principal,
    agent_id: uuid.UUID,
    conflict_id: str,
    version: int | None,
) -> Snapshot:
    """The owner has looked at a flagged disagreement (and edited what needed editing):
    the flag goes; the facts stay as they are."""
    current = load(session, principal=principal, agent_id=agent_id)
    kb = current.kb.model_copy(deep=True)
    kb.conflicts = [c for c in kb.conflicts if c.id != conflict_id]
    if len(kb.conflicts) == len(current.kb.conflicts):
        raise NotFound("This flag is already settled")
    return save(
        session,
        embedder,
        principal=principal,
        agent_id=agent_id,
        kb=kb,
        version=version,
        action="knowledge.conflict_settled",
        owner_edit=False,
    )


def import_document(
    session: Session,
    embedder: Embedder,
    *,
    principal: Principal,
    agent_id: uuid.UUID,
    data: Any,
    version: int | None = None,
) -> Snapshot:
    """Replace the KB with an exported document, provenance and all; all-or-nothing."""
    kb = document.parse_document(data)
    return save(
        session,
        embedder,
        principal=principal,
        agent_id=agent_id,
        kb=kb,
        version=version,
        action="knowledge.import",
        owner_edit=False,
    )


def import_faqs(
    session: Session,
    embedder: Embedder,
    *,
    principal: Principal,
    agent_id: uuid.UUID,
    csv_text: str,
    replace: bool = False,
    version: int | None = None,
) -> Snapshot:
    faqs = document.parse_faqs_csv(csv_text)
    if not faqs:
        raise InvalidInput("The CSV has no FAQ rows", field="faqs")
    current = load(session, principal=principal, agent_id=agent_id)
    kb = current.kb.model_copy(deep=True)
    kept: list[FAQ] = [] if replace else kb.categories.faqs.faqs
    kb.categories.faqs.faqs = kept + faqs
    return save(
        session,
        embedder,
        principal=principal,
        agent_id=agent_id,
        kb=kb,
        version=version,
        action="knowledge.import_faqs",
    )


SEARCH_SQL = text(
    """
    WITH by_meaning AS (
        SELECT id, row_number() OVER (ORDER BY embedding <=> :query_vector) AS rank
        FROM knowledge_chunks WHERE agent_id = :agent_id
        ORDER BY embedding <=> :query_vector LIMIT :pool
    ), by_words AS (
        SELECT id, row_number() OVER (ORDER BY ts_rank_cd(search, q) DESC) AS rank
        FROM knowledge_chunks,
             to_tsquery(
                 'english', replace(plainto_tsquery('english', :query_text)::text, '&', '|')
             ) q
        WHERE agent_id = :agent_id AND search @@ q
        ORDER BY ts_rank_cd(search, q) DESC LIMIT :pool
    )
    SELECT c.category, c.item_id, c.text, c.source_url,
           coalesce(1.0 / (:rrf + m.rank), 0) + coalesce(1.0 / (:rrf + w.rank), 0) AS score,
           1 - (c.embedding <=> :query_vector) AS similarity
    FROM knowledge_chunks c
    LEFT JOIN by_meaning m ON m.id = c.id
    LEFT JOIN by_words w ON w.id = c.id
    WHERE m.id IS NOT NULL OR w.id IS NOT NULL
    ORDER BY score DESC, similarity DESC
    LIMIT :k
    """
).bindparams(bindparam("query_vector", type_=Vector(EMBEDDING_DIMENSIONS)))


def search(
    session: Session,
    embedder: Embedder,
    *,
    principal: Principal,
    agent_id: uuid.UUID,
    query: str,
    k: int = 5,
) -> list[Hit]:
    """The facts most relevant to `query`: by meaning (pgvector) and by words (full text),
    fused by reciprocal rank. Runs under the tenant's RLS like everything else."""
    query = query.strip()
    if not query:
        raise InvalidInput("Ask a question to search for", field="q")
    if not 1 <= k <= MAX_RESULTS:
        raise InvalidInput(f"k must be between 1 and {MAX_RESULTS}", field="k")
    agent = get_agent(session, principal=principal, agent_id=agent_id)
    [vector] = embedder.embed([query[:1000]])
    rows = session.execute(
        SEARCH_SQL,
        {
            "query_vector": vector,
            "query_text": query[:1000],
            "agent_id": agent.id,
            "pool": max(20, k * 4),
            "rrf": RRF_K,
            "k": k,
        },
    ).all()
    return [
        Hit(
            row.category,
            row.item_id,
            row.text,
            row.source_url,
            float(row.score),
            float(row.similarity),
        )
        for row in rows
    ]


def export_json(session: Session, *, principal: Principal, agent_id: uuid.UUID) -> str:
    return document.export_json(load(session, principal=principal, agent_id=agent_id).kb)


def export_faqs_csv(session: Session, *, principal: Principal, agent_id: uuid.UUID) -> str:
    return document.export_faqs_csv(load(session, principal=principal, agent_id=agent_id).kb)
