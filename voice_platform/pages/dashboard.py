"""The dashboard: what the receptionist did for the business over a period, for all agents or
one: totals, what the calls were worth, calls per day, outcomes, sentiment, busy hours, call
lengths and topics. It follows new calls live: a timer asks every few seconds whether a call
has started, ended or been analysed since, and redraws only then."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import plotly.graph_objects as go
import reflex as rx
from sqlmodel import Session

from voice_platform.components import charts
from voice_platform.components.forms import NATIVE_SELECT_STYLE, form_error, muted
from voice_platform.components.layout import template
from voice_platform.services import agents, dashboard
from voice_platform.services.dashboard import Dashboard, DashboardFilters, Kpis, Roi
from voice_platform.services.errors import InvalidInput, ServiceError
from voice_platform.services.principal import Principal
from voice_platform.state.auth import form_errors
from voice_platform.state.tenant_scope import run_in_tenant

ALL_AGENTS = "all"
QUICK_PERIODS = (7, 30, 90)
LIVE_INTERVAL_MS = 5000
# Shown for a figure with nothing to count (an average of no calls).
NONE = "n/a"


def _number(value: float | int | None, suffix: str = "", places: int = 0) -> str:
    if value is None:
        return NONE
    return f"{value:,.{places}f}{suffix}"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return NONE
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}:{rest:02d}"


def _money(currency: str, amount: Decimal | None) -> str:
    return "not set" if amount is None else f"{currency} {amount:,.2f}"


def kpi_cards(kpis: Kpis) -> list[dict[str, str]]:
    share = None if kpis.handled_share is None else kpis.handled_share * 100
    return [
        {"label": "Calls", "value": _number(kpis.calls), "id": "calls"},
        {"label": "Handled", "value": _number(share, " %"), "id": "handled"},
        {"label": "Minutes", "value": _number(kpis.minutes, places=1), "id": "minutes"},
        {
            "label": "Average call",
            "value": _duration(kpis.average_duration_seconds),
            "id": "average",
        },
        {"label": "Sentiment", "value": _number(kpis.sentiment, places=2), "id": "sentiment"},
        {
            "label": "Satisfaction",
            "value": _number(kpis.satisfaction, " / 5", places=1),
            "id": "satisfaction",
        },
        {"label": "After hours", "value": _number(kpis.after_hours), "id": "after-hours"},
        {"label": "Unanswered questions", "value": _number(kpis.unanswered), "id": "unanswered"},
    ]


# Where a card leads: the unanswered questions to the list that turns them into knowledge.
KPI_LINKS = {"unanswered": "/knowledge-gaps"}


def roi_lines(roi: Roi) -> list[dict[str, str]]:
    c = roi.currency
    return [
        {"label": "Calls answered", "value": _number(roi.calls_answered), "id": "answered"},
        {
            "label": "After-hours calls caught",
            "value": _number(roi.after_hours_caught),
            "id": "after-hours",
        },
        {"label": "Booked calls", "value": _number(roi.booked_calls), "id": "booked"},
        {
            "label": "Staff minutes saved",
            "value": _number(roi.staff_minutes_saved, places=1),
            "id": "staff-minutes",
        },
        {"label": "Staff time saved", "value": _money(c, roi.staff_cost_saved), "id": "staff"},
        {"label": "Bookings brought in", "value": _money(c, roi.booked_value), "id": "bookings"},
        {
            "label": f"Platform cost ({_number(roi.minutes, ' min', 1)} at "
            f"{c} {roi.cost_per_minute:g} a minute)",
            "value": _money(c, roi.platform_cost),
            "id": "cost",
        },
        {"label": "Value generated", "value": _money(c, roi.value_generated), "id": "value"},
        {"label": "Net", "value": _money(c, roi.net_value), "id": "net"},
    ]


class DashboardState(rx.State):
    loaded: bool = False
    busy: bool = False
    errors: dict[str, str] = {}
    since: str = ""
    until: str = ""
    agent: str = ALL_AGENTS
    # [id, name] of each agent, for the filter.
    agent_options: list[list[str]] = []
    # Changes when the period is set other than by the form, so that it shows the dates afresh.
    form_key: int = 0
    kpis: list[dict[str, str]] = []
    roi: list[dict[str, str]] = []
    roi_unset: bool = False
    has_calls: bool = False
    calls_figure: go.Figure = go.Figure()
    outcomes_figure: go.Figure = go.Figure()
    sentiment_figure: go.Figure = go.Figure()
    hours_figure: go.Figure = go.Figure()
    durations_figure: go.Figure = go.Figure()
    topics_figure: go.Figure = go.Figure()
    # What the live timer compares; it changes when a call starts, ends or is analysed.
    mark: str = ""
    updated: str = ""
    # A quick period ("last 7 days"): counted back from today, until the form is used again.
    days: int = 0

    def _filters(self) -> DashboardFilters:
        return DashboardFilters.parse(
            since=None if self.days else self.since,
            until=None if self.days else self.until,
            agent_id=None if self.agent == ALL_AGENTS else self.agent,
            days=self.days or None,
        )

    async def _refresh(self) -> None:
        filters = self._filters()

        def read(s: Session, p: Principal, t: uuid.UUID) -> tuple[Dashboard, list[Any], str]:
            found = dashboard.dashboard(s, principal=p, tenant_id=t, filters=filters)
            mark = dashboard.change_mark(s, principal=p, tenant_id=t)
            return found, agents.list_agents(s, principal=p, tenant_id=t), mark

        result = await run_in_tenant(self, read)
        if result is None:
            return
        found, agent_rows, mark = result
        self._show(found)
        self.agent_options = [[str(a.id), a.name] for a in agent_rows]
        self.mark = mark
        self.loaded = True

    def _show(self, found: Dashboard) -> None:
        self.since = found.daily.first.isoformat()
        self.until = found.daily.last.isoformat()
        self.kpis = kpi_cards(found.kpis)
        self.roi = roi_lines(found.roi)
        self.roi_unset = found.roi.booked_call_value is None or (
            found.roi.receptionist_hourly_cost is None
        )
        self.has_calls = found.kpis.calls > 0
        self.calls_figure = charts.calls_per_day(found.daily)
        self.outcomes_figure = charts.outcomes_over_time(found.daily)
        self.sentiment_figure = charts.sentiment_trend(found.daily)
        self.hours_figure = charts.busy_hours(found.heatmap)
        self.durations_figure = charts.duration_bars(found.durations)
        self.topics_figure = charts.top_topics(found.topics)
        self.updated = datetime.now(ZoneInfo(found.daily.time_zone)).strftime("%H:%M:%S")

    @rx.event
    async def load(self) -> None:
        self.errors = {}
        await self._refresh()
        self.form_key += 1

    @rx.event
    async def apply(self, form: dict[str, Any]) -> AsyncIterator[None]:
        """The form's period and agent; a wrong one is shown and the figures stay as they were."""
        self.errors = {}
        since = str(form.get("since", "")).strip()
        until = str(form.get("until", "")).strip()
        agent = str(form.get("agent", ALL_AGENTS)) or ALL_AGENTS
        try:
            DashboardFilters.parse(
                since=since, until=until, agent_id=None if agent == ALL_AGENTS else agent
            ).check()
        except InvalidInput as exc:
            self.errors = form_errors(exc)
            return
        self.since, self.until, self.agent, self.days = since, until, agent, 0
        self.busy = True
        yield
        await self._refresh()
        self.busy = False

    @rx.event
    async def last_days(self, days: int) -> AsyncIterator[None]:
        self.errors = {}
        self.days = days
        self.busy = True
        yield
        await self._refresh()
        # The form shows the quick period's dates.
        self.form_key += 1
        self.busy = False

    @rx.event
    async def tick(self, _moment: str) -> None:
        """The live timer: reload only when the business's calls have changed."""
        if not self.loaded or self.busy:
            return

        def read(s: Session, p: Principal, t: uuid.UUID) -> str:
            return dashboard.change_mark(s, principal=p, tenant_id=t)

        try:
            mark = await run_in_tenant(self, read)
        except ServiceError:
            return
        if mark is not None and mark != self.mark:
            await self._refresh()


