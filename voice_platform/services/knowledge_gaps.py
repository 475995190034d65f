"""Knowledge gaps: what callers asked that the receptionist could not answer, grouped by
meaning, and the loop that closes each gap.

- `list_gaps` collects the unanswered questions of analysed calls (services/analysis.py) and
  groups those that ask the same thing: by meaning (embeddings, average-link clustering against
  a similarity bar), or, when no embedding can be had, by their content words. A group the
  knowledge base now answers (the offline engine answers its question), or one the owner
  settled (answered, or dismissed as not the receptionist's business), is not listed.
- `draft` finds the passage of the site's pages (kept at creation, services/crawled_pages.py)
  or of the knowledge base that best answers the question, with its source, or says there is
  none, so the owner writes the answer.
- `approve` adds the answer as an FAQ (an owner edit, with its source) through
  services/knowledge.save, so the KB gets a new version, is re-indexed and the change audited;
  `reask` then puts the question to the agent as the test console would, to show it answered.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import pdist
from sqlmodel import Session, col, func, select

from voice_platform.conversation.dialogue import AgentTurn, Dialogue
from voice_platform.conversation.engine import answer as rules_answer
from voice_platform.conversation.engine import clip
from voice_platform.conversation.retrieval import Retriever, words_of
from voice_platform.knowledge.schemas import FAQ, KnowledgeBase, Method, Provenance
from voice_platform.models import (
    Agent,
    Call,
    GapResolution,
    GapStatus,
    Role,
)
from voice_platform.models.base import utcnow
from voice_platform.providers.llm import Embedder
from voice_platform.services import audit, call_log, calls, knowledge
from voice_platform.services.agents import get_agent
from voice_platform.services.call_log import CallFilters
from voice_platform.services.crawled_pages import pages_of
from voice_platform.services.errors import InvalidInput, NotFound
from voice_platform.services.page_passages import Source, best_source, page_sources, unit_vectors
from voice_platform.services.principal import Principal, authorize

# Two questions ask the same thing when their embeddings (all-MiniLM-L6-v2) are at least this
# close on average. Measured on callers' questions: paraphrases score 0.63 to 0.92 ("do you
# see kids?" / "do you treat children?" 0.63, "do you take Medicaid?" / "do you accept
# Medicaid insurance?" 0.87); different questions on one subject up to 0.59 ("do you do teeth
# whitening?" / "do you do dental implants?"). A missed paraphrase only makes two groups; a
# wrong merge would hide a question, so the bar sits above the highest different pair. On the
# 30 subjects of benchmarks/knowledge_gaps.py, asked two or three ways each: 37 groups, with
# making and repairing dentures merged and 9 subjects in two groups.
SAME_MEANING = 0.62
# A passage scoring this (its similarity to the question, plus page_passages.KEYWORD_WEIGHT
# times the share of the question's words it has) is offered as a draft answer; below it the
# owner writes one.
# Measured on the four test sites' pages and questions (benchmarks/drafts.py): of the 88
# questions the sites answer, 33 get a draft holding the answer key's facts and 11 another
# draft; 3 of the 20 questions they do not answer get a (wrong) draft. A lower bar drafts
# more of both: the owner reads every draft, but a wrong one wastes their time.
DRAFT_SCORE = 0.65
MAX_QUESTIONS = 2000  # most recent unanswered questions read for one list
MAX_GROUPS = 100
EXAMPLE_CALLS = 5
MAX_PHRASINGS = 50  # questions settled with one group
MAX_QUESTION = 300  # as analysis stores them
MAX_ANSWER = 2000  # an FAQ answer's limit
MAX_URL = 2000
DRAFT_WORDS = 80

# What a caller says before the question itself: it carries no meaning to group by.
LEAD_IN = re.compile(
    r"^(?:(?:hi|hello|hey|yes|yeah|yep|ok(?:ay)?|so|um+|uh+|er+|well|oh|good (?:morning|"
    r"afternoon|evening)|there|quick question|i was wondering|i wanted to (?:ask|know)"
    r"|can you tell me|could you tell me)\b[\s,.!?-]*)+",
    re.IGNORECASE,
)
PUNCTUATION = re.compile(r"[^\w\s']")
URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


# --- grouping --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Asked:
    """One unanswered question of one call."""

    question: str
    call_id: uuid.UUID
    asked_at: datetime


@dataclass(frozen=True)
class Settled:
    """A question the owner answered or dismissed, and when."""

    question: str
    status: str
    at: datetime


@dataclass
class QuestionGroup:
    """Questions that ask one thing: the way it was asked most, every way it was asked (that
    one first, then the most asked), and each time it was asked (newest first)."""

    question: str
    phrasings: list[str]
    asked: list[Asked]

    @property
    def count(self) -> int:
        return len(self.asked)

    @property
    def last_asked(self) -> datetime:
        return self.asked[0].asked_at

    @property
    def calls(self) -> list[uuid.UUID]:
        return list(dict.fromkeys(a.call_id for a in self.asked))[:EXAMPLE_CALLS]


def tidy(question: str) -> str:
    """The question as asked, on one line, without the greeting or filler before it."""
    said = " ".join(question.split())
    bare = LEAD_IN.sub("", said).strip()
    return bare[:1].upper() + bare[1:] if bare else said


def key_of(question: str) -> str:
    """The same words in the same order, whatever the case or punctuation."""
    return " ".join(PUNCTUATION.sub(" ", tidy(question).lower()).split())


def words_key(question: str) -> str:
    """The content words (stemmed), in any order: the grouping when meaning is unavailable."""
    return " ".join(sorted(set(words_of(tidy(question))))) or key_of(question)


def _still_open(asked: list[Asked], like: list[Settled]) -> list[Asked]:
    """What is left of a question's askings once the settled questions like it are counted: a
    dismissed one hides them all; an answered one, those asked before it was answered (asked
    since, the answer did not reach that caller)."""
    if any(done.status == GapStatus.DISMISSED for done in like):
        return []
    answered = max((done.at for done in like), default=None)
    return [a for a in asked if answered is None or a.asked_at > answered]


def _by_meaning(keys: list[str], vectors: np.ndarray, threshold: float) -> list[list[str]]:
    """Average-link agglomerative clustering: the closest groups merge first, and two groups
    merge only while their members' mean similarity is at least `threshold`. (A single greedy
    pass would let one wording bridge two subjects: "braces for adults" pulling "dental
    implants" in before "implants" had met its own paraphrases.)"""
    distances = np.clip(pdist(vectors.astype(np.float64), metric="cosine"), 0.0, 2.0)
    labels = fcluster(linkage(distances, method="average"), t=1 - threshold, criterion="distance")
    clusters: dict[int, list[str]] = {}
    for key, label in zip(keys, labels, strict=True):
        clusters.setdefault(int(label), []).append(key)
    return list(clusters.values())


