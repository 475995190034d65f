"""The agent's persona and greeting, written from what the knowledge base says: the
business's name, what it is, how it talks (brand voice), and whether it keeps office hours
(a receptionist that knows the business closes offers to take a message)."""

from __future__ import annotations

from dataclasses import dataclass

from voice_platform.knowledge.schemas import KnowledgeBase

MAX_GREETING, MAX_PERSONA = 500, 4000


@dataclass(frozen=True)
class Persona:
    name: str
    greeting: str
    persona: str


def business_name(kb: KnowledgeBase, fallback: str) -> str:
    return (kb.categories.profile.name or kb.business_name or fallback).strip() or fallback


def write_persona(kb: KnowledgeBase, fallback_name: str) -> Persona:
    c = kb.categories
    name = business_name(kb, fallback_name)
    what = (c.profile.description or "").strip().rstrip(".")
    tone = (c.brand_voice.tone or "").strip() or next(
        (f.text for f in c.brand_voice.facts), "warm, friendly and to the point"
    )
    motto = (c.profile.tagline or "").strip()
    keeps_hours = c.hours.weekly is not None
    greeting = f"Thanks for calling {name}! How can I help you today?"
    lines = [
        f"You are the receptionist of {name}, answering its phone."
        + (f" About the business: {what}." if what else ""),
        f"How the business talks: {tone[:300]}" + (f' Its motto: "{motto}".' if motto else ""),
        "Answer only from the knowledge base; when it does not say, say so plainly and offer "
        "to take a message or to transfer the caller to a person.",
        "Keep answers short enough to say on the phone: one or two sentences.",
    ]
    if keeps_hours:
        lines.append(
            "The business keeps opening hours: when it is closed, say so, give the next "
            "opening time, and offer to take a message."
        )
    return Persona(
        name=name[:120], greeting=greeting[:MAX_GREETING], persona=" ".join(lines)[:MAX_PERSONA]
    )
