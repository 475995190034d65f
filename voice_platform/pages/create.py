"""One-URL agent creation: the wizard's form at /agents/new, then the creation as it happens
at /agents/{id}/creating (live steps, cancel, try again) and the review of what was made.
Owners and admins create agents; anyone in the business may watch one being made."""

from __future__ import annotations

from typing import Any

import reflex as rx

from voice_platform.components.forms import (
    NATIVE_SELECT_STYLE,
    field,
    form_cell,
    form_error,
    form_row,
    muted,
    not_allowed,
    submit_button,
    text_input,
)
from voice_platform.components.layout import template
from voice_platform.state.create_wizard import (
    VOICE_AUTO,
    VOICE_CATALOGUE,
    VOICE_DESIGN,
    CreateWizardState,
    CreationProgressState,
)

Wizard = CreateWizardState
Progress = CreationProgressState
NO_BUSINESS = "You are not acting as a business. Staff: impersonate one from the Staff page."


# --- step 1: the form ---


def voice_mode(value: str, label: str, hint: str) -> rx.Component:
    return rx.el.label(
        rx.flex(
            rx.radio_group.item(value=value, data_testid=f"voice-mode-{value}"),
            rx.vstack(
                rx.text(label, size="2"), rx.text(hint, size="1", color_scheme="gray"), spacing="0"
            ),
            spacing="2",
            align="start",
        ),
        cursor="pointer",
    )


def voice_options() -> rx.Component:
    return rx.vstack(
        rx.text("Voice", size="2", weight="medium"),
        rx.radio_group.root(
            rx.flex(
                voice_mode(VOICE_AUTO, "Choose for me", "A clear voice in the first language."),
                voice_mode(VOICE_CATALOGUE, "Pick one", "From the voice catalogue."),
                voice_mode(VOICE_DESIGN, "Design one for me", "Made to suit the business."),
                direction="column",
                spacing="2",
            ),
            value=Wizard.voice_mode,
            on_change=Wizard.set_voice_mode,
            data_testid="voice-mode",
        ),
        rx.cond(
            Wizard.voice_mode == VOICE_CATALOGUE,
            rx.flex(
                rx.el.select(
                    rx.foreach(Wizard.voice_choices, lambda c: rx.el.option(c[1], value=c[0])),
                    value=Wizard.voice_id,
                    on_change=Wizard.set_voice_id,
                    id="wizard_voice",
                    name="voice_id",
                    aria_label="Voice",
                    data_testid="wizard-voice",
                    style=NATIVE_SELECT_STYLE,
                ),
                rx.button(
                    rx.cond(Wizard.playing, rx.spinner(size="2"), rx.icon("play", size=16)),
                    "Play",
                    type="button",
                    variant="soft",
                    size="3",
                    disabled=Wizard.playing | (Wizard.voice_id == ""),
                    on_click=Wizard.play,
                    data_testid="wizard-voice-play",
                ),
                spacing="2",
                align="center",
                width="100%",
            ),
        ),
        rx.cond(
            Wizard.audio != "",
            rx.el.audio(
                src=Wizard.audio,
                auto_play=True,
                controls=True,
                style={"width": "100%"},
                data_testid="wizard-voice-audio",
            ),
        ),
        spacing="2",
        width="100%",
    )


def wizard_form() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading("Your website is all it takes", size="5", as_="h2"),
                muted(
                    "We read your site, learn your hours, services and prices, write a "
                    "greeting, choose a voice and get a phone number. It takes a minute or two."
                ),
                form_error(Wizard.errors.get("", "")),
                field(
                    "Website",
                    rx.input(
                        name="url",
                        id="url",
                        type="text",
                        input_mode="url",
                        placeholder="https://yourbusiness.com",
                        auto_complete="url",
                        auto_focus=True,
                        on_change=Wizard.check_url,
                        size="3",
                        width="100%",
                        data_testid="url",
                    ),
                    rx.cond(Wizard.url_error != "", Wizard.url_error, Wizard.errors.get("url", "")),
                    control_id="url",
                ),
                field(
                    "Agent name (optional)",
                    text_input("name", control_id="wizard_name", placeholder="Front desk"),
                    Wizard.errors.get("name", ""),
                    control_id="wizard_name",
                    hint="Left empty, the agent takes the business's name.",
                ),
                form_row(
                    form_cell(
                        field(
                            "Area code (optional)",
                            text_input("area_code", control_id="area_code", placeholder="512"),
                            Wizard.errors.get("area_code", ""),
                            control_id="area_code",
                            hint="Where the phone number comes from.",
                        ),
                        min_width="6rem",
                    ),
                    form_cell(
                        field(
                            "Languages",
                            text_input(
                                "languages",
                                control_id="wizard_languages",
                                default_value="en",
                                placeholder="en, es",
                            ),
                            Wizard.errors.get("languages", ""),
                            control_id="wizard_languages",
                            hint="Codes, separated by commas: en, es, fr…",
                        ),
                        min_width="8rem",
                    ),
                ),
                voice_options(),
                rx.flex(
                    submit_button(
                        "Create my agent",
                        testid="create-submit",
                        disabled=~Wizard.url_ok | Wizard.busy,
                    ),
                    rx.link("or create one by hand", href="/agents", size="2"),
                    spacing="4",
                    align="center",
                    wrap="wrap",
                ),
                spacing="4",
                width="100%",
            ),
            on_submit=Wizard.submit,
            width="100%",
        ),
        width="100%",
        max_width="40rem",
        data_testid="create-form",
    )


