"""A call in the terminal: the caller types, the agent's words appear as they are produced,
and after each turn what it did and the facts it used. `/keys 5125550199#` presses keys,
`/silence` stays quiet, `/quit` hangs up."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from rich.console import Console
from rich.markup import escape

from voice_platform.conversation.dialogue import (
    AgentTurn,
    CallEnd,
    Dialogue,
    Event,
    LanguageChange,
    MessageTaken,
    Speech,
)


def events_for(dialogue: Dialogue, typed: str) -> AsyncIterator[Event]:
    if typed.startswith("/keys"):
        return keys(dialogue, typed.removeprefix("/keys").strip())
    if typed == "/silence":
        return dialogue.silence()
    return dialogue.hear(typed)


async def keys(dialogue: Dialogue, pressed: str) -> AsyncIterator[Event]:
    for key in pressed:
        if key.isdigit() or key in "#*":
            async for event in dialogue.keypad(key):
                yield event


async def show(console: Console, events: AsyncIterator[Event], *, facts: bool) -> str | None:
    """Print one turn's events; how the call ended, if it did."""
    speaking = False
    async for event in events:
        if isinstance(event, Speech):
            if not speaking:
                console.print("[bold]agent>[/bold] ", end="")
                speaking = True
            console.print(event.text, end="", markup=False, highlight=False)
        elif isinstance(event, AgentTurn):
            if speaking:
                console.print()
                speaking = False
            turn = event.turn
            console.print(f"  [dim]{turn.action} · {event.latency_ms} ms[/dim]")
            if facts:
                for chunk in turn.facts:
                    said = escape(f"· [{chunk.category}] {chunk.text[:160]}")
                    console.print(f"  [dim]{said}[/dim]")
        elif isinstance(event, MessageTaken):
            taken = escape(f"{event.caller_name}, {event.callback_number}: {event.body}")
            console.print(f"  [green]message taken: {taken}[/green]")
        elif isinstance(event, LanguageChange):
            console.print(f"  [dim]language: {event.language}[/dim]")
        elif isinstance(event, CallEnd):
            return event.summary()
    return None


async def talk(
    dialogue: Dialogue, read: Callable[[], str | None], console: Console, *, facts: bool = True
) -> str:
    """The whole call; how it ended."""
    console.print(f"[bold]agent>[/bold] {dialogue.opening()}", highlight=False)
    while True:
        typed = read()
        if typed is None or typed.strip() == "/quit":
            return "the caller hung up"
        ended = await show(console, events_for(dialogue, typed.strip()), facts=facts)
        if ended:
            return ended
