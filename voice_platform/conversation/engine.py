"""What the agent says to one caller turn, from the knowledge base alone.

Rules, in order: a caller asking for a person is handed off; one asking to leave a message gets
the message taker; an opening-hours question is answered from the structured weekly hours and
exceptions (in the business's time zone); an emergency follows the emergencies category; any
other question is answered only when the retrieved facts clearly cover it, with the relevant
sentence(s) of the best fact(s). Otherwise the agent says it does not know and offers a message
or a transfer: it never states a fact it did not retrieve."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from voice_platform.conversation.retrieval import (
    CLAUSE,
    Passage,
    PassageHit,
    split_chunk,
    words_of,
)
from voice_platform.conversation.turns import Searcher, Turn
from voice_platform.knowledge.chunks import Chunk, clock
from voice_platform.knowledge.schemas import DAYS, HoursException, Interval, KnowledgeBase
from voice_platform.providers.llm.sandbox import STOPWORDS, WORD, stem
from voice_platform.providers.llm.sandbox import related as base_related

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
# Whether someone is free at a time: the calendar knows, the knowledge base does not.
AVAILABILITY_ASKED = re.compile(
    r"\b(is|are|will) (?!you\b|we\b|it\b|there\b|this\b|that\b)(dr\.? )?\w+ (be )?"
    r"(free|available|working|in|around|there|off)\b"
    r".{0,30}\b(today|tomorrow|tonight|this|next|on|at|morning|afternoon|evening)\b"
    r"|\b(any|an) (opening|openings|slot|slots|availability)\b"
)
HOURS_SAID = re.compile(r"\b(open|opens|close|closes|closing|closed|hours|what time)\b")
# A time of day the caller names ("at like 8:45", "around 7pm"): they ask whether it is within
# the hours.
CLOCK_SAID = re.compile(r"\b\d{1,2}:\d{2}\b|\b\d{1,2} ?(?:am|pm|a\.m\.|p\.m\.)(?!\w)")
# What an hours note says of the time before closing ("last orders 30 minutes before closing").
CLOSING_NOTE = re.compile(
    r"\b(before (?:we )?clos\w*|last (?:orders?|appointments?|calls?|seating|bookings?|walk-ins?"
    r"|entry|admission)|(?:orders?|appointments?|walk-ins?|seating) (?:end|stop)s?)\b",
    re.I,
)
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
NO_CALENDAR = "I'm sorry, I can't see the schedule from here."
MESSAGE = "Sure, I can take a message. What's your name, number, and what should I pass on?"


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


# A time the office is shut, said by the caller ("it's Saturday night and ..."): a night, a
# weekend, a holiday, or a day the weekly hours have no opening on.
OFF_HOURS_SAID = re.compile(r"\b(night|tonight|overnight|midnight|after[- ]hours|holidays?)\b")
# What the business's emergency facts say to do then ("After Hours & Weekends: ...").
AFTER_HOURS = re.compile(r"\bafter[- ]hours\b|\bweekends?\b|\bnights?\b|\bovernight\b", re.I)


def off_hours(asked: str, kb: KnowledgeBase) -> bool:
    if OFF_HOURS_SAID.search(asked):
        return True
    weekly = kb.categories.hours.weekly
    days = [DAY_NAMES[d] for d in DAY_SAID.findall(asked)]
    return any(d == "weekend" or (weekly is not None and not getattr(weekly, d)) for d in days)


def after_hours(retriever: Searcher) -> Passage | None:
    """The emergency fact's passage on what to do when the office is shut: the first said under
    an after-hours heading, else the first that speaks of after hours itself."""
    chunks: list[Chunk] = getattr(retriever, "chunks", [])
    passages = [
        p for c in chunks if c.category == "emergencies" for p in split_chunk(c) if sayable(p)
    ]
    headed = [p for p in passages if AFTER_HOURS.search(p.heading)]
    said = [p for p in passages if AFTER_HOURS.search(p.text)]
    return next(iter(headed or said), None)


def with_after_hours(
    text: str, asked: str, chosen: list[Scored], kb: KnowledgeBase, retriever: Searcher
) -> tuple[str, list[Chunk]]:
    """An urgent problem at a time the office is shut ("Saturday night ... a toothache") is
    told what the business says to do after hours too, after the answer."""
    if not chosen or chosen[0].passage.chunk.category != "emergencies":
        return text, []
    if not off_hours(asked, kb) or (extra := after_hours(retriever)) is None:
        return text, []
    said = as_sentence(extra.text)
    if extra.heading:
        said = f"{extra.heading}: {said}"
    if extra.text in text or len(f"{text} {said}".split()) > MAX_WORDS:
        return text, []
    return f"{text} {said}", [extra.chunk]


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
    at_time = CLOCK_SAID.search(asked) and (
        days or re.search(r"\b(today|tonight|tomorrow)\b", asked)
    )
    if not HOURS_SAID.search(asked) and not at_time:
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


# The words of any question about hours ("open", "close", "time", the days): no sign of which
# hours note is meant.
HOURS_WORDS = base_related("hour") | {"hour"} | {stem(day) for day in DAY_NAMES}


def hours_note(question: str, retriever: Searcher) -> Passage | None:
    """What the business says of its hours besides the weekly schedule and its holidays ("The
    kitchen takes last orders 30 minutes before closing"), for a question about a day or a
    time: the note that shares a word with the question, or speaks of the time before closing;
    None when no note is about either."""
    asked = set(asked_terms(question)) - HOURS_WORDS
    at_time = bool(CLOCK_SAID.search(question.lower()))
    best: tuple[int, int] | None = None
    found: Passage | None = None
    chunks: list[Chunk] = getattr(retriever, "chunks", [])
    for chunk in chunks:
        if chunk.category != "hours" or chunk.item_id.startswith("weekly."):
            continue
        for passage in split_chunk(chunk):
            text = passage.text.lower()
            if not sayable(passage) or DAY_SAID.search(text) or HOLIDAYS.search(text):
                continue  # the schedule, an exception, or not a thing to say
            if CLOCK_SAID.search(text) or re.search(r"\d+ ?(?:-|to|\u2013|till|until) ?\d+", text):
                continue  # times of something else ("lunch from 12:30 to 1:30")
            shared = sum(1 for t in asked if match(t, set(words_of(text))))
            closing = 1 if CLOSING_NOTE.search(passage.text) else 0
            if not shared and not closing:
                continue
            rank = (closing, shared) if at_time else (shared, closing)
            if best is None or rank > best:
                best, found = rank, passage
    return found


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


def stems(text: str) -> frozenset[str]:
    return frozenset(stem(word) for word in text.split())


# What callers say around a question that names no subject ("you guys", "any chance").
FILLER = stems(
    """guys gonna wanna gotta kinda sorta like ugh um uh oh hey yeah anybody somebody someone
    something anything thing things stuff folks y'all chance possible possibly maybe
    actually basically currently still even ever way sure lot lots bit kind sort type he she
    him her hers his who whom now exactly around put seen else too much many far all once
    can't cannot won't wouldn't isn't aren't doesn't didn't haven't couldn't shouldn't i've
    you've we've they've it's that's he's she's let's we're they're we'll you'll supposed
    while whilst"""
)
# Verbs that carry little of a question's point ("come out and look at", "give on a repair"):
# they count for a share of their weight.
LIGHT = stems(
    """come comes coming go goes going get gets getting give gives giving make makes making
    look looks looking see seeing use using need needs have having do doing done let keep
    say said tell try trying work working happen happens"""
)
LIGHT_WEIGHT = 0.3
# The setting of a question counts for this share of its weight when some fact holds it too.
SETTING_WEIGHT = 0.25
# A number, or someone's age ("my 13 year old"), is the setting of a question, not its point.
AGE = re.compile(r"\b\d+[- ]?(year|yr|month)s?[- ]?olds?\b")
NUMBER = re.compile(r"^\d+(st|nd|rd|th|s)?$")
# Words callers and businesses use for the same thing, in general English (stemmed as the
# index is); a word matches the others of its group as a related word.
SYNONYMS = [
    stems(line)
    for line in """warranty warranties guarantee guarantees guaranteed
    big large huge
    small little tiny
    group groups party parties
    kid kids child children
    tip tips gratuity
    food foods meal meals lunch lunches dinner dinners
    wine wines alcohol alcoholic liquor
    beer beers alcohol alcoholic liquor
    fix fixes fixing repair repairs
    broken broke cracked chipped damaged
    buy bought purchase purchased
    checkup checkups exam exams
    quote quotes estimate estimates
    financing finance financed loan loans payment payments installment installments
    neighborhood area areas town city cities
    area areas region regions neighborhood neighborhoods
    doctor doctors dentist dentists dr
    staff team employees
    discount discounts deal deals savings
    allow allowed permit permitted okay
    cancel cancellation cancellations
    refund refunds money
    late tardy
    redo fix""".splitlines()
]


def related(term: str) -> frozenset[str]:
    """Words a caller may use for the same thing as this one."""
    out = set(base_related(term))
    for group in SYNONYMS:
        if term in group:
            out |= group
    out.discard(term)
    return frozenset(out)


# Who a caller speaks for, and when: the setting of a question, seldom its point.
SETTING = stems(
    """daughter daughters son sons kid kids child children baby dad mom mother father wife
    husband sister brother family friend friends grandma grandpa grandmother grandfather
    parent parents partner boyfriend girlfriend boss coworker neighbor man men woman women
    people person persons
    yesterday today tonight tomorrow morning afternoon evening night week weekend month year"""
)
# A customer's words quoted on the site (a review), or a link's words: not the business's facts.
TESTIMONIAL = re.compile(r"^[\"“”]|[\"”]\s*(\u2014|-|\u2013)\s*\w|^\u2014|\b\d(\.\d)? stars?\b")
NAVIGATION = re.compile(
    r"(→|»|\u203a|\bLearn more\b|\bRead more\b|\bSee (the|our) |\bClick\b|©|\bAll rights reserved\b"
    r"|\bSkip to\b|\bHome\b\s*[»\u203a|/])",
    re.I,
)
# A card's line that invites the reader to read on ("Find out what to expect at your first
# visit"): what it points to is said elsewhere, not here.
TEASER = re.compile(r"^(Find out|Learn (about|how|what|why|when|where)|Discover|Explore)\b")
# A link's words left in the text ("Insurance & financing details."): a label, not a fact.
LABEL = re.compile(r"^(?:[\w&'\u2019-]+ ){0,4}(?:details|info|information|options)\.?$", re.I)
PRONOUN_START = re.compile(r"^(She|He|They|It|This|That|These|Those|Her|His|Their)\b")
# A sentence with no subject ("Great for autistic clients, ...") says what the one before it
# is good for: it leans on that sentence as a pronoun does.
NO_SUBJECT = re.compile(r"^(Great|Perfect|Ideal|Good|Best|Suitable|Available|Open) (for|to)\b")
# What kind of thing the question wants, and what a passage must hold to give it.
ASKS_PRICE = re.compile(
    r"\bhow much\b|\bwhat (does|do|did|would|will|is|are|'s)\b.{0,40}\b(cost|charge|run)\b"
    r"|\b(price|cost|fee|rate|charge)s? (of|for|to)\b"
    r"|\bwhat('s| is| are)? (the |your )?(price|cost|fee|rate|charge)s?\b"
)
SAYS_PRICE = re.compile(r"\$\s?\d|\d+ ?%|\b(free|no charge|no cost|complimentary|included)\b", re.I)
ASKS_COUNT = re.compile(r"\bhow (many|far|long|soon|old|big|large)\b|\bwhat age\b")
SAYS_COUNT = re.compile(
    r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|thirty"
    r"|forty|fifty|hundred|half|dozen|few|several|same.day|today|tomorrow|week|month|year)s?\b",
    re.I,
)
# "Do you install backup generators?": the thing a yes-or-no question asks about, whose last
# word (the head of "backup generators") the answer must name.
ASKS_THING = re.compile(
    r"^(?:do|does|can|will|would) (?:you|y'all)(?: guys)? (?!have\b|take\b|accept\b|know\b)"
    r"(?:install|sell|repair|fix|make|offer|carry|do|clean|service|replace|rent|serve|fit|treat)"
    r" ((?:[a-z'-]+ ){0,2}?[a-z'-]+)\s*\?*$"
)
# "Who does ...": the answer names someone ("Priya Natarajan", "Dr. Marquez").
ASKS_WHO = re.compile(r"^(?:\w+ )?who\b|\bwho (?:is|are|does|do|will|'s|can|handles?)\b")
SAYS_WHO = re.compile(r"\b(?:Dr\.?|Mr\.?|Ms\.?|Mrs\.?) [A-Z]|\b[A-Z][a-z]+ [A-Z][a-z]+\b")
# "What brand of ...", "which furnace ...": the thing asked for, which the answer must name.
ASKS_WHICH = re.compile(
    r"\b(?:what|which)(?: \w+)?? (?!kind\b|type\b|sort\b|time\b|day\b|days\b|way\b)"
    r"(\w+) (?:of|do|does|did|is|are|would|will|should|can|for)\b"
)

# How many the caller is booking for ("for 10 people", "a party of 12"), and a rule of the
# business for a number of them and more ("Parties of 10 or more", "over 50 guests"): a rule
# the caller's number meets bears on the question whatever its words. A number of minutes,
# miles or dollars ("more than 15 minutes late") is no such rule.
HEADCOUNT = re.compile(
    r"\b(\d+) (?:people|persons|guests|adults|diners|kids|children|of us)\b"
    r"|\b(?:party|group|table) of (\d+)\b"
)
UNIT = (
    r"(?! ?(?:%|percent|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?|miles?|feet|ft"
    r"|inch))"
)
AT_LEAST = re.compile(
    rf"(?<!\$)\b(\d+) or more\b{UNIT}|(?<!\$)\b(\d+)\+{UNIT}|\b(?:more than|over) (\d+)\b{UNIT}"
)


def headcount(question: str) -> int | None:
    found = HEADCOUNT.search(question.lower())
    return int(found.group(1) or found.group(2)) if found else None


def meets_rule(count: int, text: str) -> bool:
    """The text holds a rule for at least a number of people that `count` meets."""
    for rule in AT_LEAST.finditer(text):
        if rule.group(1) or rule.group(2):
            if count >= int(rule.group(1) or rule.group(2)):
                return True
        elif count > int(rule.group(3)):
            return True
    return False


# Relevance of a passage: it must cover this share of the question's words (IDF-weighted) and
# be this close in meaning, or be very close in meaning alone.
MIN_COVERAGE = 0.35
MIN_SIMILARITY = 0.3
MIN_TOTAL = 0.85
SURE_SIMILARITY = 0.6
UNHELD_SIMILARITY = 0.55
# A passage answering the site's own question (or said under a heading when it covers nothing
# of the caller's question itself) counts against what it covers through that question the
# words of it the caller did not say, at this share of their weight.
UNSAID_WEIGHT = 1.0
# A word shares its start with a word of the fact ("referring", "refer"): nearly the same word.
PREFIX_WEIGHT = 0.8
RELATED_WEIGHT = 0.5
# A word no fact holds ("solar", "keratin") is most often the point of the question: the
# business does not speak of it. The setting of a question ("my daughter") is not.
UNHELD_WEIGHT = 1.0
RUNNER_UP = 0.85
# A sentence of the best fact is said too when it covers this share of what the best covers.
ALSO_SAID = 0.6
CANDIDATES = 12
# A passage whose heading is what the question is about ranks above one that mentions it.
TOPIC_WEIGHT = 0.25
# An answer of the site's own question-and-answer page is said whole up to this many words.
FAQ_WORDS = 45
# A sentence this short is said with its heading ("Fringe Benefits: Our free rewards program.").
SHORT = 8
# How close in meaning a passage must be to a question about places outside the area served.
OUTSIDE_SIMILARITY = 0.2


# Endings a stemmed word may still carry past a shorter form of it.
ENDINGS = frozenset(
    [
        "es",
        "ed",
        "er",
        "ers",
        "ry",
        "ery",
        "ist",
        "ists",
        "istry",
        "al",
        "als",
        "ion",
        "ions",
        "ation",
        "ment",
        "ments",
        "ly",
        "able",
        "ity",
        "ive",
        "ic",
        "ics",
        "ing",
        "ings",
        "ies",
        "ness",
        "ful",
        "ous",
        "ance",
        "ence",
        "an",
        "ian",
        "ians",
        "at",
        "ator",
        "ators",
        "or",
        "ors",
    ]
)


def same_word(term: str, word: str) -> bool:
    """One word the other with a different ending: "dentist" and "dentistry", "party" and
    "parties" (stemmed "parti")."""
    short = min(len(term), len(word))
    if short < 4:
        return False
    shared = 0
    for a, b in zip(term, word, strict=False):
        if a != b:
            break
        shared += 1
    if shared < max(4, short - 1):
        return False
    # what follows the shared start is an ending ("dentist-ry"), not another word ("brea-kfast")
    rest = max(term[shared:], word[shared:], key=len)
    if len(rest) > 1 and rest[0] == term[shared - 1]:
        rest = rest[1:]  # a doubled letter: "refer", "referr-ing"
    return len(rest) <= 1 or rest in ENDINGS


@lru_cache(maxsize=8192)
def held_like(term: str, vocabulary: frozenset[str]) -> bool:
    return any(same_word(term, word) for word in vocabulary if word[:3] == term[:3])


def asked_terms(question: str) -> list[str]:
    question = AGE.sub(" kid ", question.lower())
    return [t for t in dict.fromkeys(words_of(question)) if t not in FILLER and not NUMBER.match(t)]


def match(term: str, found: set[str]) -> float:
    if term in found:
        return 1.0
    if any(same_word(term, word) for word in found if word[:3] == term[:3]):
        return PREFIX_WEIGHT
    if related(term) & found:
        return RELATED_WEIGHT
    return 0.0


def known(term: str, retriever: Searcher) -> bool:
    """Some fact holds the word, with this ending or another, or a word related to it."""
    if retriever.holds(term):
        return True
    vocabulary: frozenset[str] = getattr(retriever, "vocabulary", frozenset())
    return held_like(term, vocabulary) or bool(related(term) & vocabulary)


def term_weight(term: str, retriever: Searcher) -> float:
    share = SETTING_WEIGHT if term in SETTING else LIGHT_WEIGHT if term in LIGHT else 1.0
    if retriever.holds(term):
        return retriever.idf(term) * share
    if known(term, retriever):
        # as rare as the business's own word for it ("large" for "big")
        vocabulary: frozenset[str] = getattr(retriever, "vocabulary", frozenset())
        held = [w for w in vocabulary if w[:3] == term[:3] and same_word(term, w)]
        held += sorted(related(term) & vocabulary)
        return min((retriever.idf(w) for w in held), default=retriever.idf(term)) * share
    return 0.0 if term in SETTING else retriever.idf(term) * UNHELD_WEIGHT * share


def coverage(question: str, text: str, retriever: Searcher) -> float:
    """The IDF-weighted share of the question's words that the text holds (a word with another
    ending counts nearly whole, a related word half). A word no fact holds weighs as much as the
    rarest word: most often it is what the question is about, and the business never says it."""
    asked = asked_terms(question)
    if not asked:
        return 0.0
    found = set(words_of(text))
    total = covered = 0.0
    for term in asked:
        weight = term_weight(term, retriever)
        total += weight
        covered += weight * match(term, found)
    return covered / total if total else 0.0


def unsaid(asks: str, question: str, retriever: Searcher) -> float:
    """The weight of the words of the site's question the caller did not say (nor one with
    another ending, nor a related one), as a share of the weight of the caller's words: the
    other way of coverage."""
    said = asked_terms(question)
    total = sum(term_weight(t, retriever) for t in said)
    if not total:
        return 0.0
    found = set(said)
    missing = 0.0
    for term in asked_terms(asks):
        # what the site's question asks of ("my kids") is its point, not its setting
        weight = retriever.idf(term) * (LIGHT_WEIGHT if term in LIGHT else 1.0)
        missing += weight * (1 - match(term, found))
    return missing / total


def spoken(chunk: Chunk) -> str:
    text = chunk.text
    if text.startswith("Q: ") and " A: " in text:
        text = text.split(" A: ", 1)[1]
    return text


def sayable(passage: Passage) -> bool:
    """Not a review quoted on the site, nor a link's words, nor a question."""
    text = passage.text
    if TESTIMONIAL.search(text) or TESTIMONIAL.search(passage.heading):
        return False
    if text.endswith("?"):
        return False  # a question the site asks ("Burst pipe at 2 a.m.?") answers nothing
    if TEASER.match(text) or LABEL.match(text):
        return False
    return not NAVIGATION.search(text) and len(passage.indexed.split()) >= 3


