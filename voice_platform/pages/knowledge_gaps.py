"""Unanswered questions: what callers asked that the receptionist could not answer, grouped by
meaning, most asked first. "Answer this" opens an editor with an answer drafted from the
business's own pages (with the page it came from), or empty when nothing there answers it;
approving puts it in the knowledge base and asks the agent again, to show it now answers."""

from __future__ import annotations

from typing import Any

import reflex as rx

from voice_platform.components.forms import (
    NATIVE_SELECT_STYLE,
    field,
    form_error,
    item_card,
    muted,
    not_allowed,
    success_message,
    text_input,
)
from voice_platform.components.layout import template
from voice_platform.components.speech import speech_bubble
from voice_platform.state.knowledge_gaps import ALL
from voice_platform.state.knowledge_gaps import KnowledgeGapsState as State


def agent_filter() -> rx.Component:
    return rx.form(
        rx.flex(
            rx.el.select(
                rx.el.option("All agents", value=ALL),
                rx.foreach(State.agents, lambda a: rx.el.option(a["name"], value=a["id"])),
                name="agent",
                default_value=State.agent,
                aria_label="Agent",
                style={**NATIVE_SELECT_STYLE, "max_width": "24rem"},
                data_testid="gaps-agent",
            ),
            rx.button("Show", variant="soft", disabled=State.busy, data_testid="gaps-show"),
            direction="row",
            spacing="2",
            width="100%",
        ),
        on_submit=State.choose_agent,
        width="100%",
    )


def editor() -> rx.Component:
    """The answer to approve: drafted from the site with its source, or the owner's own."""
    draft = State.draft
    return rx.cond(
        State.drafting,
        rx.hstack(rx.spinner(size="2"), muted("Looking for an answer on your site…")),
        rx.form(
            rx.vstack(
                rx.cond(
                    draft["found"] == "yes",
                    rx.callout(
                        rx.text(
                            "Drafted from ",
                            rx.link(
                                rx.cond(
                                    draft["source_title"] != "",
                                    draft["source_title"],
                                    draft["source_url"],
                                ),
                                href=draft["source_url"],
                                is_external=True,
                                overflow_wrap="anywhere",
                                data_testid="gap-source",
                            ),
                            ". Check it before you approve.",
                        ),
                        icon="file-text",
                        size="1",
                        width="100%",
                        data_testid="gap-drafted",
                    ),
                    rx.callout(
                        "No draft found — write the answer.",
                        icon="pencil",
                        color_scheme="amber",
                        size="1",
                        width="100%",
                        data_testid="gap-no-draft",
                    ),
                ),
                field(
                    "Question",
                    text_input(
                        "question", control_id="gap-question", default_value=draft["question"]
                    ),
                    State.errors.get("question", ""),
                    control_id="gap-question",
                ),
                field(
                    "Answer",
                    rx.text_area(
                        name="answer",
                        id="gap-answer-text",
                        default_value=draft["answer"],
                        placeholder="What the receptionist should say",
                        rows="4",
                        width="100%",
                        data_testid="gap-answer-text",
                    ),
                    State.errors.get("answer", ""),
                    control_id="gap-answer-text",
                ),
                field(
                    "Source (optional)",
                    text_input(
                        "source_url",
                        control_id="gap-source-url",
                        default_value=draft["source_url"],
                        placeholder="https://…",
                    ),
                    State.errors.get("source_url", ""),
                    control_id="gap-source-url",
                ),
                form_error(State.errors.get("", "")),
                rx.hstack(
                    rx.button(
                        rx.cond(State.busy, rx.spinner(size="2"), rx.icon("check", size=16)),
                        "Approve",
                        type="submit",
                        disabled=State.busy,
                        data_testid="gap-approve",
                    ),
                    rx.button(
                        "Cancel",
                        type="button",
                        variant="soft",
                        color_scheme="gray",
                        on_click=State.cancel,
                        data_testid="gap-cancel",
                    ),
                    spacing="2",
                    wrap="wrap",
                ),
                spacing="3",
                width="100%",
            ),
            key=State.form_key,
            on_submit=State.approve,
            width="100%",
        ),
    )