State = DashboardState


def kpi_card(kpi: Any) -> rx.Component:
    card = rx.card(
        rx.vstack(
            muted(kpi["label"]),
            rx.text(kpi["value"], size="6", weight="bold", data_testid="kpi-value"),
            spacing="1",
        ),
        width="100%",
        height="100%",
        data_testid="kpi-" + kpi["id"],
    )
    return rx.match(
        kpi["id"],
        *[
            (name, rx.link(card, href=href, underline="none", data_testid=f"kpi-link-{name}"))
            for name, href in KPI_LINKS.items()
        ],
        card,
    )


def roi_line(line: Any) -> rx.Component:
    return rx.hstack(
        rx.text(line["label"], size="2"),
        rx.spacer(),
        rx.text(line["value"], size="2", weight="bold", white_space="nowrap"),
        width="100%",
        align="center",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        padding_y="var(--space-1)",
        data_testid="roi-" + line["id"],
    )


def roi_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("What the calls were worth", size="4", as_="h2"),
            rx.vstack(rx.foreach(State.roi, roi_line), spacing="1", width="100%"),
            rx.cond(
                State.roi_unset,
                rx.text(
                    "Set what a booked call is worth and what a receptionist hour costs in ",
                    rx.link("Settings", href="/settings"),
                    " to see the value.",
                    size="2",
                    data_testid="roi-unset",
                ),
            ),
            rx.text(
                "Answered: the agent answered, transferred or took a message. Booked: the "
                "caller asked about booking and the agent answered or took the request. Staff "
                "minutes: calls the agent handled without a person.",
                size="1",
                color_scheme="gray",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        data_testid="roi",
    )