def group_questions(
    asked: Sequence[Asked],
    embedder: Embedder | None,
    *,
    settled: Sequence[Settled] = (),
    threshold: float = SAME_MEANING,
) -> list[QuestionGroup]:
    """Group the questions that ask the same thing, leaving out the settled ones; the most
    asked groups first."""
    phrasings: dict[str, list[Asked]] = {}
    for item in sorted(asked, key=lambda a: a.asked_at, reverse=True):
        if item.question.strip():
            phrasings.setdefault(key_of(item.question), []).append(item)
    # The most asked first, then the latest; the shortest wording, then the alphabet, so the
    # same questions always make the same groups.
    keys = sorted(
        phrasings,
        key=lambda k: (-len(phrasings[k]), -phrasings[k][0].asked_at.timestamp(), len(k), k),
    )
    texts = [tidy(phrasings[k][0].question) for k in keys]
    vectors = unit_vectors(texts + [tidy(s.question) for s in settled], embedder)
    mine = vectors[: len(keys)] if vectors is not None else None
    close = None
    if vectors is not None and settled:
        close = vectors[: len(keys)] @ vectors[len(keys) :].T
    settled_keys = np.array([key_of(done.question) for done in settled], dtype=object)
    kept: dict[str, list[Asked]] = {}
    rows: dict[str, int] = {}
    for row, key in enumerate(keys):
        same = settled_keys == key
        if close is not None:
            same = same | (close[row] >= SAME_MEANING)
        left = _still_open(phrasings[key], [settled[int(n)] for n in np.flatnonzero(same)])
        if left:
            kept[key], rows[key] = left, row
    clusters: list[list[str]] = []
    if mine is None:
        by_words: dict[str, list[str]] = {}
        for key in kept:
            by_words.setdefault(words_key(key), []).append(key)
        clusters = list(by_words.values())
    elif len(kept) == 1:
        clusters = [list(kept)]
    elif kept:
        clusters = _by_meaning(list(kept), np.stack([mine[rows[key]] for key in kept]), threshold)
    groups = []
    for cluster in clusters:
        every = sorted(
            (a for key in cluster for a in kept[key]), key=lambda a: a.asked_at, reverse=True
        )
        # The wording asked most stands for the group; of equals, the shortest is the plainest.
        standing = min(cluster, key=lambda k: (-len(kept[k]), len(k), k))
        groups.append(
            QuestionGroup(
                question=tidy(kept[standing][0].question),
                phrasings=[
                    tidy(kept[key][0].question)
                    for key in [standing, *(k for k in cluster if k != standing)]
                ],
                asked=every,
            )
        )
    groups.sort(key=lambda g: (-g.count, -g.last_asked.timestamp(), g.question))
    return groups