def fits(question: str, text: str) -> bool:
    """The passage holds the kind of thing asked for: a price, a number, the thing a "what"
    or "which" question names ("what brand of ...")."""
    if ASKS_PRICE.search(question) and not SAYS_PRICE.search(text):
        return False
    if ASKS_COUNT.search(question) and not SAYS_COUNT.search(text):
        return False
    if thing := ASKS_THING.search(question):
        # "do you install backup generators": the answer names the generators, not backups
        said = [t for t in words_of(thing.group(1)) if t not in FILLER]
        if said and not match(said[-1], set(words_of(text))):
            return False
    if named := ASKS_WHICH.search(question):
        wanted = words_of(named.group(1))
        found = set(words_of(text))
        if wanted and not any(match(w, found) for w in wanted):
            return False
    return True


@dataclass(frozen=True)
class Scored:
    hit: PassageHit
    cover: float
    topic: float = 0.0  # how much of the question the passage's heading or question covers
    own: float = 0.0  # how much of it the passage's own words cover (of two as good, the one
    # that says it itself is said)

    @property
    def score(self) -> float:
        return self.cover + self.hit.similarity + TOPIC_WEIGHT * self.topic

    @property
    def passage(self) -> Passage:
        return self.hit.passage


def in_their_words(question: str, retriever: Searcher) -> str:
    """The question with each word replaced by the business's usual word for the same thing
    ("big groups" → "large parties"), for the search by meaning; the question itself when
    there is none."""
    written: dict[str, str] = getattr(retriever, "written", {})
    vocabulary: frozenset[str] = getattr(retriever, "vocabulary", frozenset())

    def theirs(found: re.Match[str]) -> str:
        word = found.group(0)
        term = stem(word.lower())
        if word.lower() in STOPWORDS:
            return word
        near = sorted(related(term) & vocabulary, key=lambda w: (-retriever.idf(w), w))
        if not near or (retriever.holds(term) and retriever.idf(near[-1]) > retriever.idf(term)):
            return word  # the business's own word is this one
        return written.get(near[-1], word)

    return WORD.sub(theirs, question)


