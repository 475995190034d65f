"""An agent's knowledge base: the 18 categories, each with its own editor, saved by version
(a save over someone else's newer one is refused and offers a reload); import and export as
JSON or FAQ CSV; and a search that shows what the agent would answer from."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from voice_platform.components.forms import form_error, muted, not_allowed, success_message
from voice_platform.components.layout import template
from voice_platform.components.review import review_panel, source_link
from voice_platform.knowledge.document import KnowledgeInvalid, parse_document
from voice_platform.knowledge.schemas import CATEGORY_NAMES, DAYS
from voice_platform.providers.llm import get_embedder
from voice_platform.services import agents, knowledge
from voice_platform.services.errors import Conflict, NotFound, ServiceError
from voice_platform.services.principal import Principal
from voice_platform.services.tenants import time_zones
from voice_platform.state.agent_scope import route_agent_id, run_for_agent
from voice_platform.state.auth import AuthState, format_time
from voice_platform.state.knowledge_form import (
    BOOKING_METHODS,
    DAY_LABELS,
    SPECS,
    TITLES,
    Form,
    FormInvalid,
    ItemList,
    Scalar,
    Sub,
    blank_row,
    category_data,
    lists_of,
    place_problems,
    to_form,
)

T = TypeVar("T")
SEARCH_RESULTS = 5
DEFAULT_INTERVAL = {"open": "09:00", "close": "17:00"}
JSON_UPLOAD = "kb-json-upload"
CSV_UPLOAD = "kb-csv-upload"
STALE_MESSAGE = (
    "Someone changed this knowledge base after you opened it, so nothing was saved (their "
    "changes are kept). Reload to see the latest version; then make your changes again."
)
# Confirms before leaving with unsaved changes: the browser's own prompt on reload or close,
# and a confirm on the app's links. Both look for the "unsaved changes" marker on the page.
UNSAVED_GUARD = """
if (!window.__vpUnsavedGuard) {
  window.__vpUnsavedGuard = true;
  const unsaved = () => document.querySelector('[data-unsaved="true"]') !== null;
  window.addEventListener('beforeunload', (event) => {
    if (unsaved()) { event.preventDefault(); event.returnValue = ''; }
  });
  window.addEventListener('click', (event) => {
    if (!unsaved() || !event.target.closest) return;
    const link = event.target.closest('a[href]');
    if (!link || link.target === '_blank' || link.hasAttribute('download')) return;
    if ((link.getAttribute('href') || '').startsWith('#')) return;
    if (!window.confirm('You have unsaved changes. Leave this page without saving them?')) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);
}
"""


def hit_row(hit: knowledge.Hit) -> dict[str, str]:
    return {
        "category": TITLES.get(hit.category, hit.category),
        "text": hit.text,
        "source_url": hit.source_url or "",
        "score": f"{hit.score:.3f}",
        "similarity": f"{hit.similarity:.2f}",
    }


class KnowledgeState(rx.State):
    loaded: bool = False
    missing: bool = False
    no_tenant: bool = False
    can_edit: bool = False
    agent_id: str = ""
    agent_name: str = ""
    version: int = 0
    updated: str = ""
    fields: dict[str, str] = {}
    rows: dict[str, list[dict[str, str]]] = {}
    week: dict[str, list[dict[str, str]]] = {}
    dirty: list[str] = []
    errors: dict[str, str] = {}
    notice: str = ""
    stale: str = ""
    busy: bool = False
    query: str = ""
    hits: list[dict[str, str]] = []
    searched: bool = False
    search_error: str = ""
    paste: str = ""
    paste_kind: str = "json"
    replace_faqs: bool = False
    import_error: str = ""
    # Where the website disagrees with itself, for the owner to check (see components.review).
    flags: list[dict[str, str]] = []
    # The stored document (JSON form): what a category's edits are laid over on save.
    _stored: dict[str, Any] = {}
    # The problems of the last document that did not validate, as the service named them.
    _problems: list[dict[str, str]] = []

    # --- plumbing ---

    def _form(self) -> Form:
        return Form(fields=dict(self.fields), rows=dict(self.rows), week=dict(self.week))

    async def _run(self, work: Callable[[Session, Principal, uuid.UUID], T]) -> T | None:
        """One service call in the tenant's session. NotFound shows the not-found message;
        a stale version the reload message; other errors the form-wide error."""
        try:
            return await run_for_agent(self, work)
        except NotFound:
            self.missing = True
        except Conflict:
            self.stale = STALE_MESSAGE
        except KnowledgeInvalid as exc:
            self._problems = exc.problems
            self.errors = place_problems(exc.problems, self._form())
        except ServiceError as exc:
            self.errors = {"": exc.message}
        return None

    async def _show(self, snapshot: knowledge.Snapshot, only: str | None = None) -> None:
        """Show a snapshot: every category, or only one (other unsaved edits stay)."""
        document = snapshot.kb.model_dump(mode="json")
        form = to_form(document["categories"])
        zone = (await self.get_state(AuthState)).tenant_time_zone
        if only is None:
            self.fields, self.rows, self.week = form.fields, form.rows, form.week
            self.dirty = []
        else:
            self.fields = {
                **self.fields,
                **{k: v for k, v in form.fields.items() if k.startswith(only + ".")},
            }
            self.rows = {
                **self.rows,
                **{k: v for k, v in form.rows.items() if k.startswith(only + ".")},
            }
            if only == "hours":
                self.week = form.week
            self.dirty = [name for name in self.dirty if name != only]
        # A save is refused unless it was made on the version read, so what the snapshot
        # holds for the other categories is what the editor started from.
        self._stored = document
        self.flags = [
            {
                "id": c["id"],
                "about": c["about"],
                "category": TITLES.get(c["category"], c["category"]),
                "first": c["versions"][0]["text"],
                "first_source": c["versions"][0]["provenance"]["source_url"] or "",
                "second": c["versions"][1]["text"],
                "second_source": c["versions"][1]["provenance"]["source_url"] or "",
            }
            for c in document.get("conflicts", [])
        ]
        self.version = snapshot.version
        self.updated = format_time(snapshot.updated_at, zone)

    def _touch(self, key: str) -> None:
        category = key.split(".", 1)[0]
        if category not in self.dirty:
            self.dirty = [*self.dirty, category]
        self.notice = ""

    # --- loading ---

    @rx.event
    async def load(self) -> AsyncIterator[EventSpec | None]:
        self.loaded = False
        self.missing = False
        self.errors = {}
        self.notice = ""
        self.stale = ""
        self.busy = False
        self.hits = []
        self.searched = False
        self.search_error = ""
        self.query = ""
        self.paste = ""
        self.import_error = ""

        def read(s: Session, p: Principal, a: uuid.UUID) -> tuple[str, knowledge.Snapshot]:
            agent = agents.get_agent(s, principal=p, agent_id=a)
            return agent.name, knowledge.load(s, principal=p, agent_id=a)

        found = await self._run(read)
        if found is not None:
            self.agent_name, snapshot = found
            self.agent_id = route_agent_id(self)
            await self._show(snapshot)
            self.loaded = True
            yield rx.call_script(UNSAVED_GUARD)

    # --- editing ---

    def _put_field(self, key: str, value: str) -> None:
        self.fields[key] = value
        self._touch(key)

    def _put_row(self, key: str, index: int, path: str, value: str) -> None:
        rows = self.rows.get(key, [])
        if 0 <= index < len(rows):
            rows[index][path] = value
            self._touch(key)

    @rx.event
    def set_field(self, key: str, value: str) -> None:
        self._put_field(key, value)

    @rx.event
    def set_flag(self, key: str, checked: bool) -> None:
        self._put_field(key, "true" if checked else "")

    @rx.event
    def toggle_choice(self, key: str, choice: str, checked: bool) -> None:
        chosen = [c for c in self.fields.get(key, "").split(",") if c and c != choice]
        if checked:
            chosen.append(choice)
        self._put_field(key, ",".join(chosen))

    @rx.event
    def set_row(self, key: str, index: int, path: str, value: str) -> None:
        self._put_row(key, index, path, value)

    @rx.event
    def set_row_flag(self, key: str, index: int, path: str, checked: bool) -> None:
        self._put_row(key, index, path, "true" if checked else "")

    @rx.event
    def add_row(self, category: str, list_name: str) -> None:
        item_list = next(il for il in lists_of(category) if il.name == list_name)
        key = f"{category}.{list_name}"
        self.rows[key] = [*self.rows.get(key, []), blank_row(item_list)]
        self._touch(key)

    @rx.event
    def remove_row(self, key: str, index: int) -> None:
        rows = self.rows.get(key, [])
        if 0 <= index < len(rows):
            self.rows[key] = rows[:index] + rows[index + 1 :]
            self.errors = {}
            self._touch(key)

    @rx.event
    def set_day_open(self, day: str, is_open: bool) -> None:
        self.week[day] = [dict(DEFAULT_INTERVAL)] if is_open else []
        self._touch("hours")

    @rx.event
    def add_interval(self, day: str) -> None:
        self.week[day] = [*self.week.get(day, []), {"open": "", "close": ""}]
        self._touch("hours")

    @rx.event
    def remove_interval(self, day: str, index: int) -> None:
        intervals = self.week.get(day, [])
        self.week[day] = intervals[:index] + intervals[index + 1 :]
        self.errors = {}
        self._touch("hours")

    @rx.event
    def set_interval(self, day: str, index: int, part: str, value: str) -> None:
        intervals = self.week.get(day, [])
        if 0 <= index < len(intervals):
            intervals[index][part] = value
            self._touch("hours")

    # --- saving ---

    def _data(self, name: str) -> dict[str, Any] | None:
        try:
            return category_data(name, self._stored["categories"][name], self._form())
        except FormInvalid as exc:
            self.errors = {**self.errors, **exc.errors}
            return None

    @rx.event
    async def save_category(self, name: str) -> AsyncIterator[None]:
        self.errors = {}
        self.notice = ""
        self.stale = ""
        data = self._data(name)
        if data is None:
            return
        self.busy = True
        yield
        version = self.version
        snapshot = await self._run(
            lambda s, p, a: knowledge.save_category(
                s, get_embedder(), principal=p, agent_id=a, name=name, data=data, version=version
            )
        )
        if snapshot is not None:
            await self._show(snapshot, only=name)
            self.notice = f"{TITLES[name]} saved."
        self.busy = False

    @rx.event
    async def save_all(self) -> AsyncIterator[None]:
        self.errors = {}
        self.notice = ""
        self.stale = ""
        categories = {}
        for name in CATEGORY_NAMES:
            data = self._data(name)
            if data is not None:
                categories[name] = data
        if self.errors:
            return
        try:
            kb = parse_document({**self._stored, "categories": categories})
        except KnowledgeInvalid as exc:
            self.errors = place_problems(exc.problems, self._form())
            return
        self.busy = True
        yield
        version = self.version
        snapshot = await self._run(
            lambda s, p, a: knowledge.save(
                s, get_embedder(), principal=p, agent_id=a, kb=kb, version=version
            )
        )
        if snapshot is not None:
            await self._show(snapshot)
            self.notice = "All changes saved."
        self.busy = False

    @rx.event
    async def settle_flag(self, conflict_id: str) -> AsyncIterator[None]:
        self.errors = {}
        self.notice = ""
        self.busy = True
        yield
        version = self.version
        snapshot = await self._run(
            lambda s, p, a: knowledge.settle_conflict(
                s, get_embedder(), principal=p, agent_id=a, conflict_id=conflict_id, version=version
            )
        )
        if snapshot is not None:
            self.flags = [flag for flag in self.flags if flag["id"] != conflict_id]
            self._stored = snapshot.kb.model_dump(mode="json")
            self.version = snapshot.version
            self.notice = "Marked as settled."
        self.busy = False

    # --- search ---

    @rx.event
    async def search(self, form: dict[str, Any]) -> AsyncIterator[None]:
        self.query = str(form.get("q", "")).strip()
        self.search_error = ""
        if not self.query:
            self.search_error = "Type a question a caller might ask."
            return
        self.busy = True
        yield
        query = self.query
        errors_before = dict(self.errors)
        hits = await self._run(
            lambda s, p, a: knowledge.search(
                s, get_embedder(), principal=p, agent_id=a, query=query, k=SEARCH_RESULTS
            )
        )
        if hits is None:
            self.search_error = self.errors.get("", "The search failed.")
            self.errors = errors_before
        else:
            self.hits = [hit_row(hit) for hit in hits]
            self.searched = True
        self.busy = False

    # --- import and export ---

    @rx.event
    async def export_json(self) -> EventSpec | None:
        text = await self._run(lambda s, p, a: knowledge.export_json(s, principal=p, agent_id=a))
        if text is None:
            return None
        return rx.download(data=text, filename="knowledge-base.json", mime_type="application/json")

    @rx.event
    async def export_faqs(self) -> EventSpec | None:
        text = await self._run(
            lambda s, p, a: knowledge.export_faqs_csv(s, principal=p, agent_id=a)
        )
        if text is None:
            return None
        return rx.download(data=text, filename="faqs.csv", mime_type="text/csv")

    @rx.event
    def set_paste(self, value: str) -> None:
        self.paste = value

    @rx.event
    def set_paste_kind(self, value: str) -> None:
        self.paste_kind = value

    @rx.event
    def set_replace_faqs(self, checked: bool) -> None:
        self.replace_faqs = checked

    async def _import(self, kind: str, text: str) -> None:
        self.import_error = ""
        self.notice = ""
        self.stale = ""
        if self.dirty:
            self.import_error = "Save or reload your unsaved changes before importing."
            return
        if not text.strip():
            self.import_error = "There is nothing to import."
            return
        version, replace = self.version, self.replace_faqs
        errors_before = dict(self.errors)
        self.errors = {}
        self._problems = []
        if kind == "json":
            snapshot = await self._run(
                lambda s, p, a: knowledge.import_document(
                    s, get_embedder(), principal=p, agent_id=a, data=text, version=version
                )
            )
        else:
            snapshot = await self._run(
                lambda s, p, a: knowledge.import_faqs(
                    s,
                    get_embedder(),
                    principal=p,
                    agent_id=a,
                    csv_text=text,
                    replace=replace,
                    version=version,
                )
            )
        if snapshot is None:
            problems = "; ".join(
                ".".join(part for part in (p["category"], p["field"]) if part) + f": {p['problem']}"
                for p in self._problems
            )
            failed = "" if self.stale else self.errors.get("", "The import failed.")
            self.import_error = problems or failed
            self.errors = errors_before
            return
        await self._show(snapshot)
        self.paste = ""
        self.notice = "Imported."

    @rx.event
    async def import_paste(self) -> AsyncIterator[None]:
        self.busy = True
        yield
        await self._import(self.paste_kind, self.paste)
        self.busy = False

    @rx.event
    async def import_json_file(self, files: list[rx.UploadFile]) -> AsyncIterator[EventSpec | None]:
        self.busy = True
        yield None
        for upload in files[:1]:
            await self._import("json", (await upload.read()).decode("utf-8", "replace"))
        self.busy = False
        yield rx.clear_selected_files(JSON_UPLOAD)

    @rx.event
    async def import_csv_file(self, files: list[rx.UploadFile]) -> AsyncIterator[EventSpec | None]:
        self.busy = True
        yield None
        for upload in files[:1]:
            await self._import("csv", (await upload.read()).decode("utf-8", "replace"))
        self.busy = False
        yield rx.clear_selected_files(CSV_UPLOAD)


# --- the page -------------------------------------------------------------------------------

State = KnowledgeState


def error_text(message: Any, *, testid: str) -> rx.Component:
    return rx.cond(
        message,
        rx.text(message, size="2", color_scheme="red", role="alert", data_testid=testid),
    )


def labelled(
    label: str, control: rx.Component, message: Any, *, testid: str, group: bool = False
) -> rx.Component:
    """The control under its label; a group of checkboxes (each labelled itself) is named by
    the label instead of being wrapped in it."""
    title = rx.text(label, size="2", weight="medium")
    return rx.vstack(
        rx.vstack(title, control, spacing="1", width="100%")
        if group
        else rx.el.label(title, control, width="100%"),
        error_text(message, testid=testid + "-error"),
        spacing="1",
        width="100%",
    )


def method_badge(method: Any, label: Any) -> rx.Component:
    return rx.badge(
        label,
        color_scheme=rx.match(
            method, ("owner", "iris"), ("structured_data", "green"), ("page_text", "blue"), "gray"
        ),
        variant="soft",
        data_testid="method-badge",
    )


def text_control(
    kind: str, value: Any, on_change: Any, *, testid: str, control_id: Any
) -> rx.Component:
    if kind in ("textarea", "lines"):
        return rx.text_area(
            value=value,
            on_change=on_change,
            rows="3" if kind == "lines" else "2",
            resize="vertical",
            width="100%",
            disabled=~State.can_edit,
            id=control_id,
            data_testid=testid,
        )
    input_type = {"date": "date", "time": "time"}.get(kind, "text")
    extra = {"input_mode": "decimal"} if kind == "number" else {}
    placeholder = "09:00-12:00, 13:00-17:00" if kind == "ranges" else ""
    return rx.input(
        value=value,
        on_change=on_change,
        type=input_type,
        placeholder=placeholder,
        width="100%",
        disabled=~State.can_edit,
        id=control_id,
        data_testid=testid,
        **extra,
    )


def scalar_editor(category: str, scalar: Scalar) -> rx.Component:
    key = f"{category}.{scalar.name}"
    value = State.fields[key]
    testid = f"kb-{category}-{scalar.name}"
    if scalar.kind == "choices":
        control: rx.Component = rx.flex(
            *[
                rx.checkbox(
                    label,
                    checked=value.split(",").contains(choice),  # type: ignore[attr-defined]
                    on_change=lambda checked, c=choice: State.toggle_choice(key, c, checked),  # type: ignore[operator]
                    disabled=~State.can_edit,
                )
                for choice, label in BOOKING_METHODS
            ],
            spacing="4",
            wrap="wrap",
            role="group",
            aria_label=scalar.label,
            data_testid=testid,
        )
    elif scalar.kind == "bool":
        control = rx.checkbox(
            scalar.label,
            checked=value == "true",
            on_change=lambda checked: State.set_flag(key, checked),  # type: ignore[operator]
            disabled=~State.can_edit,
            data_testid=testid,
        )
    elif scalar.kind == "tri":
        control = rx.el.select(
            rx.el.option("Not said", value=""),
            rx.el.option("Yes", value="yes"),
            rx.el.option("No", value="no"),
            value=value,
            on_change=lambda choice: State.set_field(key, choice),  # type: ignore[operator]
            disabled=~State.can_edit,
            style=SELECT_STYLE,
            data_testid=testid,
        )
    else:
        control = text_control(
            scalar.kind,
            value,
            lambda text: State.set_field(key, text),  # type: ignore[operator]
            testid=testid,
            control_id=testid,
        )
    if scalar.kind == "bool":
        shown = rx.vstack(
            control, error_text(State.errors[key], testid=testid + "-error"), spacing="1"
        )
    else:
        shown = labelled(
            scalar.label,
            control,
            State.errors[key],
            testid=testid,
            group=scalar.kind == "choices",
        )
    return rx.vstack(
        shown,
        rx.text(scalar.hint, size="1", color_scheme="gray") if scalar.hint else rx.fragment(),
        spacing="1",
        width="100%",
    )


SELECT_STYLE = {
    "width": "100%",
    "height": "var(--space-6)",
    "padding": "0 var(--space-2)",
    "border": "1px solid var(--gray-a7)",
    "border_radius": "var(--radius-2)",
    "background": "var(--color-surface)",
    "color": "var(--gray-12)",
    "font_family": "inherit",
}


def sub_editor(key: str, sub: Sub, row: Any, index: Any) -> rx.Component:
    testid = f"kb-{key.replace('.', '-')}-{sub.path.replace('.', '-')}"
    error = State.errors[key + "." + index.to_string() + "." + sub.path]
    if sub.kind == "check":
        control: rx.Component = rx.checkbox(
            sub.label,
            checked=row[sub.path] == "true",
            on_change=lambda checked: State.set_row_flag(key, index, sub.path, checked),  # type: ignore[operator]
            disabled=~State.can_edit,
            data_testid=testid,
        )
        return rx.vstack(control, error_text(error, testid=testid + "-error"), spacing="1")
    control = text_control(
        sub.kind,
        row[sub.path],
        lambda text: State.set_row(key, index, sub.path, text),  # type: ignore[operator]
        testid=testid,
        control_id=testid + "-" + index.to_string(),
    )
    cell = labelled(sub.label, control, error, testid=testid)
    return rx.box(cell, grid_column="1 / -1", width="100%") if sub.wide else cell


def item_card(key: str, item_list: ItemList, row: Any, index: Any) -> rx.Component:
    narrow = [sub for sub in item_list.subs if not sub.wide]
    columns = str(min(4, max(1, len(narrow))))
    return rx.card(
        rx.vstack(
            rx.grid(
                *[sub_editor(key, sub, row, index) for sub in item_list.subs],
                columns=rx.breakpoints(initial="1", sm="2" if len(narrow) > 1 else "1", lg=columns),
                spacing="3",
                width="100%",
            ),
            error_text(State.errors[key + "." + index.to_string()], testid="kb-row-error"),
            rx.flex(
                method_badge(row["method"], row["method_label"]),
                source_link(row["source_url"]),
                rx.spacer(),
                rx.cond(
                    State.can_edit,
                    rx.button(
                        rx.icon("trash-2", size=14),
                        "Remove",
                        variant="ghost",
                        color_scheme="red",
                        size="1",
                        on_click=State.remove_row(key, index),  # type: ignore[operator]
                        data_testid=f"kb-{key.replace('.', '-')}-remove",
                    ),
                ),
                spacing="3",
                align="center",
                wrap="wrap",
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        variant="surface",
        width="100%",
        data_testid=f"kb-{key.replace('.', '-')}-item",
    )


def list_editor(category: str, item_list: ItemList) -> rx.Component:
    key = f"{category}.{item_list.name}"
    rows = State.rows[key]
    return rx.vstack(
        rx.heading(item_list.label, size="3", as_="h3"),
        rx.foreach(rows, lambda row, index: item_card(key, item_list, row, index)),
        rx.cond(rows.length() == 0, muted("None yet.")),  # type: ignore[attr-defined]
        rx.cond(
            State.can_edit,
            rx.button(
                rx.icon("plus", size=14),
                f"Add {item_list.item}",
                variant="soft",
                size="2",
                on_click=State.add_row(category, item_list.name),  # type: ignore[operator]
                data_testid=f"kb-{key.replace('.', '-')}-add",
            ),
        ),
        spacing="2",
        width="100%",
    )


def interval_editor(day: str, interval: Any, index: Any) -> rx.Component:
    base = f"hours.weekly.{day}." + index.to_string()
    return rx.vstack(
        rx.hstack(
            rx.input(
                value=interval["open"],
                on_change=lambda v: State.set_interval(day, index, "open", v),  # type: ignore[operator]
                type="time",
                aria_label=f"{DAY_LABELS[day]} opens",
                disabled=~State.can_edit,
                data_testid=f"hours-{day}-open",
                min_width="0",
                flex="1",
            ),
            rx.text("to", size="2"),
            rx.input(
                value=interval["close"],
                on_change=lambda v: State.set_interval(day, index, "close", v),  # type: ignore[operator]
                type="time",
                aria_label=f"{DAY_LABELS[day]} closes",
                disabled=~State.can_edit,
                data_testid=f"hours-{day}-close",
                min_width="0",
                flex="1",
            ),
            rx.cond(
                State.can_edit,
                rx.icon_button(
                    rx.icon("x", size=14),
                    variant="ghost",
                    color_scheme="gray",
                    aria_label=f"Remove these {DAY_LABELS[day]} hours",
                    on_click=State.remove_interval(day, index),  # type: ignore[operator]
                ),
            ),
            spacing="2",
            align="center",
            width="100%",
        ),
        error_text(
            State.errors[base] | State.errors[base + ".open"] | State.errors[base + ".close"],  # type: ignore[operator]
            testid=f"hours-{day}-error",
        ),
        spacing="1",
        width="100%",
    )


def day_row(day: str) -> rx.Component:
    intervals = State.week[day]
    is_open = intervals.length() > 0  # type: ignore[attr-defined]
    return rx.flex(
        rx.hstack(
            rx.text(DAY_LABELS[day], weight="medium", width="6.5rem"),
            rx.switch(
                checked=is_open,
                on_change=lambda checked: State.set_day_open(day, checked),  # type: ignore[operator]
                disabled=~State.can_edit,
                aria_label=f"Open on {DAY_LABELS[day]}",
                data_testid=f"hours-{day}-switch",
            ),
            rx.text(rx.cond(is_open, "Open", "Closed"), size="2", color_scheme="gray"),
            spacing="3",
            align="center",
            min_width="14rem",
        ),
        rx.vstack(
            rx.foreach(intervals, lambda interval, index: interval_editor(day, interval, index)),
            rx.cond(
                is_open & State.can_edit,
                rx.button(
                    rx.icon("plus", size=14),
                    "Add hours",
                    variant="ghost",
                    size="1",
                    on_click=State.add_interval(day),  # type: ignore[operator]
                ),
            ),
            spacing="2",
            width="100%",
            max_width="26rem",
        ),
        direction=rx.breakpoints(initial="column", sm="row"),
        spacing="3",
        width="100%",
        padding_y="var(--space-2)",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        data_testid=f"hours-{day}",
    )


def hours_editor() -> rx.Component:
    return rx.vstack(
        rx.heading("Every week", size="3", as_="h3"),
        rx.flex(
            rx.box(
                labelled(
                    "Time zone",
                    rx.el.select(
                        rx.el.option("Not given (the agent's)", value=""),
                        *[
                            rx.el.option(zone.replace("_", " "), value=zone)
                            for zone in time_zones()
                        ],
                        value=State.fields["hours.time_zone"],
                        on_change=lambda zone: State.set_field("hours.time_zone", zone),  # type: ignore[operator]
                        disabled=~State.can_edit,
                        style=SELECT_STYLE,
                        data_testid="hours-time-zone",
                    ),
                    State.errors["hours.time_zone"],
                    testid="hours-time-zone",
                ),
                width="100%",
                max_width="22rem",
            ),
            source_link(State.fields["hours.source_url"]),
            spacing="3",
            align="end",
            wrap="wrap",
            width="100%",
        ),
        rx.vstack(*[day_row(day) for day in DAYS], spacing="0", width="100%"),
        spacing="3",
        width="100%",
        data_testid="hours-grid",
    )


def category_section(name: str) -> rx.Component:
    spec = SPECS[name]
    is_dirty = State.dirty.contains(name)  # type: ignore[attr-defined]
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.heading(TITLES[name], size="4", as_="h2"),
                rx.cond(
                    is_dirty, rx.badge("Unsaved", color_scheme="amber", data_testid="kb-dirty")
                ),
                rx.spacer(),
                rx.cond(
                    State.can_edit,
                    rx.button(
                        "Save",
                        size="2",
                        variant=rx.cond(is_dirty, "solid", "soft"),
                        disabled=State.busy,
                        on_click=State.save_category(name),  # type: ignore[operator]
                        data_testid=f"kb-save-{name}",
                    ),
                ),
                spacing="3",
                align="center",
                wrap="wrap",
                width="100%",
            ),
            error_text(State.errors[name], testid=f"kb-{name}-error"),
            hours_editor() if name == "hours" else rx.fragment(),
            *[scalar_editor(name, scalar) for scalar in spec.scalars],
            *[list_editor(name, item_list) for item_list in lists_of(name)],
            spacing="4",
            width="100%",
        ),
        id=name,
        # The contents' links land below the top bar and the save bar.
        scroll_margin_top="7rem",
        width="100%",
        data_testid=f"kb-section-{name}",
    )


def search_panel() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("What would the agent answer from?", size="4", as_="h2"),
            rx.form(
                rx.flex(
                    rx.input(
                        name="q",
                        placeholder="What time do you close on Friday?",
                        aria_label="A caller's question",
                        size="3",
                        width="100%",
                        data_testid="kb-search-input",
                    ),
                    rx.button(
                        rx.icon("search", size=16),
                        "Search",
                        type="submit",
                        size="3",
                        disabled=State.busy,
                        data_testid="kb-search",
                    ),
                    direction=rx.breakpoints(initial="column", sm="row"),
                    spacing="2",
                    width="100%",
                ),
                on_submit=State.search,
                width="100%",
            ),
            error_text(State.search_error, testid="kb-search-error"),
            rx.cond(
                State.searched & (State.hits.length() == 0),  # type: ignore[attr-defined]
                muted(
                    "Nothing in the knowledge base matches: the agent would say it does not know."
                ),
            ),
            rx.foreach(
                State.hits,
                lambda hit: rx.card(
                    rx.vstack(
                        rx.flex(
                            rx.badge(hit["category"], variant="soft"),
                            muted("score " + hit["score"] + " · similarity " + hit["similarity"]),
                            source_link(hit["source_url"]),
                            spacing="3",
                            align="center",
                            wrap="wrap",
                        ),
                        rx.text(hit["text"], overflow_wrap="anywhere"),
                        spacing="2",
                        width="100%",
                    ),
                    variant="surface",
                    width="100%",
                    data_testid="kb-hit",
                ),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        data_testid="kb-search-panel",
    )


def upload_box(
    upload_id: str, label: str, accept: dict[str, list[str]], handler: Any
) -> rx.Component:
    return rx.flex(
        rx.upload.root(
            rx.button(rx.icon("file-up", size=16), label, variant="soft", type="button"),
            id=upload_id,
            accept=accept,
            max_files=1,
            multiple=False,
            border="0",
            padding="0",
            data_testid=upload_id,
        ),
        rx.foreach(
            rx.selected_files(upload_id), lambda name: muted(name, overflow_wrap="anywhere")
        ),
        rx.button(
            "Import file",
            size="2",
            disabled=State.busy | ~State.can_edit,
            on_click=handler(rx.upload_files(upload_id=upload_id)),
            data_testid=upload_id + "-submit",
        ),
        spacing="3",
        align="center",
        wrap="wrap",
    )


def transfer_panel() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Import and export", size="4", as_="h2"),
            rx.flex(
                rx.button(
                    rx.icon("download", size=16),
                    "Export JSON",
                    variant="soft",
                    on_click=State.export_json,
                    data_testid="kb-export-json",
                ),
                rx.button(
                    rx.icon("download", size=16),
                    "Export FAQs (CSV)",
                    variant="soft",
                    on_click=State.export_faqs,
                    data_testid="kb-export-csv",
                ),
                spacing="3",
                wrap="wrap",
            ),
            rx.cond(
                State.can_edit,
                rx.vstack(
                    muted(
                        "Importing a JSON document replaces the whole knowledge base; FAQs from "
                        "a CSV (columns question, answer, source_url) are added to the list."
                    ),
                    upload_box(
                        JSON_UPLOAD,
                        "Choose a JSON document",
                        {"application/json": [".json"]},
                        State.import_json_file,
                    ),
                    upload_box(
                        CSV_UPLOAD,
                        "Choose an FAQ CSV",
                        {"text/csv": [".csv"]},
                        State.import_csv_file,
                    ),
                    rx.checkbox(
                        "Replace the existing FAQs with the CSV's",
                        checked=State.replace_faqs,
                        on_change=State.set_replace_faqs,
                    ),
                    rx.text_area(
                        value=State.paste,
                        on_change=State.set_paste,
                        placeholder="…or paste a JSON document or FAQ CSV here",
                        rows="4",
                        width="100%",
                        aria_label="Paste a document to import",
                        data_testid="kb-paste",
                    ),
                    rx.flex(
                        rx.el.select(
                            rx.el.option("JSON document", value="json"),
                            rx.el.option("FAQ CSV", value="csv"),
                            value=State.paste_kind,
                            on_change=State.set_paste_kind,
                            aria_label="What the pasted text is",
                            style={**SELECT_STYLE, "width": "auto"},
                            data_testid="kb-paste-kind",
                        ),
                        rx.button(
                            "Import pasted text",
                            disabled=State.busy,
                            on_click=State.import_paste,
                            data_testid="kb-import-paste",
                        ),
                        spacing="3",
                        align="center",
                        wrap="wrap",
                    ),
                    form_error(State.import_error, testid="kb-import-error"),
                    spacing="3",
                    width="100%",
                ),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        data_testid="kb-transfer",
    )


def toolbar() -> rx.Component:
    has_changes = State.dirty.length() > 0  # type: ignore[attr-defined]
    return rx.flex(
        rx.cond(
            has_changes,
            rx.badge(
                rx.icon("circle-alert", size=14),
                "Unsaved changes",
                color_scheme="amber",
                size="2",
                data_unsaved="true",
                data_testid="kb-unsaved",
            ),
            muted("Version " + State.version.to_string() + " · saved " + State.updated),  # type: ignore[attr-defined]
        ),
        rx.spacer(),
        rx.cond(
            State.can_edit,
            rx.button(
                rx.icon("save", size=16),
                "Save all changes",
                disabled=State.busy | ~has_changes,
                on_click=State.save_all,
                data_testid="kb-save-all",
            ),
        ),
        spacing="3",
        align="center",
        wrap="wrap",
        width="100%",
        position="sticky",
        # Right under the top bar (taller on a phone, where it holds the menu button).
        top=rx.breakpoints(initial="3.5625rem", md="2.8125rem"),
        z_index="5",
        padding_y="var(--space-2)",
        background="var(--color-background)",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        data_testid="kb-toolbar",
    )


def stale_message() -> rx.Component:
    return rx.cond(
        State.stale != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("refresh-cw")),
            rx.callout.text(State.stale),
            rx.button(
                rx.icon("refresh-cw", size=16),
                "Reload",
                color_scheme="amber",
                on_click=State.load,
                width="fit-content",
                data_testid="kb-reload",
            ),
            color_scheme="amber",
            role="alert",
            width="100%",
            data_testid="kb-stale",
        ),
    )


def contents() -> rx.Component:
    return rx.flex(
        *[
            rx.link(TITLES[name], href=f"#{name}", size="2", white_space="nowrap")
            for name in CATEGORY_NAMES
        ],
        spacing="3",
        wrap="wrap",
        row_gap="var(--space-1)",
        width="100%",
    )


def editor() -> rx.Component:
    return rx.vstack(
        rx.link(
            rx.hstack(
                rx.icon("arrow-left", size=16), rx.text("Back to ", State.agent_name), spacing="1"
            ),
            href="/agents/" + State.agent_id,
            size="2",
            data_testid="kb-back",
        ),
        rx.heading("Knowledge base of " + State.agent_name, size="6", overflow_wrap="anywhere"),
        rx.cond(~State.can_edit, muted("Only owners and admins can change the knowledge base.")),
        toolbar(),
        stale_message(),
        form_error(State.errors.get("", "")),
        success_message(State.notice, testid="kb-notice"),
        review_panel(State.flags, State.can_edit, State.settle_flag),
        search_panel(),
        transfer_panel(),
        contents(),
        *[category_section(name) for name in CATEGORY_NAMES],
        spacing="4",
        width="100%",
    )


@template("Knowledge base")
def knowledge_page() -> rx.Component:
    return rx.box(
        rx.cond(
            State.no_tenant,
            not_allowed(
                "You are not acting as a business. Staff: impersonate one from the Staff page."
            ),
            rx.cond(
                State.missing,
                rx.callout(
                    rx.text(
                        "This agent does not exist, or belongs to another business. ",
                        rx.link("See your agents", href="/agents"),
                        ".",
                    ),
                    icon="search-x",
                    color_scheme="gray",
                    width="100%",
                    data_testid="agent-not-found",
                ),
                rx.cond(State.loaded, editor(), form_error(State.errors.get("", ""))),
            ),
        ),
        width="100%",
        data_testid="knowledge",
    )
