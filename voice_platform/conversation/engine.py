"""What the agent says to one caller turn, from the knowledge base alone.

Rules, in order: a caller asking for a person is handed off; one asking to leave a message gets
the message taker; an opening-hours question is answered from the structured weekly hours and
exceptions (in the business's time zone); an emergency follows the emergencies category; any
other question is answered only when the retrieved facts clearly cover it, with the relevant
sentence(s) of the best fact(s). Otherwise the agent says it does not know and offers a message
or a transfer: it never states a fact it did not retrieve."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from voice_platform.conversation.retrieval import Hit, words_of
from voice_platform.conversation.turns import Searcher, Turn
from voice_platform.knowledge.chunks import Chunk, clock
from voice_platform.knowledge.schemas import DAYS, HoursException, Interval, KnowledgeBase
from voice_platform.providers.llm.sandbox import related

MAX_WORDS = 80

HANDOFF_ASKED = re.compile(
    r"\b(transfer (me|this)|put me through|connect me|speak (to|with)|talk (to|with)"
    r"|real person|live person|a person|a human|human being|someone in charge|manager|owner"
    r"|operator|representative|supervisor|front desk|receptionist|complain\w*|dispute"
    r"|(with|to) (somebody|someone)( there)?( about)?$)\b"
)
MESSAGE_ASKED = re.compile(
    r"\b(leave (a |my )?message|take (a |my )?message|have (someone|somebody) call me"
    r"|call me back|callback|call back|pass (it|this|that) (on|along))\b"
)
EMERGENCY_SAID = re.compile(
    r"\b(emergenc\w*|urgent\w*|right now|asap|flood\w*|burst|leak\w*|bleed\w*|swell\w*"
    r"|knocked out|killing me|severe|gas smell|smell gas|overflow\w*|no (hot )?water)\b"
)
HOURS_SAID = re.compile(r"\b(open|opens|close|closes|closing|closed|hours|what time)\b")
WHERE_ASKED = re.compile(r"\b(where are you|where is your|located|your address|find you)\b")
NOW_ASKED = re.compile(r"\b(right now|open now|now)\b")
HOLIDAYS = re.compile(
    r"\b(christmas|thanksgiving|new year'?s?|easter|july|independence|labor day|memorial day"
    r"|holiday\w*|eve)\b"
)
DAY_NAMES = {day: day for day in DAYS} | {
    "mon": "monday",
    "tue": "tuesday",
    "tues": "tuesday",
    "wed": "wednesday",
    "thu": "thursday",
    "thur": "thursday",
    "thurs": "thursday",
    "fri": "friday",
    "sat": "saturday",
    "sun": "sunday",
    "weekend": "weekend",
    "weekends": "weekend",
}
DAY_SAID = re.compile(r"\b(" + "|".join(sorted(DAY_NAMES, key=len, reverse=True)) + r")s?\b")

UNKNOWN = "I'm sorry, I don't have that information."
OFFER_BOTH = "I can take a message and have someone get back to you, or transfer you to the team."
OFFER_MESSAGE = "I can take a message and have someone get back to you."
HANDOFF = "Of course, let me transfer you to someone who can help."
MESSAGE = "Sure, I can take a message. What's your name, number, and what should I pass on?"

# Relevance: the best fact must cover this share of the question's words (IDF-weighted), and
# be this close in meaning; or be very close in meaning alone.
MIN_COVERAGE = 0.3
MIN_SIMILARITY = 0.3
MIN_TOTAL = 0.9
SURE_SIMILARITY = 0.65
RELATED_WEIGHT = 0.5
RUNNER_UP = 0.85
SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[A-Z0-9\"“$])|;\s+")


def clip(text: str, limit: int = MAX_WORDS) -> str:
    words = text.split()
    if len(words) <= limit:
        return text.strip()
    cut = " ".join(words[:limit])
    end = max(cut.rfind(". "), cut.rfind("? "), cut.rfind("! "))
    return cut[: end + 1] if end > len(cut) // 2 else cut.rstrip(",;:") + "."


def offer(kb: KnowledgeBase) -> str:
    e = kb.categories.escalation
    return OFFER_BOTH if e.transfer_number or not e.take_messages else OFFER_MESSAGE


# --- hours ------------------------------------------------------------------------------------


def said_intervals(intervals: list[Interval]) -> str:
    return " and ".join(f"{clock(i.open)} to {clock(i.close)}" for i in intervals)


def local_now(kb: KnowledgeBase, now: datetime | None) -> datetime:
    zone = kb.categories.hours.time_zone
    tz = ZoneInfo(zone) if zone else None
    if now is None:
        return datetime.now(tz)
    if tz is not None and now.tzinfo is not None:
        return now.astimezone(tz)
    return now


def exception_on(kb: KnowledgeBase, day: date) -> HoursException | None:
    return next((e for e in kb.categories.hours.exceptions if e.date == day), None)


def day_hours(kb: KnowledgeBase, day: date) -> tuple[list[Interval], HoursException | None]:
    if found := exception_on(kb, day):
        return ([] if found.closed else found.intervals), found
    weekly = kb.categories.hours.weekly
    assert weekly is not None
    return getattr(weekly, DAYS[day.weekday()]), None


def describe_day(kb: KnowledgeBase, label: str, day: date) -> str:
    intervals, special = day_hours(kb, day)
    note = f" ({special.note})" if special and special.note else ""
    if not intervals:
        return f"We're closed {label}{note}."
    return f"{label[0].upper()}{label[1:]} we're open {said_intervals(intervals)}{note}."


def emergency_line(kb: KnowledgeBase) -> str:
    e = kb.categories.emergencies
    if e.emergency_phone:
        return f" For emergencies, call {e.emergency_phone}."
    if e.after_hours_available:
        return " Emergency service is available after hours."
    return ""


def hours_answer(question: str, kb: KnowledgeBase, now: datetime | None) -> str | None:
    """An answer from the structured hours, or None when they do not settle the question."""
    hours = kb.categories.hours
    weekly = hours.weekly
    asked = question.lower()
    here = local_now(kb, now)
    today = here.date()
    if HOLIDAYS.search(asked):
        named = HOLIDAYS.findall(asked)
        for special in hours.exceptions:
            if special.note and any(w.split()[0] in special.note.lower() for w in named):
                return describe_day(kb, f"on {special.date:%A, %B %-d}", special.date)
        return None  # a holiday the structured hours do not know: let the facts answer
    if weekly is None:
        return None
    days = [DAY_NAMES[d] for d in DAY_SAID.findall(asked)]
    if not HOURS_SAID.search(asked):
        return None
    if NOW_ASKED.search(asked) and not days:
        intervals, _ = day_hours(kb, today)
        clock_now = f"{here:%H:%M}"
        for i in intervals:
            if i.open <= clock_now < i.close:
                return f"Yes, we're open right now, until {clock(i.close)} today."
        later = [i for i in intervals if clock_now < i.open]
        if later:
            return f"We're closed right now; we open at {clock(later[0].open)} today."
        return "We're closed right now." + emergency_line(kb)
    if days:
        parts = []
        for name in dict.fromkeys(days):
            if name == "weekend":
                for d in ("saturday", "sunday"):
                    parts.append(weekly_day(kb, d))
            else:
                parts.append(weekly_day(kb, name))
        text = " ".join(parts)
        if any("closed" in p for p in parts):
            text += emergency_line(kb)
        return text
    if re.search(r"\bopen (late|later)\b", asked):
        open_days = [d for d in DAYS if getattr(weekly, d)]
        if not open_days:
            return None
        latest = max(getattr(weekly, d)[-1].close for d in open_days)
        which = [d.capitalize() for d in open_days if getattr(weekly, d)[-1].close == latest]
        return f"Our latest hours are on {' and '.join(which)}, until {clock(latest)}."
    if re.search(r"\bopen (early|earlier)\b", asked):
        open_days = [d for d in DAYS if getattr(weekly, d)]
        if not open_days:
            return None
        earliest = min(getattr(weekly, d)[0].open for d in open_days)
        which = [d.capitalize() for d in open_days if getattr(weekly, d)[0].open == earliest]
        return f"Our earliest opening is on {' and '.join(which)}, at {clock(earliest)}."
    if re.search(r"\b(today|tonight)\b", asked):
        return describe_day(kb, "today", today)
    if "tomorrow" in asked:
        return describe_day(kb, "tomorrow", today + timedelta(days=1))
    if re.search(r"\b(hours|what time)\b", asked):
        return week_summary(kb)
    return None


def weekly_day(kb: KnowledgeBase, name: str) -> str:
    weekly = kb.categories.hours.weekly
    assert weekly is not None
    intervals = getattr(weekly, name)
    if not intervals:
        return f"We're closed on {name.capitalize()}s."
    return f"On {name.capitalize()}s we're open {said_intervals(intervals)}."


def week_summary(kb: KnowledgeBase) -> str:
    weekly = kb.categories.hours.weekly
    assert weekly is not None
    groups: list[tuple[list[str], str]] = []
    for name in DAYS:
        said = said_intervals(getattr(weekly, name)) or "closed"
        if groups and groups[-1][1] == said:
            groups[-1][0].append(name.capitalize())
        else:
            groups.append(([name.capitalize()], said))
    parts = []
    for names, said in groups:
        label = names[0] if len(names) == 1 else f"{names[0]} to {names[-1]}"
        parts.append(f"{label}: {said}")
    return "Our hours are " + "; ".join(parts) + "."


# --- facts ------------------------------------------------------------------------------------


def coverage(question: str, text: str, retriever: Searcher) -> float:
    """The IDF-weighted share of the question's words that the text holds (a related word
    counts half). Words no fact holds count half: as likely filler as the point."""
    asked = set(words_of(question))
    if not asked:
        return 0.0
    found = set(words_of(text))
    total = covered = 0.0
    for term in asked:
        weight = retriever.idf(term) * (1.0 if retriever.holds(term) else 0.5)
        total += weight
        if term in found:
            covered += weight
        elif related(term) & found:
            covered += RELATED_WEIGHT * weight
    return covered / total if total else 0.0


def spoken(chunk: Chunk) -> str:
    text = chunk.text
    if text.startswith("Q: ") and " A: " in text:
        text = text.split(" A: ", 1)[1]
    return text


def relevant_sentences(question: str, text: str, retriever: Searcher, budget: int) -> str:
    """The sentence(s) of a fact that speak to the question, in their order, within budget."""
    pieces = [p.strip() for p in SENTENCE_END.split(text) if p and p.strip()]
    if len(pieces) <= 1:
        return clip(text, budget)
    scored = [(coverage(question, p, retriever), i) for i, p in enumerate(pieces)]
    best = max(score for score, _ in scored)
    keep = sorted(i for score, i in scored if score >= 0.6 * best and score > 0) or [0]
    chosen: list[str] = []
    for i in keep:
        piece = pieces[i].rstrip(";")
        if len(" ".join([*chosen, piece]).split()) > budget:
            break
        chosen.append(piece if piece.endswith((".", "!", "?")) else piece + ".")
    return " ".join(chosen) or clip(pieces[keep[0]], budget)


def pick(question: str, hits: list[Hit], retriever: Searcher) -> list[Hit]:
    """The hits that clearly cover the question, best first; none when none does."""
    scored = []
    for hit in hits:
        cover = coverage(question, hit.chunk.text, retriever)
        sure = hit.similarity >= SURE_SIMILARITY
        clear = cover >= MIN_COVERAGE and hit.similarity >= MIN_SIMILARITY
        if sure or (clear and cover + hit.similarity >= MIN_TOTAL):
            scored.append((cover + hit.similarity, hit))
    if not scored:
        return []
    scored.sort(key=lambda pair: -pair[0])
    best = scored[0][0]
    return [hit for score, hit in scored[:2] if score >= RUNNER_UP * best]


def compose(question: str, chosen: list[Hit], retriever: Searcher, lead: str = "") -> str:
    parts = [lead] if lead else []
    for hit in chosen:
        budget = MAX_WORDS - len(" ".join(parts).split())
        if budget < 12:
            break
        said = relevant_sentences(question, spoken(hit.chunk), retriever, budget)
        if said and said not in parts:
            parts.append(said)
    return clip(" ".join(parts))


def answer(
    question: str, kb: KnowledgeBase, retriever: Searcher, *, now: datetime | None = None
) -> Turn:
    """The agent's turn for one caller question."""
    asked = " ".join(question.split()).lower().replace("\u2019", "'")
    if not asked:
        return Turn("unknown", "How can I help you?")
    if MESSAGE_ASKED.search(asked):
        return Turn("message", MESSAGE)
    if HANDOFF_ASKED.search(asked):
        return Turn("handoff", HANDOFF)
    hits = retriever.search(question, k=6)
    if EMERGENCY_SAID.search(asked):
        urgent = [
            h
            for h in hits
            if h.chunk.category == "emergencies"
            and max(h.similarity, coverage(question, h.chunk.text, retriever)) >= MIN_SIMILARITY
        ]
        urgent.sort(key=lambda h: -(coverage(question, h.chunk.text, retriever) + h.similarity))
        chosen = urgent[:1] or pick(question, hits, retriever)
        if chosen:
            text = compose(question, chosen, retriever) + emergency_line(kb)
            return Turn("answer", clip(text), [h.chunk for h in chosen])
    if WHERE_ASKED.search(asked):
        places = [
            c
            for c in getattr(retriever, "chunks", [])
            if c.category == "locations" and "." not in c.item_id and c.item_id != "service_area"
        ]
        if places:
            return Turn("answer", clip(" ".join(c.text for c in places[:2])), places[:2])
    said = hours_answer(asked, kb, now)
    if said is not None:
        extra = [
            h
            for h in pick(question, hits, retriever)
            if h.chunk.category == "hours" and not h.chunk.item_id.startswith("weekly.")
        ][:1]
        return Turn(
            "answer",
            compose(question, extra, retriever, lead=said),
            [c for c in retriever_weekly(retriever)] + [h.chunk for h in extra],
        )
    chosen = pick(question, hits, retriever)
    if not chosen:
        return Turn("unknown", f"{UNKNOWN} {offer(kb)}")
    return Turn("answer", compose(question, chosen, retriever), [h.chunk for h in chosen])


def retriever_weekly(retriever: Searcher) -> list[Chunk]:
    chunks: list[Chunk] = getattr(retriever, "chunks", [])
    return [c for c in chunks if c.category == "hours" and c.item_id.startswith("weekly.")]