# --- the gaps of a business ------------------------------------------------------------------


@dataclass(frozen=True)
class GapGroup:
    agent_id: uuid.UUID
    agent_name: str
    question: str
    phrasings: list[str]
    count: int
    last_asked: datetime
    calls: list[uuid.UUID]


def answers_now(question: str, kb: KnowledgeBase, retriever: Retriever) -> bool:
    """Whether the offline engine answers the question from the knowledge base as it is."""
    return rules_answer(question, kb, retriever).action == "answer"


def _asked_by_agent(
    session: Session,
    tenant_id: uuid.UUID,
    agent_id: uuid.UUID | None,
    start: datetime | None,
    end: datetime | None,
) -> dict[uuid.UUID, list[Asked]]:
    query = select(Call.agent_id, Call.id, Call.started_at, Call.unanswered).where(
        Call.tenant_id == tenant_id,
        col(Call.analyzed_at).is_not(None),
        col(Call.agent_id).is_not(None),
        func.jsonb_typeof(Call.unanswered) == "array",
    )
    if agent_id is not None:
        query = query.where(Call.agent_id == agent_id)
    if start is not None:
        query = query.where(col(Call.started_at) >= start)
    if end is not None:
        query = query.where(col(Call.started_at) < end)
    found: dict[uuid.UUID, list[Asked]] = {}
    total = 0
    for agent, call_id, started_at, unanswered in session.exec(
        query.order_by(col(Call.started_at).desc()).limit(MAX_QUESTIONS)
    ):
        for question in unanswered or []:
            if agent is None or total >= MAX_QUESTIONS:
                break
            if isinstance(question, str) and question.strip():
                found.setdefault(agent, []).append(Asked(question, call_id, started_at))
                total += 1
    return found


def _settled_by_agent(session: Session, tenant_id: uuid.UUID) -> dict[uuid.UUID, list[Settled]]:
    found: dict[uuid.UUID, list[Settled]] = {}
    rows = session.exec(select(GapResolution).where(GapResolution.tenant_id == tenant_id))
    for row in rows:
        found.setdefault(row.agent_id, []).append(Settled(row.question, row.status, row.created_at))
    return found