def chart(title: str, figure: Any, testid: str) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(title, size="3", as_="h2"),
            rx.box(
                rx.plotly.cartesian(
                    data=figure,
                    use_resize_handler=True,
                    config={"displayModeBar": False, "responsive": True},
                    style={"width": "100%", "height": f"{charts.HEIGHT}px"},
                ),
                width="100%",
                min_width="0",
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        min_width="0",
        data_testid=testid,
    )


def labelled(label: str, control: rx.Component, control_id: str) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=control_id, font_size="var(--font-size-2)"),
        control,
        spacing="1",
    )


def day_input(name: str, value: Any) -> rx.Component:
    return rx.input(name=name, id=name, type="date", default_value=value, data_testid=name)


def filters() -> rx.Component:
    return rx.form(
        rx.flex(
            labelled("From", day_input("since", State.since), "since"),
            labelled("To", day_input("until", State.until), "until"),
            labelled(
                "Agent",
                rx.el.select(
                    rx.el.option("All agents", value=ALL_AGENTS),
                    rx.foreach(State.agent_options, lambda a: rx.el.option(a[1], value=a[0])),
                    name="agent",
                    id="agent",
                    default_value=State.agent,
                    style={**NATIVE_SELECT_STYLE, "min_width": "10rem"},
                    data_testid="agent",
                ),
                "agent",
            ),
            rx.button("Show", disabled=State.busy, size="3", data_testid="dashboard-apply"),
            direction=rx.breakpoints(initial="column", sm="row"),
            align=rx.breakpoints(initial="stretch", sm="end"),
            spacing="3",
            wrap="wrap",
            width="100%",
        ),
        key=State.form_key,
        on_submit=State.apply,
        width="100%",
    )


def quick_periods() -> rx.Component:
    return rx.hstack(
        *[
            rx.button(
                f"{days} days",
                variant="soft",
                size="1",
                on_click=State.last_days(days),  # type: ignore[operator]
                disabled=State.busy,
                data_testid=f"last-{days}",
            )
            for days in QUICK_PERIODS
        ],
        spacing="2",
        wrap="wrap",
    )


@template("Dashboard")
def dashboard_page() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading("Dashboard", size="6"),
            rx.spacer(),
            rx.cond(
                State.updated != "",
                rx.badge(
                    "Live · updated " + State.updated,
                    color_scheme="green",
                    variant="soft",
                    data_testid="live",
                ),
            ),
            width="100%",
            align="center",
        ),
        muted("What your receptionist did for you, day by day, in your business's time zone."),
        filters(),
        quick_periods(),
        form_error(State.errors.get("", "")),
        form_error(State.errors.get("since", ""), testid="since-error"),
        form_error(State.errors.get("until", ""), testid="until-error"),
        rx.moment(interval=LIVE_INTERVAL_MS, on_change=State.tick, display="none"),
        rx.cond(
            State.loaded,
            rx.vstack(
                rx.grid(
                    rx.foreach(State.kpis, kpi_card),
                    columns=rx.breakpoints(initial="2", md="4"),
                    spacing="3",
                    width="100%",
                    data_testid="kpis",
                ),
                rx.cond(
                    ~State.has_calls,
                    rx.callout(
                        "No calls in this period yet. Try a test call from an agent's console, "
                        "or a longer period.",
                        icon="info",
                        data_testid="no-calls",
                    ),
                ),
                roi_card(),
                rx.grid(
                    chart("Calls per day", State.calls_figure, "chart-calls"),
                    chart("Outcomes", State.outcomes_figure, "chart-outcomes"),
                    chart("Sentiment and satisfaction", State.sentiment_figure, "chart-sentiment"),
                    chart("Busy hours", State.hours_figure, "chart-hours"),
                    chart("Call lengths", State.durations_figure, "chart-durations"),
                    chart("Top topics", State.topics_figure, "chart-topics"),
                    columns=rx.breakpoints(initial="1", lg="2"),
                    spacing="3",
                    width="100%",
                ),
                spacing="4",
                width="100%",
            ),
        ),
        spacing="4",
        width="100%",
        data_testid="dashboard",
    )
