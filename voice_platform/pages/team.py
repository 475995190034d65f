"""The team: members and their roles, invitations. Owners and admins manage them; members
see the list only."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import reflex as rx
from sqlmodel import Session

from voice_platform.components.forms import (
    field,
    form_cell,
    form_error,
    form_row,
    item_card,
    muted,
    native_select,
    section,
    submit_button,
    success_message,
    text_input,
)
from voice_platform.components.layout import template
from voice_platform.config import get_settings
from voice_platform.db import platform_session, tenant_session
from voice_platform.models import Role
from voice_platform.services import members
from voice_platform.services.errors import ServiceError
from voice_platform.services.principal import Principal
from voice_platform.state.auth import ADMIN_ROLES, AuthState, form_errors, format_time, in_thread

T = TypeVar("T")
ROLE_LABELS = {"owner": "Owner", "admin": "Admin", "member": "Member"}


@dataclass(frozen=True)
class Team:
    members: list[dict[str, str]]
    invitations: list[dict[str, str]]


def read_team(principal: Principal, tenant_id: uuid.UUID, time_zone: str) -> Team:
    is_admin = principal.role is not None and principal.role.value in ADMIN_ROLES
    with tenant_session(tenant_id) as session:
        people = members.list_members(session, principal=principal, tenant_id=tenant_id)
        pending = (
            members.list_invitations(session, principal=principal, tenant_id=tenant_id)
            if is_admin and not principal.is_api_key
            else []
        )
    return Team(
        members=[
            {
                "user_id": str(m.user_id),
                "email": m.email,
                "full_name": m.full_name,
                "role": m.role.value,
                "joined": format_time(m.joined_at, time_zone),
                "is_me": "yes" if m.user_id == principal.user_id else "",
            }
            for m in people
        ],
        invitations=[
            {
                "id": str(i.id),
                "email": i.email,
                "role": i.role.value,
                "expires": format_time(i.expires_at, time_zone),
            }
            for i in pending
        ],
    )


class TeamState(rx.State):
    loaded: bool = False
    no_tenant: bool = False
    can_manage: bool = False
    is_owner: bool = False
    members: list[dict[str, str]] = []
    invitations: list[dict[str, str]] = []
    errors: dict[str, str] = {}
    notice: str = ""
    invite_key: int = 0
    confirm_remove: str = ""
    confirm_remove_email: str = ""
    busy: bool = False

    async def _principal(self) -> tuple[Principal, uuid.UUID] | None:
        principal = await (await self.get_state(AuthState)).principal()
        if principal is None or principal.tenant_id is None:
            return None
        return principal, principal.tenant_id

    async def _reload(self, principal: Principal, tenant_id: uuid.UUID) -> None:
        zone = (await self.get_state(AuthState)).tenant_time_zone
        team = await in_thread(lambda: read_team(principal, tenant_id, zone))
        self.members = team.members
        self.invitations = team.invitations
        self.can_manage = principal.role is not None and principal.role.value in ADMIN_ROLES
        self.is_owner = principal.role is Role.OWNER
        self.loaded = True

    async def _act(self, work: Callable[[Session, Principal, uuid.UUID], T]) -> T | None:
        """Run one change in the tenant's session; errors land in the form; then reload."""
        self.errors = {}
        self.notice = ""
        found = await self._principal()
        if found is None:
            return None
        principal, tenant_id = found

        def run() -> T:
            with tenant_session(tenant_id) as session:
                return work(session, principal, tenant_id)

        result: T | None = None
        try:
            result = await in_thread(run)
        except ServiceError as exc:
            self.errors = form_errors(exc)
        await self._reload(principal, tenant_id)
        return result

    @rx.event
    async def load(self) -> None:
        self.errors = {}
        self.notice = ""
        self.confirm_remove = ""
        self.busy = False
        principal = await (await self.get_state(AuthState)).principal()
        if principal is None:
            return
        self.no_tenant = principal.tenant_id is None
        if principal.tenant_id is None:
            self.loaded = False
            return
        try:
            await self._reload(principal, principal.tenant_id)
        except ServiceError as exc:
            self.errors = form_errors(exc)

    @rx.event
    async def change_role(self, user_id: str, role: str) -> None:
        new_role = Role(role)
        target = uuid.UUID(user_id)
        await self._act(
            lambda s, p, t: members.change_role(
                s, principal=p, tenant_id=t, user_id=target, role=new_role
            )
        )
        if not self.errors:
            self.notice = "Role changed."

    @rx.event
    def ask_remove(self, user_id: str, email: str) -> None:
        self.confirm_remove = user_id
        self.confirm_remove_email = email

    @rx.event
    def cancel_remove(self) -> None:
        self.confirm_remove = ""

    @rx.event
    def remove_dialog_changed(self, is_open: bool) -> None:
        if not is_open:
            self.confirm_remove = ""

    @rx.event
    async def remove(self) -> None:
        target = uuid.UUID(self.confirm_remove)
        email = self.confirm_remove_email
        self.confirm_remove = ""
        await self._act(
            lambda s, p, t: members.remove_member(s, principal=p, tenant_id=t, user_id=target)
        )
        if not self.errors:
            self.notice = f"{email} was removed from the team."

    @rx.event
    async def revoke(self, invitation_id: str) -> None:
        target = uuid.UUID(invitation_id)
        await self._act(
            lambda s, p, t: members.revoke_invitation(
                s, principal=p, tenant_id=t, invitation_id=target
            )
        )
        if not self.errors:
            self.notice = "Invitation revoked."

    @rx.event
    async def invite(self, form: dict[str, Any]) -> AsyncIterator[None]:
        email = str(form.get("email", "")).strip()
        self.errors = {}
        self.notice = ""
        try:
            role = Role(str(form.get("role", "member")))
        except ValueError:
            self.errors = {"role": "Choose a role"}
            return
        if not email:
            self.errors = {"email": "Enter the email address to invite"}
            return
        found = await self._principal()
        if found is None:
            return
        principal, tenant_id = found
        self.busy = True
        yield

        def send() -> None:
            # The invitation commits first; its email (platform outbox) only after it.
            with (
                platform_session("ui: invitation email") as platform,
                tenant_session(tenant_id) as session,
            ):
                members.invite(
                    session,
                    platform,
                    get_settings(),
                    principal=principal,
                    tenant_id=tenant_id,
                    email=email,
                    role=role,
                )

        try:
            await in_thread(send)
        except ServiceError as exc:
            self.errors = form_errors(exc)
        else:
            self.notice = f"Invitation sent to {email}."
            self.invite_key += 1
        await self._reload(principal, tenant_id)
        self.busy = False


