"""The call log: every call, newest first, searchable by the caller's number or words said and
filtered by outcome; a call opens to its transcript (each answer with the facts it used), the
messages left, the analysis (summary, sentiment, satisfaction) and the recording link."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from voice_platform.components.forms import form_error, item_card, muted, section
from voice_platform.components.layout import template
from voice_platform.components.speech import speech_bubble
from voice_platform.models import Call
from voice_platform.services import call_log
from voice_platform.services.errors import ServiceError
from voice_platform.services.principal import Principal
from voice_platform.state.auth import form_errors
from voice_platform.state.tenant_scope import run_in_tenant

OUTCOMES = ["answered", "transferred", "message", "abandoned", "spam", "unrouted"]
ANY = "any"
PAGE = 25


def row_of(call: Any) -> dict[str, str]:
    minutes, seconds = divmod(call.duration_seconds or 0, 60)
    return {
        "id": str(call.id),
        "when": f"{call.started_at:%a %d %b, %H:%M} UTC",
        "from": call.from_number or "unknown caller",
        "outcome": call.outcome or call.status,
        "duration": f"{minutes}:{seconds:02d}",
        "language": call.language,
    }


class CallsState(rx.State):
    loaded: bool = False
    rows: list[dict[str, str]] = []
    next_cursor: str = ""
    search_text: str = ""
    outcome: str = ANY
    errors: dict[str, str] = {}
    busy: bool = False
    # The call opened: its facts, then its turns and messages.
    opened: dict[str, str] = {}
    turns: list[dict[str, str]] = []
    messages: list[dict[str, str]] = []

    def _filters(self) -> call_log.CallFilters:
        return call_log.CallFilters(
            search=self.search_text or None,
            outcome=None if self.outcome == ANY else self.outcome,
        )

    async def _page(self, cursor: str | None) -> None:
        filters = self._filters()

        def read(s: Session, p: Principal, t: uuid.UUID) -> call_log.CallPage:
            return call_log.list_calls(
                s, principal=p, tenant_id=t, filters=filters, cursor=cursor, limit=PAGE
            )

        try:
            page = await run_in_tenant(self, read)
        except ServiceError as exc:
            self.errors = form_errors(exc)
            return
        if page is None:
            return
        found = [row_of(call) for call in page.items]
        self.rows = [*self.rows, *found] if cursor else found
        self.next_cursor = page.next_cursor or ""
        self.loaded = True

    @rx.event
    async def load(self) -> None:
        self.errors = {}
        self.opened = {}
        self.turns = []
        self.messages = []
        await self._page(None)

    @rx.event
    async def search(self, form: dict[str, Any]) -> AsyncIterator[None]:
        self.search_text = " ".join(str(form.get("search", "")).split())
        self.outcome = str(form.get("outcome", ANY)) or ANY
        self.errors = {}
        self.busy = True
        yield
        await self._page(None)
        self.busy = False

    @rx.event
    async def download_csv(self) -> EventSpec | None:
        """The calls the search and filter show (every page of them), as a spreadsheet."""
        filters = self._filters()

        def read(s: Session, p: Principal, t: uuid.UUID) -> str:
            return "".join(call_log.calls_csv(s, principal=p, tenant_id=t, filters=filters))

        text = await run_in_tenant(self, read)
        if text is None:
            return None
        name = f"calls-{datetime.now(UTC):%Y-%m-%d}.csv"
        return rx.download(data=text, filename=name, mime_type="text/csv")

    @rx.event
    async def more(self) -> AsyncIterator[None]:
        self.busy = True
        yield
        await self._page(self.next_cursor or None)
        self.busy = False

    @rx.event
    async def open_call(self, call_id: str) -> None:
        def read(s: Session, p: Principal, t: uuid.UUID) -> tuple[Any, Call | None]:
            detail = call_log.call_detail(s, principal=p, tenant_id=t, call_id=uuid.UUID(call_id))
            return detail, s.get(Call, detail.id)

        try:
            found = await run_in_tenant(self, read)
        except ServiceError as exc:
            self.errors = form_errors(exc)
            return
        if found is None:
            return
        detail, row = found
        sentiment = getattr(row, "sentiment", None)
        satisfaction = getattr(row, "satisfaction", None)
        self.opened = {
            **row_of(detail),
            "to": detail.to_number,
            "summary": getattr(row, "summary", None) or "Not analysed yet.",
            "sentiment": "" if sentiment is None else f"{sentiment:+.2f}",
            "satisfaction": "" if satisfaction is None else f"{satisfaction} / 5",
            "recording": detail.recording_url or "",
            "transfer": detail.transfer_to or "",
        }
        self.turns = [
            {
                "who": turn.speaker,
                "text": turn.text,
                "action": turn.action or "",
                "facts": " · ".join(f"[{f['category']}] {f['text'][:120]}" for f in turn.facts),
                "interrupted": "interrupted" if turn.interrupted else "",
            }
            for turn in detail.turns
        ]
        self.messages = [
            {"name": m.caller_name, "number": m.callback_number, "body": m.body}
            for m in detail.messages
        ]

    @rx.event
    def close_call(self) -> None:
        self.opened = {}
        self.turns = []
        self.messages = []


State = CallsState


def call_row(row: Any) -> rx.Component:
    return item_card(
        rx.vstack(
            rx.hstack(
                rx.text(row["from"], weight="bold"),
                rx.badge(row["outcome"], variant="soft"),
                spacing="2",
                wrap="wrap",
                align="center",
            ),
            muted(row["when"] + " · " + row["duration"] + " · " + row["language"]),
            spacing="1",
            width="100%",
        ),
        rx.button(
            "Open",
            variant="soft",
            on_click=State.open_call(row["id"]),  # type: ignore[operator]
            data_testid="call-open",
        ),
        data_testid="call-row",
    )


def turn_line(turn: Any) -> rx.Component:
    caller = turn["who"] == "caller"
    return speech_bubble(
        rx.text(turn["text"], size="2", overflow_wrap="anywhere"),
        rx.cond(
            (turn["action"] != "") | (turn["interrupted"] != ""),
            rx.hstack(
                rx.cond(turn["action"] != "", rx.badge(turn["action"], variant="soft")),
                muted(turn["interrupted"]),
                spacing="2",
            ),
        ),
        rx.cond(turn["facts"] != "", rx.text("Facts used: " + turn["facts"], size="1")),
        caller=caller,
        data_testid="call-turn",
    )


def opened_call() -> rx.Component:
    opened = State.opened
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(opened["from"], size="4"),
                rx.badge(opened["outcome"]),
                rx.spacer(),
                rx.button("Close", variant="ghost", on_click=State.close_call),
                width="100%",
                wrap="wrap",
                align="center",
            ),
            muted(opened["when"] + " · " + opened["duration"] + " · to " + opened["to"]),
            rx.text(opened["summary"], size="2", data_testid="call-summary"),
            rx.cond(
                opened["satisfaction"] != "",
                muted(
                    "Satisfaction " + opened["satisfaction"] + " · sentiment " + opened["sentiment"]
                ),
            ),
            rx.cond(opened["transfer"] != "", muted("Transferred to " + opened["transfer"])),
            rx.cond(
                opened["recording"] != "",
                rx.link("Recording", href=opened["recording"], is_external=True, size="2"),
            ),
            rx.foreach(
                State.messages,
                lambda m: rx.callout(
                    "Message from " + m["name"] + " (" + m["number"] + "): " + m["body"],
                    icon="message-square",
                    size="1",
                    width="100%",
                ),
            ),
            rx.vstack(rx.foreach(State.turns, turn_line), spacing="2", width="100%"),
            spacing="3",
            width="100%",
        ),
        width="100%",
        data_testid="call-detail",
    )


def filters() -> rx.Component:
    return rx.form(
        rx.flex(
            rx.input(
                name="search",
                placeholder="A caller's number, or words said",
                default_value=State.search_text,
                width="100%",
                data_testid="calls-search",
            ),
            rx.el.select(
                rx.el.option("Any outcome", value=ANY),
                *[rx.el.option(o.capitalize(), value=o) for o in OUTCOMES],
                name="outcome",
                default_value=State.outcome,
                style={"padding": "0.4rem", "border_radius": "var(--radius-2)"},
                data_testid="calls-outcome",
            ),
            rx.button("Search", disabled=State.busy, data_testid="calls-search-button"),
            rx.button(
                rx.icon("download", size=16),
                "CSV",
                type="button",
                variant="soft",
                on_click=State.download_csv,
                disabled=State.busy,
                data_testid="calls-csv",
            ),
            direction=rx.breakpoints(initial="column", sm="row"),
            spacing="2",
            width="100%",
        ),
        on_submit=State.search,
        width="100%",
    )


@template("Calls")
def calls_page() -> rx.Component:
    return rx.vstack(
        rx.heading("Calls", size="6"),
        muted("Every call the receptionist took, newest first. Open one to read it."),
        filters(),
        form_error(State.errors.get("", "")),
        form_error(State.errors.get("search", "")),
        rx.cond(State.opened.contains("id"), opened_call()),  # type: ignore[attr-defined]
        section(
            "Call log",
            rx.cond(
                State.rows.length() > 0,  # type: ignore[attr-defined]
                rx.vstack(rx.foreach(State.rows, call_row), spacing="2", width="100%"),
                rx.cond(State.loaded, muted("No calls match.")),
            ),
            rx.cond(
                State.next_cursor != "",
                rx.button("Show more", variant="soft", on_click=State.more, disabled=State.busy),
            ),
        ),
        spacing="4",
        width="100%",
        data_testid="calls",
    )