@template("New agent")
def create_page() -> rx.Component:
    return rx.box(
        rx.cond(
            Wizard.no_tenant,
            not_allowed(NO_BUSINESS),
            rx.cond(
                Wizard.loaded,
                rx.cond(
                    Wizard.can_create,
                    wizard_form(),
                    not_allowed("Only owners and admins of the business can create agents."),
                ),
            ),
        ),
        width="100%",
        data_testid="create-wizard",
    )


# --- step 2: the creation as it happens ---


def job_badge(status: Any) -> rx.Component:
    return rx.badge(
        rx.match(
            status,
            ("queued", "Waiting"),
            ("running", "Working"),
            ("succeeded", "Active"),
            ("failed", "Failed"),
            ("cancelled", "Cancelled"),
            status,
        ),
        color_scheme=rx.match(
            status, ("succeeded", "green"), ("failed", "red"), ("cancelled", "gray"), "blue"
        ),
        size="2",
        data_testid="creation-status",
    )


def step_icon(status: Any) -> rx.Component:
    return rx.box(
        rx.match(
            status,
            ("done", rx.icon("circle-check", size=20, color=rx.color("green", 9))),
            ("running", rx.spinner(size="3")),
            ("failed", rx.icon("circle-x", size=20, color=rx.color("red", 9))),
            rx.icon("circle", size=20, color=rx.color("gray", 8)),
        ),
        flex_shrink="0",
        padding_top="2px",
    )


def step_row(step: Any) -> rx.Component:
    return rx.hstack(
        step_icon(step["status"]),
        rx.vstack(
            rx.text(step["label"], weight="medium", size="3"),
            rx.cond(
                step["detail"] != "",
                muted(step["detail"], overflow_wrap="anywhere", data_testid="step-detail"),
            ),
            spacing="0",
            flex="1",
            min_width="0",
        ),
        rx.badge(
            rx.match(
                step["status"],
                ("done", "Done"),
                ("running", "Working"),
                ("failed", "Failed"),
                "Waiting",
            ),
            color_scheme=rx.match(
                step["status"], ("done", "green"), ("running", "blue"), ("failed", "red"), "gray"
            ),
            variant="soft",
            flex_shrink="0",
            data_testid="step-status",
        ),
        align="start",
        spacing="3",
        width="100%",
        data_testid="creation-step-" + step["name"],
    )


def progress_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.progress(value=Progress.percent, max=100, size="3", flex="1"),
                rx.text(Progress.percent, "%", size="2", data_testid="creation-percent"),
                align="center",
                spacing="3",
                width="100%",
            ),
            rx.text(
                Progress.message,
                weight="medium",
                overflow_wrap="anywhere",
                role="status",
                data_testid="creation-message",
            ),
            rx.cond(
                Progress.current_page != "",
                muted(
                    "Reading " + Progress.current_page,
                    overflow_wrap="anywhere",
                    data_testid="creation-current",
                ),
            ),
            rx.divider(),
            rx.foreach(Progress.steps, step_row),
            rx.cond(
                Progress.can_edit & ~Progress.finished,
                rx.button(
                    "Cancel",
                    variant="soft",
                    color_scheme="gray",
                    disabled=Progress.busy,
                    on_click=Progress.cancel,
                    data_testid="creation-cancel",
                ),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        data_testid="creation-progress",
    )