def candidates(question: str, retriever: Searcher) -> list[PassageHit]:
    find = getattr(retriever, "find_passages", None)
    if find is not None:
        found: list[PassageHit] = find(question, k=CANDIDATES)
        # A question with a word the business never uses is answered only by a fact close in
        # meaning to the question as asked: its other words said the business's way are not.
        rewritten = "" if unheld(question, retriever) else in_their_words(question, retriever)
        if rewritten and rewritten != question:
            best = {id(h.passage): h for h in found}
            for h in find(rewritten, k=CANDIDATES):
                had = best.get(id(h.passage))
                if had is None or h.similarity > had.similarity:
                    best[id(h.passage)] = h
            found = sorted(best.values(), key=lambda h: -h.score)
        return found
    out = []
    for hit in retriever.search(question, k=6):
        for passage in split_chunk(hit.chunk):
            out.append(PassageHit(passage, hit.score, hit.similarity, hit.keyword))
    return out


def scored(question: str, hits: list[PassageHit], retriever: Searcher) -> list[Scored]:
    asked = question.lower()
    out = []
    for hit in hits:
        if not sayable(hit.passage):
            continue
        if not fits(asked, hit.passage.indexed):
            continue
        if ASKS_WHO.search(asked) and not SAYS_WHO.search(hit.passage.text):
            continue  # a "who" question is answered by someone's name
        lead = hit.passage.heading or hit.passage.asks
        topic = coverage(question, lead, retriever) if lead else 0.0
        cover = coverage(question, hit.passage.indexed, retriever)
        own = coverage(question, hit.passage.text, retriever) if lead else cover
        if hit.passage.asks or (lead and not own):
            # the site's question (or the heading of a sentence that covers nothing of the
            # caller's) asks of something the caller did not ("my kids"): what the passage
            # covers through it counts for less
            against = 1 + UNSAID_WEIGHT * unsaid(lead, question, retriever)
            cover, topic = max(own, cover / against), topic / against
        out.append(Scored(hit, cover, topic, own))
    out.sort(key=lambda s: (-s.score, -s.own))
    return out


