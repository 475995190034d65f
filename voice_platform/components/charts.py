"""The dashboard's plotly figures, drawn from the read models of services/dashboard.py.

Every figure shares one compact layout: no title (the card has one), small margins, the legend
under the plot, so that each stays readable on a 390-px-wide phone."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from voice_platform.services.dashboard import Daily, Durations, Heatmap, Topics

HEIGHT = 280
# One colour per outcome, the same in every chart.
OUTCOME_COLORS = {
    "answered": "#30a46c",
    "transferred": "#3e63dd",
    "message": "#8e4ec6",
    "abandoned": "#f76b15",
    "spam": "#e5484d",
    "unrouted": "#8b8d98",
}
ACCENT = "#3e63dd"


def _layout(figure: go.Figure, **extra: Any) -> go.Figure:
    settings: dict[str, Any] = {
        "height": HEIGHT,
        "margin": {"l": 40, "r": 10, "t": 10, "b": 40},
        "legend": {"orientation": "h", "y": -0.25, "x": 0},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "font": {"size": 12},
        "hovermode": "x unified",
    }
    figure.update_layout(**(settings | extra))
    return figure


def calls_per_day(daily: Daily) -> go.Figure:
    days = [d.day.isoformat() for d in daily.days]
    figure = go.Figure(
        go.Bar(
            x=days,
            y=[d.calls for d in daily.days],
            name="Calls",
            marker_color=ACCENT,
            customdata=[d.minutes for d in daily.days],
            hovertemplate="%{y} calls, %{customdata} min<extra></extra>",
        )
    )
    return _layout(figure, showlegend=False)


def outcomes_over_time(daily: Daily) -> go.Figure:
    days = [d.day.isoformat() for d in daily.days]
    figure = go.Figure(
        [
            go.Bar(
                x=days,
                y=[d.outcomes.get(outcome, 0) for d in daily.days],
                name=outcome,
                marker_color=color,
            )
            for outcome, color in OUTCOME_COLORS.items()
            if any(d.outcomes.get(outcome, 0) for d in daily.days)
        ]
    )
    return _layout(figure, barmode="stack")


def sentiment_trend(daily: Daily) -> go.Figure:
    days = [d.day.isoformat() for d in daily.days]
    figure = go.Figure(
        [
            go.Scatter(
                x=days,
                y=[d.sentiment for d in daily.days],
                name="Sentiment (-1 to 1)",
                mode="lines+markers",
                connectgaps=True,
                line_color=ACCENT,
            ),
            go.Scatter(
                x=days,
                y=[d.satisfaction for d in daily.days],
                name="Satisfaction (1 to 5)",
                mode="lines+markers",
                connectgaps=True,
                line_color="#30a46c",
                yaxis="y2",
            ),
        ]
    )
    return _layout(
        figure,
        yaxis={"range": [-1, 1], "zeroline": True},
        yaxis2={"range": [1, 5], "overlaying": "y", "side": "right", "showgrid": False},
    )


def busy_hours(heatmap: Heatmap) -> go.Figure:
    figure = go.Figure(
        go.Heatmap(
            z=heatmap.counts,
            x=[f"{hour:02d}" for hour in heatmap.hours],
            y=heatmap.weekdays,
            colorscale="Blues",
            hovertemplate="%{y} %{x}:00 · %{z} calls<extra></extra>",
            showscale=False,
        )
    )
    return _layout(figure, yaxis={"autorange": "reversed"}, hovermode="closest")


def duration_bars(durations: Durations) -> go.Figure:
    figure = go.Figure(
        go.Bar(
            x=[bar.label for bar in durations.bars],
            y=[bar.calls for bar in durations.bars],
            marker_color=ACCENT,
            hovertemplate="%{x}: %{y} calls<extra></extra>",
        )
    )
    return _layout(figure, showlegend=False)


def top_topics(topics: Topics) -> go.Figure:
    ranked = list(reversed(topics.topics))
    figure = go.Figure(
        go.Bar(
            x=[t.calls for t in ranked],
            y=[t.topic.replace("_", " ") for t in ranked],
            orientation="h",
            marker_color=ACCENT,
            hovertemplate="%{y}: %{x} calls<extra></extra>",
        )
    )
    return _layout(figure, showlegend=False, margin={"l": 100, "r": 10, "t": 10, "b": 30})