def list_gaps(
    session: Session,
    embedder: Embedder | None,
    *,
    principal: Principal,
    tenant_id: uuid.UUID,
    filters: CallFilters | None = None,
    limit: int = MAX_GROUPS,
) -> list[GapGroup]:
    """The business's open knowledge gaps, the most asked first: optionally one agent's, and
    of calls in a period (since/until, as the call log reads them; by default all)."""
    authorize(principal, tenant_id)
    filters = filters or CallFilters()
    start, end = call_log.bounds(filters, call_log.tenant_zone(session, tenant_id))
    names = {a.id: a.name for a in session.exec(select(Agent).where(Agent.tenant_id == tenant_id))}
    if filters.agent_id is not None and filters.agent_id not in names:
        raise NotFound("No such agent")
    asked = _asked_by_agent(session, tenant_id, filters.agent_id, start, end)
    settled = _settled_by_agent(session, tenant_id)
    gaps: list[GapGroup] = []
    for agent_id, questions in asked.items():
        groups = group_questions(questions, embedder, settled=settled.get(agent_id, ()))
        if not groups:
            continue
        kb, version = calls.knowledge(session, agent_id)
        retriever = calls.retriever_for(agent_id, version, kb)
        for group in groups:
            if answers_now(group.question, kb, retriever):
                continue
            gaps.append(
                GapGroup(
                    agent_id=agent_id,
                    agent_name=names.get(agent_id, ""),
                    question=group.question,
                    phrasings=group.phrasings,
                    count=group.count,
                    last_asked=group.last_asked,
                    calls=group.calls,
                )
            )
    gaps.sort(key=lambda g: (-g.count, -g.last_asked.timestamp(), g.agent_name, g.question))
    return gaps[:limit]


# --- drafting an answer ----------------------------------------------------------------------


@dataclass(frozen=True)
class Draft:
    question: str
    answer: str | None
    source_url: str | None
    source_title: str
    score: float

    @property
    def found(self) -> bool:
        return self.answer is not None


def _question(text: str) -> str:
    question = " ".join(str(text or "").split())
    if not question:
        raise InvalidInput("Write the question", field="question")
    if len(question) > MAX_QUESTION:
        raise InvalidInput(f"The question is at most {MAX_QUESTION} characters", field="question")
    return question


def draft(
    session: Session,
    embedder: Embedder | None,
    *,
    principal: Principal,
    agent_id: uuid.UUID,
    question: str,
) -> Draft:
    """An answer to the question from the agent's pages or knowledge base, with its source;
    or none (answer None), for the owner to write."""
    question = _question(question)
    pages = pages_of(session, principal=principal, agent_id=agent_id)
    indexed = page_sources(agent_id, pages, embedder)
    kb, version = calls.knowledge(session, agent_id)
    scored: list[tuple[Source, float]] = []
    if embedder is not None:
        for hit in calls.retriever_for(agent_id, version, kb).find_passages(question, k=3):
            chunk = hit.passage.chunk
            about = hit.passage.asks or hit.passage.heading
            scored.append((Source(hit.passage.text, about, chunk.source_url), hit.similarity))
    source, score = best_source(question, indexed, embedder, scored)
    if source is None or score < DRAFT_SCORE:
        return Draft(question, None, None, "", round(score, 3))
    return Draft(
        question, clip(source.text, DRAFT_WORDS), source.url, source.title, round(score, 3)
    )


# --- closing a gap ---------------------------------------------------------------------------


def _phrasings(question: str, questions: Iterable[str]) -> list[str]:
    """The question and the other ways it was asked, once each, as stored."""
    found: dict[str, str] = {}
    for text in [question, *questions][: MAX_PHRASINGS + 1]:
        said = " ".join(str(text or "").split())[:MAX_QUESTION]
        if said:
            found.setdefault(key_of(said), said)
    return list(found.values())


def _settle(
    session: Session,
    *,
    principal: Principal,
    agent: Agent,
    questions: list[str],
    status: GapStatus,
    faq_id: str | None = None,
) -> None:
    session.add_all(
        GapResolution(
            tenant_id=agent.tenant_id,
            agent_id=agent.id,
            question=question,
            status=status.value,
            faq_id=faq_id,
            created_by=principal.user_id,
        )
        for question in questions
    )
    audit.record(
        session,
        tenant_id=agent.tenant_id,
        action=f"knowledge_gap.{status.value}",
        entity_type="agent",
        entity_id=agent.id,
        changes={"questions": {"after": questions}, "faq_id": {"after": faq_id}},
        principal=principal,
    )