def unheld(question: str, retriever: Searcher) -> list[str]:
    """The words of the question no fact holds, less its setting ("my daughter"), its light
    verbs ("what happens") and the words that make it urgent (each word of "killing me")."""
    lowered = question.lower().replace("\u2019", "'")
    urgent = {w for m in EMERGENCY_SAID.finditer(lowered) for w in words_of(m.group(0))}
    return [
        t
        for t in asked_terms(question)
        if t not in SETTING
        and t not in LIGHT
        and t not in urgent
        and not EMERGENCY_SAID.search(t)
        and not known(t, retriever)
    ]


def clear(s: Scored, strange: bool = False) -> bool:
    """Clearly relevant: covers enough of the question and is close enough in meaning, or is
    very close in meaning. A question with a word the business never uses ("solar water
    heaters") is answered only by a fact close in meaning to the whole of it."""
    if strange and s.hit.similarity < UNHELD_SIMILARITY:
        return False
    if s.hit.similarity >= SURE_SIMILARITY and s.cover > 0:
        return True
    return (
        s.cover >= MIN_COVERAGE
        and s.hit.similarity >= MIN_SIMILARITY
        and s.cover + s.hit.similarity >= MIN_TOTAL
    )


def pick(question: str, found: list[Scored], strange: bool = False) -> list[Scored]:
    """The passages that clearly answer the question, best first (at most two, of different
    facts); none when none does."""
    chosen = [s for s in found if clear(s, strange)]
    if not chosen:
        return []
    best = chosen[0]
    out = [best]
    for s in chosen[1:]:
        if s.score < RUNNER_UP * best.score:
            break
        if s.passage.chunk.text != best.passage.chunk.text:
            out.append(s)
            break
    return out


