"""The voice picker on an agent's page (state: state/voice_picker.py)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from voice_platform.components.forms import (
    field,
    form_cell,
    form_error,
    form_row,
    item_card,
    muted,
    native_select,
    submit_button,
    success_message,
    text_input,
)
from voice_platform.state.voice_picker import GENDERS, LANGUAGES, VoicePickerState

State = VoicePickerState


def filters() -> rx.Component:
    return rx.form(
        form_row(
            form_cell(
                field(
                    "Search",
                    text_input("search", control_id="voice_search", placeholder="warm, british…"),
                    "",
                    control_id="voice_search",
                ),
                min_width="10rem",
            ),
            form_cell(
                field(
                    "Language",
                    native_select("language", LANGUAGES, control_id="voice_language"),
                    "",
                    control_id="voice_language",
                )
            ),
            form_cell(
                field(
                    "Voice",
                    native_select("gender", GENDERS, control_id="voice_gender"),
                    "",
                    control_id="voice_gender",
                )
            ),
            submit_button("Find", testid="voice-find", disabled=State.busy),
        ),
        on_submit=State.search,
        width="100%",
    )


def voice_card(voice: Any) -> rx.Component:
    chosen = voice["voice_id"] == State.current
    return item_card(
        rx.vstack(
            rx.hstack(
                rx.text(voice["name"], weight="medium"),
                rx.cond(
                    voice["category"] == "designed",
                    rx.badge("Designed", color_scheme="iris", variant="soft"),
                ),
                rx.cond(chosen, rx.badge("In use", color_scheme="green")),
                spacing="2",
                wrap="wrap",
                align="center",
            ),
            muted(voice["labels"]),
            spacing="1",
            flex="1",
            min_width="0",
        ),
        rx.hstack(
            rx.button(
                rx.cond(
                    (State.playing == voice["voice_id"]) & (State.audio == ""),
                    rx.spinner(size="2"),
                    rx.icon("play", size=16),
                ),
                "Play",
                type="button",
                variant="soft",
                on_click=State.play(voice["voice_id"]),  # type: ignore[operator]
                data_testid="voice-play",
            ),
            rx.cond(
                State.can_edit & ~chosen,
                rx.button(
                    "Use",
                    type="button",
                    on_click=State.use(voice["voice_id"], voice["name"]),  # type: ignore[operator]
                    disabled=State.busy,
                    data_testid="voice-use",
                ),
            ),
            spacing="2",
        ),
        data_testid="voice-card",
    )


def candidate(option: Any) -> rx.Component:
    return item_card(
        rx.form(
            rx.vstack(
                rx.text(option["label"], weight="medium"),
                rx.el.audio(src=option["audio"], controls=True, style={"width": "100%"}),
                rx.el.input(type="hidden", name="generated_voice_id", value=option["id"]),
                form_row(
                    form_cell(
                        field(
                            "Name it",
                            text_input(
                                "name", control_id="designed-name", placeholder="Front desk"
                            ),
                            State.errors.get("name", ""),
                            control_id="designed-name",
                        ),
                        min_width="10rem",
                    ),
                    submit_button("Keep this one", testid="voice-keep", disabled=State.busy),
                ),
                spacing="2",
                width="100%",
            ),
            on_submit=State.keep,
            width="100%",
        ),
        data_testid="voice-candidate",
    )


def designer() -> rx.Component:
    return rx.vstack(
        rx.cond(
            State.description == "",
            rx.button(
                rx.icon("wand-sparkles", size=16),
                "Design a voice",
                type="button",
                variant="soft",
                on_click=State.start_design,
                data_testid="voice-design-start",
            ),
            rx.vstack(
                muted("1 · Describe it  ·  2 · Listen  ·  3 · Keep one"),
                rx.text_area(
                    value=State.description,
                    on_change=State.set_description,
                    rows="3",
                    width="100%",
                    data_testid="voice-description",
                ),
                form_error(State.errors.get("description", ""), testid="voice-description-error"),
                rx.button(
                    rx.cond(
                        State.designing, rx.spinner(size="2"), rx.icon("wand-sparkles", size=16)
                    ),
                    rx.cond(State.designing, "Designing voices…", "Design"),
                    type="button",
                    disabled=State.designing,
                    on_click=State.design,
                    data_testid="voice-design",
                ),
                rx.foreach(State.candidates, candidate),
                spacing="2",
                width="100%",
            ),
        ),
        width="100%",
    )


def voice_picker() -> rx.Component:
    return rx.vstack(
        form_error(State.errors.get("", ""), testid="voice-error"),
        success_message(State.notice, testid="voice-notice"),
        filters(),
        rx.cond(
            State.audio != "",
            rx.el.audio(
                src=State.audio,
                auto_play=True,
                controls=True,
                style={"width": "100%"},
                data_testid="voice-audio",
            ),
        ),
        rx.box(
            rx.foreach(State.voices, voice_card),
            max_height="24rem",
            overflow_y="auto",
            width="100%",
        ),
        rx.cond(State.can_edit, designer()),
        spacing="3",
        width="100%",
        data_testid="voice-picker",
    )