def failure() -> rx.Component:
    return rx.callout(
        rx.vstack(
            rx.text(Progress.error, overflow_wrap="anywhere", data_testid="creation-error"),
            rx.flex(
                rx.cond(
                    Progress.can_edit,
                    rx.button(
                        rx.icon("rotate-ccw", size=16),
                        "Try again",
                        disabled=Progress.busy,
                        on_click=Progress.retry,
                        data_testid="creation-retry",
                    ),
                ),
                rx.link("Open the agent anyway", href="/agents/" + Progress.agent_id, size="2"),
                spacing="4",
                align="center",
                wrap="wrap",
            ),
            spacing="3",
        ),
        icon="triangle-alert",
        color_scheme="red",
        role="alert",
        width="100%",
        data_testid="creation-failed",
    )


def review_item(label: str, *children: rx.Component) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="2", weight="bold", color_scheme="gray"),
        *children,
        spacing="1",
        width="100%",
    )


def knowledge_summary() -> rx.Component:
    return review_item(
        "Knowledge",
        rx.text(
            Progress.review["facts"] + " facts from " + Progress.review["pages"] + " pages.",
            data_testid="review-facts",
        ),
        rx.cond(
            Progress.gaps,
            rx.vstack(
                muted("Nothing was found about these; callers may ask, so add what you can:"),
                rx.flex(
                    rx.foreach(
                        Progress.gaps,
                        lambda gap: rx.badge(
                            gap, color_scheme="amber", variant="soft", data_testid="review-gap"
                        ),
                    ),
                    spacing="2",
                    wrap="wrap",
                ),
                spacing="2",
                width="100%",
                data_testid="review-gaps",
            ),
            muted("Something was found on every topic."),
        ),
        rx.link(
            "Review the knowledge",
            href="/agents/" + Progress.agent_id + "/knowledge",
            size="2",
            data_testid="review-knowledge",
        ),
    )


def review() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Meet your receptionist", size="4", as_="h2"),
            review_item(
                "Greeting",
                rx.text("“", Progress.review["greeting"], "”", data_testid="review-greeting"),
            ),
            review_item(
                "Voice",
                rx.hstack(
                    rx.text(Progress.review["voice"], data_testid="review-voice"),
                    rx.button(
                        rx.cond(Progress.playing, rx.spinner(size="2"), rx.icon("play", size=16)),
                        "Play",
                        type="button",
                        variant="soft",
                        size="1",
                        disabled=Progress.playing,
                        on_click=Progress.play,
                        data_testid="review-play",
                    ),
                    align="center",
                    spacing="3",
                    wrap="wrap",
                ),
                rx.cond(
                    Progress.audio != "",
                    rx.el.audio(
                        src=Progress.audio,
                        auto_play=True,
                        controls=True,
                        style={"width": "100%"},
                        data_testid="review-audio",
                    ),
                ),
            ),
            review_item(
                "Phone number",
                rx.text(
                    rx.cond(Progress.review["number"] != "", Progress.review["number"], "None yet"),
                    size="4",
                    data_testid="review-number",
                ),
            ),
            knowledge_summary(),
            rx.link(
                rx.button(rx.icon("phone-call", size=16), "Try it", size="3"),
                href="/agents/" + Progress.agent_id,
                data_testid="try-it",
            ),
            spacing="4",
            width="100%",
        ),
        width="100%",
        data_testid="creation-review",
    )


def creation_content() -> rx.Component:
    return rx.vstack(
        rx.link(rx.hstack(rx.icon("arrow-left", size=16), "All agents"), href="/agents", size="2"),
        rx.flex(
            rx.heading(
                Progress.agent_name,
                size="6",
                overflow_wrap="anywhere",
                data_testid="creation-title",
            ),
            job_badge(Progress.status),
            spacing="3",
            align="center",
            wrap="wrap",
        ),
        muted("From " + Progress.site, overflow_wrap="anywhere", data_testid="creation-site"),
        form_error(Progress.action_error, testid="creation-action-error"),
        rx.cond((Progress.status == "failed") | (Progress.status == "cancelled"), failure()),
        rx.cond(Progress.status == "succeeded", review()),
        progress_card(),
        spacing="4",
        width="100%",
        max_width="48rem",
    )


@template("Creating an agent")
def creation_page() -> rx.Component:
    return rx.box(
        rx.cond(
            Progress.no_tenant,
            not_allowed(NO_BUSINESS),
            rx.cond(
                Progress.missing,
                rx.callout(
                    rx.text(
                        "This agent was not created from a website, does not exist, or belongs "
                        "to another business. ",
                        rx.link("See your agents", href="/agents"),
                        ".",
                    ),
                    icon="search-x",
                    color_scheme="gray",
                    width="100%",
                    data_testid="creation-not-found",
                ),
                rx.cond(Progress.loaded, creation_content()),
            ),
        ),
        width="100%",
        on_unmount=Progress.stop_watching,
        data_testid="creation",
    )