def as_sentence(text: str) -> str:
    text = text.strip().rstrip(";,")
    return text if text.endswith((".", "!", "?", ":")) else text + "."


def say_passage(question: str, best: Passage, retriever: Searcher, budget: int) -> str:
    """What to say from the fact of the best passage: that passage, with the sentences of the
    same fact that speak to the question too, in their order; a list whole when the question
    is what the list is about; the sentence before when this one leans on it ("She speaks
    Spanish"); and the heading when it carries words of the question the sentences do not."""
    passages = split_chunk(best.chunk)
    if not passages:
        return clip(best.text, budget)
    own = [coverage(question, p.text, retriever) for p in passages]
    top = own[best.number] if best.number < len(own) else 0.0
    keep = {best.number}
    answers = [p.number for p in passages if best.asks and p.asks == best.asks]
    if best.item and top == 0 and best.heading and coverage(question, best.heading, retriever):
        # the question is what the list is about: say the list
        keep |= {p.number for p in passages if p.item and p.heading == best.heading}
    elif answers and len(" ".join(passages[i].text for i in answers).split()) <= FAQ_WORDS:
        keep |= set(answers)  # the answer to a question the site answers, whole
    else:
        keep |= {i for i, c in enumerate(own) if c > 0 and c >= ALSO_SAID * max(top, 1e-9)}
    if (count := headcount(question)) is not None:
        keep |= {p.number for p in passages if meets_rule(count, p.text)}
    if best.number > 0 and (PRONOUN_START.match(best.text) or NO_SUBJECT.match(best.text)):
        keep.add(best.number - 1)
    if len(best.text.split()) < 5 and best.number + 1 < len(passages):
        keep.add(best.number + 1)  # "Yes." says little on its own
    keep = {i for i in keep if i == best.number or sayable(passages[i])}
    chosen: list[str] = []
    for i in sorted(keep):
        piece = as_sentence(passages[i].text)
        if len(" ".join([*chosen, piece]).split()) > budget:
            if i == best.number and not chosen:
                chosen.append(clip(piece, budget))
            continue
        chosen.append(piece)
    said = " ".join(chosen)
    heading = best.heading
    if heading:
        by_heading = set(words_of(heading)) - set(words_of(said))
        short = len(best.text.split()) < SHORT
        # a sentence from the middle of what is said under a heading leans on the heading, and
        # so does the item said from its start for it
        within = best.item and any(
            p.heading == heading and p.number < best.number for p in passages
        )
        asked = any(match(t, by_heading) for t in asked_terms(question))
        if by_heading and (short or within or asked):
            said = f"{heading}: {said}"
    return clip(said, budget)