def role_badge(role: Any) -> rx.Component:
    return rx.badge(
        role,
        color_scheme=rx.match(role, ("owner", "iris"), ("admin", "green"), "gray"),
        size="2",
    )


def role_options(owner: bool) -> list[tuple[str, str]]:
    roles = ["owner", "admin", "member"] if owner else ["admin", "member"]
    return [(role, ROLE_LABELS[role]) for role in roles]


def member_role_control(member: Any) -> rx.Component:
    """A role picker where the viewer may change it; otherwise the role as a badge."""
    editable = TeamState.can_manage & (TeamState.is_owner | (member["role"] != "owner"))
    return rx.cond(
        editable,
        rx.select.root(
            rx.select.trigger(aria_label="Role of " + member["email"], min_width="8rem"),
            rx.select.content(
                rx.cond(TeamState.is_owner, rx.select.item("Owner", value="owner")),
                rx.select.item("Admin", value="admin"),
                rx.select.item("Member", value="member"),
            ),
            value=member["role"],
            on_change=lambda role: TeamState.change_role(member["user_id"], role),  # type: ignore[operator]
            data_testid="member-role",
        ),
        role_badge(member["role"]),
    )


def member_card(member: Any) -> rx.Component:
    return item_card(
        rx.vstack(
            rx.text(
                rx.cond(member["full_name"] != "", member["full_name"], member["email"]),
                rx.cond(member["is_me"] != "", " (you)", ""),
                weight="medium",
                overflow_wrap="anywhere",
            ),
            muted(member["email"], overflow_wrap="anywhere"),
            spacing="1",
            flex="1",
            min_width="0",
        ),
        muted("Joined " + member["joined"]),
        rx.hstack(
            member_role_control(member),
            rx.cond(
                TeamState.can_manage
                & (member["is_me"] == "")
                & (TeamState.is_owner | (member["role"] != "owner")),
                rx.button(
                    rx.icon("user-x", size=16),
                    "Remove",
                    on_click=TeamState.ask_remove(member["user_id"], member["email"]),  # type: ignore[operator]
                    color_scheme="red",
                    variant="soft",
                    data_testid="member-remove",
                ),
            ),
            spacing="2",
            align="center",
        ),
        data_testid="member",
    )