def gap_card(group: Any) -> rx.Component:
    return item_card(
        rx.vstack(
            rx.text(group["question"], weight="bold", overflow_wrap="anywhere"),
            muted(
                "Asked " + group["count"] + " · last " + group["last"] + " · " + group["agent"],
                overflow_wrap="anywhere",
            ),
            rx.cond(
                group["others"] != "",
                rx.text(
                    "Also asked as " + group["others"],
                    size="1",
                    color_scheme="gray",
                    overflow_wrap="anywhere",
                ),
            ),
            rx.cond(State.editing == group["key"], editor()),
            spacing="1",
            width="100%",
            min_width="0",
            flex="1",
        ),
        rx.cond(
            State.can_edit & (State.editing != group["key"]),
            rx.hstack(
                rx.button(
                    rx.icon("message-square-plus", size=16),
                    "Answer this",
                    on_click=State.answer(group["key"]),  # type: ignore[operator]
                    disabled=State.busy,
                    data_testid="gap-answer",
                ),
                rx.button(
                    "Dismiss",
                    variant="soft",
                    color_scheme="gray",
                    on_click=State.dismiss(group["key"]),  # type: ignore[operator]
                    disabled=State.busy,
                    data_testid="gap-dismiss",
                ),
                spacing="2",
                wrap="wrap",
            ),
        ),
        data_testid="gap",
    )


def reasked() -> rx.Component:
    """The approved question put to the agent again, as in the test console."""
    said = State.reasked
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.icon("refresh-cw", size=16),
                rx.heading("Asked again", size="3", as_="h2"),
                rx.badge(
                    said["outcome"],
                    color_scheme=rx.cond(said["answered"] == "yes", "green", "amber"),
                    data_testid="reask-outcome",
                ),
                spacing="2",
                align="center",
                wrap="wrap",
            ),
            speech_bubble(
                rx.text(said["question"], size="2", overflow_wrap="anywhere"),
                caller=True,
                data_testid="reask-question",
            ),
            speech_bubble(
                rx.text(said["answer"], size="2", overflow_wrap="anywhere"),
                caller=False,
                data_testid="reask-answer",
            ),
            rx.link(
                "Ask " + said["agent"] + " in the test console",
                href=said["console"],
                size="2",
                data_testid="reask-console",
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        data_testid="reasked",
    )


def content() -> rx.Component:
    return rx.vstack(
        agent_filter(),
        form_error(rx.cond(State.editing == "", State.errors.get("", ""), "")),
        success_message(State.notice, testid="gaps-notice"),
        rx.cond(State.reasked.contains("question"), reasked()),  # type: ignore[attr-defined]
        rx.cond(
            State.loaded,
            rx.cond(
                State.groups.length() > 0,  # type: ignore[attr-defined]
                rx.vstack(
                    rx.cond(
                        ~State.can_edit,
                        muted("The business's owners and admins answer or dismiss these."),
                    ),
                    rx.foreach(State.groups, gap_card),
                    spacing="3",
                    width="100%",
                ),
                muted(
                    "No unanswered questions. When a caller asks something the receptionist "
                    "cannot answer, it shows here.",
                    data_testid="gaps-empty",
                ),
            ),
            rx.spinner(size="3"),
        ),
        spacing="4",
        width="100%",
    )


@template("Unanswered questions")
def knowledge_gaps_page() -> rx.Component:
    return rx.vstack(
        rx.heading("Unanswered questions", size="6"),
        muted(
            "What callers asked that the receptionist could not answer, grouped by meaning, most "
            "asked first. Answer one and the receptionist knows it from then on."
        ),
        rx.cond(State.no_tenant, not_allowed("You are not acting as a business."), content()),
        spacing="4",
        width="100%",
        data_testid="knowledge-gaps",
    )