def compose(question: str, chosen: list[Scored], retriever: Searcher, lead: str = "") -> str:
    parts = [lead] if lead else []
    for s in chosen:
        budget = MAX_WORDS - len(" ".join(parts).split())
        if budget < 12:
            break
        said = say_passage(question, s.passage, retriever, budget)
        if said and not any(said in part or part in said for part in parts):
            parts.append(said)
    return clip(" ".join(parts))


# --- who works there, and where the business goes -----------------------------------------------

# "Who are the dentists?", "who are your stylists": the people of a role, by name.
TEAM_ASKED = re.compile(
    r"\bwho (?:are|'re) (?:all )?(?:the|your|you guys'?|y'all'?s?) ?(?:\w+ )??(\w+s|team|staff)\b"
)
TITLED = re.compile(r"\b(Dr\.?|Doctor) ((?:[A-Z][\w'\u2019-]+ ){0,2}[A-Z][\w'\u2019-]+)")
# A team entry that starts with someone's name: "Tasha Nguyen, RDH ...", "Dan Kowalski: Owner".
NAME_WORD = r"[A-Z][a-z'\u2019-]+"
NAMED = re.compile(rf"^((?:(?:Chef|Dr\.?) )?{NAME_WORD}(?: {NAME_WORD}){{1,2}})(?=\s?[,:(]|$)")
DOCTOR = stems("doctor doctors dr physician physicians dentist dentists")