def _source_url(value: str | None) -> str | None:
    url = (value or "").strip()
    if not url:
        return None
    if len(url) > MAX_URL or not URL.match(url):
        raise InvalidInput(
            "The source is a web address starting with http:// or https://", field="source_url"
        )
    return url


@dataclass(frozen=True)
class Approved:
    agent_id: uuid.UUID
    question: str
    answer: str
    faq_id: str
    version: int
    settled: list[str]


def approve(
    session: Session,
    embedder: Embedder,
    *,
    principal: Principal,
    agent_id: uuid.UUID,
    question: str,
    answer: str,
    source_url: str | None = None,
    questions: Iterable[str] = (),
) -> Approved:
    """Add the answer to the agent's knowledge base as an FAQ (an owner's, so a re-crawl
    never overwrites it; an FAQ already asking this question gets the new answer), and
    record the question and its other phrasings `questions` as answered."""
    question = _question(question)
    said = " ".join(str(answer or "").split())
    if not said:
        raise InvalidInput("Write the answer the receptionist should give", field="answer")
    if len(said) > MAX_ANSWER:
        raise InvalidInput(f"The answer is at most {MAX_ANSWER} characters", field="answer")
    url = _source_url(source_url)
    current = knowledge.load(session, principal=principal, agent_id=agent_id)
    agent = get_agent(session, principal=principal, agent_id=agent_id)
    authorize(principal, agent.tenant_id, min_role=Role.ADMIN, write=True)
    kb = current.kb.model_copy(deep=True)
    faqs = kb.categories.faqs.faqs
    faq = next((f for f in faqs if key_of(f.question) == key_of(question)), None)
    provenance = Provenance(source_url=url, method=Method.OWNER, updated_at=utcnow())
    if faq is None:
        faq = FAQ(question=question, answer=said, provenance=provenance)
        faqs.append(faq)
    else:
        faq.answer, faq.provenance = said, provenance
    saved = knowledge.save(
        session,
        embedder,
        principal=principal,
        agent_id=agent_id,
        kb=kb,
        version=current.version,
        action="knowledge.gap_answered",
    )
    settled = _phrasings(question, questions)
    _settle(
        session,
        principal=principal,
        agent=agent,
        questions=settled,
        status=GapStatus.ANSWERED,
        faq_id=faq.id,
    )
    return Approved(agent.id, question, said, faq.id, saved.version, settled)


def dismiss(
    session: Session,
    *,
    principal: Principal,
    agent_id: uuid.UUID,
    question: str,
    questions: Iterable[str] = (),
) -> list[str]:
    """The question (and its other phrasings) is not for the receptionist to know: questions
    like it are no longer listed."""
    question = _question(question)
    agent = get_agent(session, principal=principal, agent_id=agent_id)
    authorize(principal, agent.tenant_id, min_role=Role.ADMIN, write=True)
    settled = _phrasings(question, questions)
    _settle(
        session, principal=principal, agent=agent, questions=settled, status=GapStatus.DISMISSED
    )
    return settled


@dataclass(frozen=True)
class Reasked:
    question: str
    answer: str
    action: str
    facts: list[dict[str, str | None]]

    @property
    def answered(self) -> bool:
        return self.action == "answer"


async def reask(tenant_id: uuid.UUID, agent_id: uuid.UUID, question: str) -> Reasked:
    """Put the question to the agent as the test console does (the same dialogue and engine,
    the knowledge base as it is now saved) and say what it answered."""
    setup, _ = await asyncio.to_thread(calls.agent_setup, tenant_id, agent_id)
    engine = await asyncio.to_thread(calls.engine_for, tenant_id)
    dialogue = Dialogue(setup, engine)
    dialogue.opening()
    said: AgentTurn | None = None
    async for event in dialogue.hear(question):
        if isinstance(event, AgentTurn):
            said = event
    if said is None:
        return Reasked(question, "", "unknown", [])
    turn = said.turn
    facts = [
        {"category": f.category, "text": f.text, "source_url": f.source_url} for f in turn.facts
    ]
    return Reasked(question, turn.text, turn.action, facts)
