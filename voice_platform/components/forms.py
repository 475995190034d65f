"""Form pieces the pages share: labelled fields with their own error, form-wide messages,
the time-zone picker, and the card lists that stand in for tables (they fit a phone)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from voice_platform.services.tenants import time_zones

ERROR_COLOR = "red"


def field(
    label: Any,
    control: rx.Component,
    error: Any = "",
    *,
    control_id: str,
    hint: Any = "",
) -> rx.Component:
    """A label, its control, an optional hint, and the control's own error message."""
    return rx.vstack(
        rx.el.label(
            rx.text(label, size="2", weight="medium"),
            html_for=control_id,
        ),
        control,
        rx.text(hint, size="1", color_scheme="gray") if hint else rx.fragment(),
        rx.cond(
            error != "",
            rx.text(
                error,
                size="2",
                color_scheme=ERROR_COLOR,
                data_testid=f"{control_id}-error",
                role="alert",
            ),
        ),
        spacing="1",
        width="100%",
    )


def text_input(
    name: str,
    *,
    control_id: str,
    type_: str = "text",
    default_value: Any = None,
    placeholder: Any = "",
    disabled: Any = False,
    auto_complete: str = "off",
    required: bool = False,
    **extra: Any,
) -> rx.Component:
    """A text box; `extra` goes to the input as it is (input_mode, max_length…)."""
    props: dict[str, Any] = dict(extra)
    if default_value is not None:
        props["default_value"] = default_value
    return rx.input(
        name=name,
        id=control_id,
        type=type_,
        placeholder=placeholder,
        disabled=disabled,
        auto_complete=auto_complete,
        required=required,
        size="3",
        width="100%",
        data_testid=control_id,
        **props,
    )


NATIVE_SELECT_STYLE = {
    "width": "100%",
    "height": "var(--space-7)",
    "padding": "0 var(--space-3)",
    "border": "1px solid var(--gray-a7)",
    "border_radius": "var(--radius-2)",
    "background": "var(--color-surface)",
    "color": "var(--gray-12)",
    "font_size": "var(--font-size-3)",
    "font_family": "inherit",
}


def native_select(
    name: str,
    options: list[tuple[str, str]],
    *,
    control_id: str,
    default_value: Any = None,
    disabled: Any = False,
    **extra: Any,
) -> rx.Component:
    """The browser's own select: long lists stay searchable by typing, and phones show their
    native picker. `extra` goes to the select as it is (event handlers…)."""
    props: dict[str, Any] = dict(extra)
    if default_value is not None:
        props["default_value"] = default_value
    return rx.el.select(
        *[rx.el.option(label, value=value) for value, label in options],
        name=name,
        id=control_id,
        disabled=disabled,
        data_testid=control_id,
        style=NATIVE_SELECT_STYLE,
        **props,
    )


def time_zone_select(
    name: str = "time_zone",
    *,
    control_id: str = "time_zone",
    default_value: Any = "UTC",
    disabled: Any = False,
    **extra: Any,
) -> rx.Component:
    return native_select(
        name,
        [(zone, zone.replace("_", " ")) for zone in time_zones()],
        control_id=control_id,
        default_value=default_value,
        disabled=disabled,
        **extra,
    )


def form_error(message: Any, *, testid: str = "form-error") -> rx.Component:
    """The error that belongs to the form as a whole (no single field)."""
    return rx.cond(
        message != "",
        rx.callout(
            message,
            icon="triangle-alert",
            color_scheme=ERROR_COLOR,
            role="alert",
            width="100%",
            data_testid=testid,
        ),
    )


def success_message(message: Any, *, testid: str = "form-success") -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(
            message,
            icon="circle-check",
            color_scheme="green",
            role="status",
            width="100%",
            data_testid=testid,
        ),
    )


def submit_button(label: str, *, testid: str, disabled: Any = False) -> rx.Component:
    return rx.button(label, type="submit", size="3", disabled=disabled, data_testid=testid)


def narrow_card(*children: rx.Component, testid: str) -> rx.Component:
    """A card for the small forms (log in, sign up): full width on a phone."""
    return rx.card(
        rx.vstack(*children, spacing="4", width="100%"),
        width="100%",
        max_width="28rem",
        size=rx.breakpoints(initial="2", sm="3"),
        data_testid=testid,
    )


def not_allowed(message: str, *, testid: str = "not-allowed") -> rx.Component:
    return rx.callout(
        message,
        icon="lock",
        color_scheme="amber",
        width="100%",
        data_testid=testid,
    )


def section(title: str, *children: rx.Component, testid: str = "") -> rx.Component:
    props = {"data_testid": testid} if testid else {}
    return rx.vstack(
        rx.heading(title, size="4", as_="h2"),
        *children,
        spacing="3",
        width="100%",
        **props,
    )


def item_card(*children: rx.Component, **props: Any) -> rx.Component:
    """One row of a list, as a card whose parts wrap on a narrow screen."""
    return rx.card(
        rx.flex(
            *children,
            direction=rx.breakpoints(initial="column", md="row"),
            align=rx.breakpoints(initial="start", md="center"),
            spacing="3",
            wrap="wrap",
            width="100%",
        ),
        width="100%",
        **props,
    )


def muted(text: Any, **props: Any) -> rx.Component:
    return rx.text(text, size="2", color_scheme="gray", **props)


def form_row(*children: rx.Component) -> rx.Component:
    """Fields side by side with their button at the end; stacked on a phone."""
    return rx.flex(
        *children,
        direction=rx.breakpoints(initial="column", sm="row"),
        align=rx.breakpoints(initial="stretch", sm="end"),
        spacing="3",
        width="100%",
    )


def form_cell(child: rx.Component, *, grow: str = "1", min_width: str = "8rem") -> rx.Component:
    return rx.box(
        child,
        flex=rx.breakpoints(initial="none", sm=grow),
        min_width=rx.breakpoints(initial="0", sm=min_width),
    )


def pager(
    range_label: Any,
    *,
    previous: Any,
    next_: Any,
    has_previous: Any,
    has_next: Any,
    labels: tuple[str, str] = ("Previous", "Next"),
    testid: str = "pager",
) -> rx.Component:
    """Which rows are shown, and buttons to the pages before and after."""
    return rx.flex(
        muted(range_label, data_testid=f"{testid}-range"),
        rx.hstack(
            rx.button(
                labels[0],
                on_click=previous,
                disabled=~has_previous,
                variant="soft",
                data_testid=f"{testid}-previous",
            ),
            rx.button(
                labels[1],
                on_click=next_,
                disabled=~has_next,
                variant="soft",
                data_testid=f"{testid}-next",
            ),
            spacing="2",
        ),
        justify="between",
        align="center",
        spacing="3",
        wrap="wrap",
        width="100%",
    )