@dataclass(frozen=True)
class Person:
    name: str
    about: str  # the words that say what they do
    chunk: Chunk


def people(kb: KnowledgeBase, retriever: Searcher) -> list[Person]:
    """The business's people by name: its team members, the people its team facts are headed
    with, and the doctors its facts name ("Dr. Oyelaran")."""
    out: list[Person] = []
    chunks: list[Chunk] = getattr(retriever, "chunks", [])
    # not a name: a heading of common words ("Our Story"), or the business's own name
    ordinary = set(STOPWORDS) | set((kb.categories.profile.name or "").lower().split())
    for chunk in chunks:
        for passage in split_chunk(chunk):
            if not sayable(passage):
                continue
            if chunk.category == "team":
                lead = passage.heading or (passage.text if passage.number == 0 else "")
                named = NAMED.match(lead)
                if named and not set(named.group(1).lower().split()) & ordinary:
                    out.append(Person(named.group(1), f"{lead} {passage.text}", chunk))
            for titled in TITLED.finditer(passage.text):
                out.append(Person(f"Dr. {titled.group(2)}", "doctor", chunk))
    return out


def team_answer(question: str, kb: KnowledgeBase, retriever: Searcher) -> Turn | None:
    """The people of the role asked about, by name; None when the facts name none."""
    asked = TEAM_ASKED.search(question.lower())
    if asked is None:
        return None
    role = asked.group(1)
    wanted = stem(role)
    everyone = role in ("team", "staff")
    found: dict[str, Person] = {}
    for person in people(kb, retriever):
        about = set(words_of(person.about))
        if person.about == "doctor":
            fits_role = everyone or wanted in DOCTOR
        else:
            fits_role = everyone or bool(match(wanted, about))
        if not fits_role:
            continue
        surname = person.name.split()[-1]
        same = next((k for k in found if k.split()[-1] == surname), None)
        if same is None:
            found[person.name] = person
        elif len(person.name) > len(same):  # "Dr. Elena Marquez" over "Dr. Marquez"
            found[person.name] = found.pop(same)
    if not found:
        return None
    names = list(found)
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    text = f"Our {role} {'include' if len(names) == 1 else 'are'} {listed}."
    facts = list({id(p.chunk): p.chunk for p in found.values()}.values())
    return Turn("answer", clip(text), facts)


# "Do you come out to Marysville?", "do you serve Dublin": the area served.
SERVE_ASKED = re.compile(
    r"\b(come|comes|coming|go|travel|drive|serve|service|services|cover|covers|deliver|work)"
    r"\b.{0,30}\b(to|in|out|that far|area|there)\b|\b(service area|area you serve)\b"
)
PLACE = re.compile(r"(?<![.?!] )(?<!^)\b([A-Z][a-z]+(?: [A-Z][a-z]+)?)\b")
OUTSIDE = "What if I am outside your service area, farther away?"