def remove_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Remove from the team?"),
            rx.alert_dialog.description(
                TeamState.confirm_remove_email
                + " will lose access to this business at once. You can invite them again later."
            ),
            rx.flex(
                rx.alert_dialog.cancel(
                    rx.button(
                        "Cancel",
                        variant="soft",
                        color_scheme="gray",
                        on_click=TeamState.cancel_remove,
                    )
                ),
                rx.alert_dialog.action(
                    rx.button(
                        "Remove",
                        color_scheme="red",
                        on_click=TeamState.remove,
                        data_testid="confirm-remove",
                    )
                ),
                spacing="3",
                justify="end",
                margin_top="var(--space-4)",
            ),
            max_width="28rem",
        ),
        open=TeamState.confirm_remove != "",
        on_open_change=TeamState.remove_dialog_changed,
    )


def invite_form() -> rx.Component:
    return rx.form(
        form_row(
            form_cell(
                field(
                    "Email",
                    text_input("email", control_id="invite_email", type_="email"),
                    TeamState.errors.get("email", ""),
                    control_id="invite_email",
                ),
                grow="2",
                min_width="12rem",
            ),
            form_cell(
                field(
                    "Role",
                    rx.cond(
                        TeamState.is_owner,
                        native_select(
                            "role",
                            role_options(owner=True),
                            control_id="invite_role",
                            default_value="member",
                        ),
                        native_select(
                            "role",
                            role_options(owner=False),
                            control_id="invite_role",
                            default_value="member",
                        ),
                    ),
                    TeamState.errors.get("role", ""),
                    control_id="invite_role",
                ),
            ),
            submit_button("Send invitation", testid="invite-send", disabled=TeamState.busy),
        ),
        key=TeamState.invite_key,
        on_submit=TeamState.invite,
        width="100%",
        data_testid="invite-member-form",
    )


def invitation_card(invitation: Any) -> rx.Component:
    return item_card(
        rx.vstack(
            rx.text(invitation["email"], weight="medium", overflow_wrap="anywhere"),
            muted("Expires " + invitation["expires"]),
            spacing="1",
            flex="1",
            min_width="0",
        ),
        role_badge(invitation["role"]),
        rx.button(
            rx.icon("ban", size=16),
            "Revoke",
            on_click=TeamState.revoke(invitation["id"]),  # type: ignore[operator]
            color_scheme="red",
            variant="soft",
            data_testid="invitation-revoke",
        ),
        data_testid="invitation",
    )


def team_content() -> rx.Component:
    return rx.vstack(
        form_error(TeamState.errors.get("", "")),
        success_message(TeamState.notice, testid="team-notice"),
        section(
            "Members",
            rx.foreach(TeamState.members, member_card),
            testid="members",
        ),
        rx.cond(
            TeamState.can_manage,
            rx.vstack(
                section("Invite someone", invite_form(), testid="invite-section"),
                section(
                    "Pending invitations",
                    rx.cond(
                        TeamState.invitations,
                        rx.foreach(TeamState.invitations, invitation_card),
                        muted("No invitations are waiting for an answer."),
                    ),
                    testid="invitations",
                ),
                spacing="6",
                width="100%",
            ),
            muted("Only owners and admins can invite people or change roles."),
        ),
        remove_dialog(),
        spacing="6",
        width="100%",
    )


@template("Team")
def team() -> rx.Component:
    return rx.box(
        rx.cond(
            TeamState.no_tenant,
            rx.callout(
                "You are not acting as a business. Staff: impersonate one from the Staff page.",
                icon="lock",
                color_scheme="amber",
            ),
            rx.cond(TeamState.loaded, team_content(), form_error(TeamState.errors.get("", ""))),
        ),
        width="100%",
        data_testid="team",
    )