def area_answer(question: str, kb: KnowledgeBase, retriever: Searcher) -> Turn | None:
    """Whether the business comes to a place the caller names, from its list of areas served:
    yes when the place is listed; else the areas it serves and what it says of places
    outside them. None when there is no list or no place named."""
    areas = kb.categories.locations.service_area
    if not areas or not SERVE_ASKED.search(question.lower()):
        return None
    lowered = question.lower()
    listed = [a for a in areas if re.search(rf"\b{re.escape(a.lower())}\b", lowered)]
    chunks: list[Chunk] = getattr(retriever, "chunks", [])
    area_chunks = [c for c in chunks if c.category == "locations" and c.item_id == "service_area"]
    said_areas = ", ".join(areas[:-1]) + (" and " if len(areas) > 1 else "") + areas[-1]
    if listed:
        said = f"Yes, we serve {listed[0]}. We serve {said_areas}."
        return Turn("answer", clip(said), area_chunks)
    places = [
        p
        for p in PLACE.findall(question)
        if p not in ("I", "I'm") and not any(known(t, retriever) for t in words_of(p))
    ]
    if not places:
        return None
    text = f"{places[0]} isn't on our list of areas. We serve {said_areas}."
    facts = list(area_chunks)
    # what the site's list of areas says beside the names: places outside them
    find = getattr(retriever, "find_passages", None)
    hits: list[PassageHit] = find(OUTSIDE, k=40) if find is not None else []

    def names(text: str) -> int:
        return sum(a.lower() in text.lower() for a in areas)

    beyond = [
        h.passage
        for h in hits
        if h.similarity >= OUTSIDE_SIMILARITY
        and names(h.passage.chunk.text) >= 2
        and not names(h.passage.text)
        and sayable(h.passage)
        and not h.passage.text.endswith(":")
    ][:1]
    for passage in sorted(beyond, key=lambda p: p.number):
        text += " " + as_sentence(passage.text)
    facts += [p.chunk for p in beyond[:1]]
    return Turn("answer", clip(text), facts)


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
    if AVAILABILITY_ASKED.search(asked):
        return Turn("unknown", f"{NO_CALENDAR} {offer(kb)}")
    warm = getattr(retriever, "warm", None)
    if warm is not None:  # all the searches of this turn by meaning in one batch
        last = asked_last(question)
        ways = [question, last]
        ways += [in_their_words(q, retriever) for q in ways if q and not unheld(q, retriever)]
        warm(ways)
    found = scored(question, candidates(question, retriever), retriever)
    strange = bool(unheld(question, retriever))
    if EMERGENCY_SAID.search(asked):
        urgent = [
            s
            for s in found
            if s.passage.chunk.category == "emergencies"
            and max(s.hit.similarity, s.cover) >= MIN_SIMILARITY
            and not (strange and s.hit.similarity < UNHELD_SIMILARITY)
        ]
        chosen = urgent[:1] or pick(question, found, strange)
        if chosen:
            text, more = with_after_hours(
                compose(question, chosen, retriever), asked, chosen, kb, retriever
            )
            text += emergency_line(kb)
            return Turn("answer", clip(text), facts_of(chosen) + more)
    for special in (team_answer, area_answer):
        if (turn := special(question, kb, retriever)) is not None:
            return turn
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
            s
            for s in pick(question, found, strange)
            if s.passage.chunk.category == "hours"
            and not s.passage.chunk.item_id.startswith("weekly.")
        ][:1]
        text = compose(question, extra, retriever, lead=said)
        facts = retriever_weekly(retriever) + facts_of(extra)
        specific = DAY_SAID.search(asked) or CLOCK_SAID.search(asked)
        day_asked = specific or re.search(r"\b(today|tonight|tomorrow)\b", asked)
        if day_asked and re.search(r"\bopen\b", said):
            # a day or a time asked about, when open: what the hours notes say of it too
            note = hours_note(question, retriever)
            if note is not None and as_sentence(note.text) not in text:
                text = clip(f"{text} {as_sentence(note.text)}")
                facts += [note.chunk] if note.chunk not in facts else []
        return Turn("answer", text, facts)
    chosen = pick(question, found, strange)
    if not chosen and (last := asked_last(question)):
        # "I need food for 40 people for an office lunch, how far ahead do I have to order?":
        # the question the caller asks after the setting, on its own
        chosen = pick(last, scored(last, candidates(last, retriever), retriever), strange)
        question = last
    if not chosen:
        return Turn("unknown", f"{UNKNOWN} {offer(kb)}")
    text, more = with_after_hours(
        compose(question, chosen, retriever), asked, chosen, kb, retriever
    )
    return Turn("answer", text, facts_of(chosen) + more)


# A question that stands on its own: it asks, and leans on nothing said before it ("it").
ASKS_ALONE = re.compile(
    r"^(do|does|can|could|is|are|will|would|what|how|where|when|which|should)\b"
    r"(?!.*\b(it|that|this|one|ones|them|those|these|there|he|she|him|her|they)\b)",
    re.I,
)


def asked_last(question: str) -> str:
    """The last part of a question of several when it asks on its own, else ""."""
    parts = [c.strip() for c in CLAUSE.split(question) if len(c.split()) >= 3]
    if len(parts) < 2 or not ASKS_ALONE.match(parts[-1]):
        return ""
    return parts[-1]


def facts_of(chosen: list[Scored]) -> list[Chunk]:
    return list({id(s.passage.chunk): s.passage.chunk for s in chosen}.values())


def retriever_weekly(retriever: Searcher) -> list[Chunk]:
    chunks: list[Chunk] = getattr(retriever, "chunks", [])
    return [c for c in chunks if c.category == "hours" and c.item_id.startswith("weekly.")]
