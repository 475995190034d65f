"""Who is using the UI: the log-in session shared by every page.

The refresh token lives in a cookie (it is what survives a reload or a new tab); the access
token stays on the server, in a backend-only var, and never reaches the browser. Services get
a `Principal` built from the access token, read fresh on each use, so a changed role or an
ended impersonation takes effect at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

import reflex as rx
from pydantic import ValidationError
from reflex.event import EventSpec

from voice_platform.config import get_settings
from voice_platform.db import platform_session, tenant_session
from voice_platform.services import auth, impersonation, tenants
from voice_platform.services.auth import Tokens
from voice_platform.services.errors import ServiceError
from voice_platform.services.principal import Principal, RequestMeta
from voice_platform.services.security import read_access_token

SESSION_COOKIE = "vp_session"
SESSION_DAYS = 30
# Refresh a little before the access token runs out, so a request never carries a dead one.
EXPIRY_MARGIN_SECONDS = 20
ADMIN_ROLES = ("owner", "admin")

T = TypeVar("T")


async def in_thread(fn: Callable[[], T]) -> T:
    """Run blocking work (database, password hashing) off the event loop."""
    return await asyncio.to_thread(fn)


def form_errors(exc: ServiceError, *, rename: dict[str, str] | None = None) -> dict[str, str]:
    """A service error as {field: message}; "" is the form as a whole."""
    field = exc.field or ""
    return {(rename or {}).get(field, field): exc.message}


def validation_errors(exc: ValidationError) -> dict[str, str]:
    """Pydantic's complaints about a schema (lengths, formats) as {field: message}."""
    found: dict[str, str] = {}
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        found.setdefault(field, str(error["msg"]))
    return found


def local_path(target: str | None) -> str:
    """`target` if it is a path on this site (never another host), else "/"."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


def format_time(when: datetime | None, time_zone: str = "UTC") -> str:
    if when is None:
        return ""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    try:
        zone = ZoneInfo(time_zone)
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    return when.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


@dataclass(frozen=True)
class Profile:
    """What the UI shows about the person logged in."""

    principal: Principal
    tenant_name: str
    time_zone: str


def load_profile(token: str, meta: RequestMeta) -> Profile:
    settings = get_settings()
    with platform_session("ui: authenticate") as platform:
        principal = auth.principal_from_access_token(platform, settings, token=token, meta=meta)
    name, zone = "", "UTC"
    if principal.tenant_id is not None:
        with tenant_session(principal.tenant_id) as session:
            tenant = tenants.get_tenant(session, principal=principal, tenant_id=principal.tenant_id)
            name, zone = tenant.name, tenant.time_zone
    return Profile(principal, name, zone)


class AuthState(rx.State):
    refresh_token: str = rx.Cookie(
        "",
        name=SESSION_COOKIE,
        same_site="strict",
        path="/",
        max_age=SESSION_DAYS * 24 * 3600,
        # Behind TLS the session never travels over plain HTTP.
        secure=get_settings().behind_tls or None,
    )
    _access_token: str = ""
    _access_expires: float = 0.0

    user_email: str = ""
    tenant_id: str = ""
    tenant_name: str = ""
    tenant_time_zone: str = "UTC"
    role: str = ""
    is_staff: bool = False
    impersonating: bool = False
    impersonation_reason: str = ""
    impersonation_until: str = ""

    @rx.var
    def logged_in(self) -> bool:
        return self.user_email != ""

    @rx.var
    def has_tenant(self) -> bool:
        return self.tenant_id != ""

    @rx.var
    def is_admin(self) -> bool:
        return self.tenant_id != "" and self.role in ADMIN_ROLES

    @rx.var
    def staff_console(self) -> bool:
        """Staff acting as themselves (not as a business)."""
        return self.is_staff and not self.impersonating

    # Building blocks for the pages' handlers.

    def request_meta(self) -> RequestMeta:
        """Where the browser is, for the audit log. Reflex takes X-Forwarded-For into
        account only through its configured trusted proxies (a client could forge it)."""
        return RequestMeta(
            ip=self.router.session.client_ip or None,
            user_agent=self.router.headers.user_agent or None,
        )

    def current_path(self) -> str:
        url = self.router.url
        # The static build serves /team as /team/: keep the address people know.
        path = url.path.rstrip("/") or "/"
        return path + (f"?{url.query}" if url.query else "")

    def login_redirect(self) -> EventSpec:
        return rx.redirect(f"/login?next={quote(self.current_path(), safe='/')}")

    def _forget(self) -> None:
        self._access_token = ""
        self._access_expires = 0.0
        self.user_email = ""
        self.tenant_id = ""
        self.tenant_name = ""
        self.tenant_time_zone = "UTC"
        self.role = ""
        self.is_staff = False
        self.impersonating = False
        self.impersonation_reason = ""
        self.impersonation_until = ""

    def _show(self, profile: Profile) -> None:
        principal = profile.principal
        self.user_email = principal.email
        self.tenant_id = str(principal.tenant_id) if principal.tenant_id else ""
        self.tenant_name = profile.tenant_name
        self.tenant_time_zone = profile.time_zone
        self.role = principal.role.value if principal.role else ""
        self.is_staff = principal.is_staff
        self.impersonating = principal.is_impersonating
        if not principal.is_impersonating:
            self.impersonation_reason = ""
            self.impersonation_until = ""

    def _use_access_token(self, token: str) -> None:
        self._access_token = token
        expires = read_access_token(get_settings(), token).expires_at
        self._access_expires = expires.timestamp()

    async def _revoke_cookie_session(self) -> None:
        old = self.refresh_token
        if old:

            def end() -> None:
                with platform_session("ui: log out") as platform:
                    auth.logout(platform, refresh_token=old)

            await in_thread(end)

    async def start_session(self, tokens: Tokens) -> None:
        """Keep freshly issued tokens (sign-up, log-in, accepted invitation)."""
        if tokens.refresh_token and tokens.refresh_token != self.refresh_token:
            await self._revoke_cookie_session()
        self._forget()
        self.refresh_token = tokens.refresh_token or ""
        self._access_token = tokens.access_token
        self._access_expires = tokens.access_expires_at.timestamp()
        meta = self.request_meta()
        self._show(await in_thread(lambda: load_profile(tokens.access_token, meta)))

    async def _refresh(self) -> bool:
        """Trade the cookie's refresh token for a new pair (it rotates)."""
        token = self.refresh_token
        if not token:
            self._forget()
            return False

        def trade() -> Tokens:
            with platform_session("ui: refresh session") as platform:
                return auth.refresh(platform, get_settings(), refresh_token=token)

        try:
            tokens = await in_thread(trade)
        except ServiceError:
            self._forget()
            self.refresh_token = ""
            return False
        self.refresh_token = tokens.refresh_token or ""
        self._access_token = tokens.access_token
        self._access_expires = tokens.access_expires_at.timestamp()
        return True

    async def principal(self) -> Principal | None:
        """The principal for service calls, refreshing the session when needed; None when
        there is no usable session (the vars are cleared then)."""
        meta = self.request_meta()
        fresh = self._access_token and self._access_expires > time.time() + EXPIRY_MARGIN_SECONDS
        if fresh:
            token = self._access_token
            try:
                profile = await in_thread(lambda: load_profile(token, meta))
            except ServiceError:
                profile = None
            if profile is not None:
                self._show(profile)
                return profile.principal
        if not await self._refresh():
            return None
        token = self._access_token
        try:
            profile = await in_thread(lambda: load_profile(token, meta))
        except ServiceError:
            self._forget()
            return None
        self._show(profile)
        return profile.principal

    async def start_impersonation(self, token: str, *, reason: str, until: datetime) -> None:
        """Act as a business with the token impersonation.start issued; the staff's own
        refresh token (the cookie) is left as it is, to come back to."""
        self._use_access_token(token)
        meta = self.request_meta()
        self._show(await in_thread(lambda: load_profile(token, meta)))
        self.impersonation_reason = reason
        self.impersonation_until = format_time(until)

    # Events.

    @rx.event
    async def require_login(self) -> EventSpec | None:
        """on_load of protected pages: a valid session, or off to the log-in page."""
        if await self.principal() is None:
            return self.login_redirect()
        return None

    async def resume(self) -> Principal | None:
        """Pick up an existing session if there is one (no log-in page otherwise)."""
        if self.refresh_token or self._access_token:
            return await self.principal()
        return None

    @rx.event
    async def check_session(self) -> None:
        """on_load of public pages: pick up an existing session, never redirect."""
        await self.resume()

    async def _end_impersonation(self) -> None:
        """Close the impersonation this tab acts under, if any, and drop its token."""
        if self.impersonating and self._access_token:
            token, meta = self._access_token, self.request_meta()

            def end() -> None:
                with platform_session("ui: end impersonation") as platform:
                    acting_as = auth.principal_from_access_token(
                        platform, get_settings(), token=token, meta=meta
                    )
                    impersonation.end(platform, principal=acting_as)

            # A ServiceError here means it ended already (expired, or in another tab).
            with contextlib.suppress(ServiceError):
                await in_thread(end)
        self._access_token = ""
        self._access_expires = 0.0
        self.impersonating = False
        self.impersonation_reason = ""
        self.impersonation_until = ""

    @rx.event
    async def log_out(self) -> EventSpec:
        await self._end_impersonation()
        await self._revoke_cookie_session()
        self._forget()
        self.refresh_token = ""
        return rx.redirect("/login")

    @rx.event
    async def log_out_everywhere(self) -> EventSpec:
        await self._end_impersonation()
        principal = await self.principal()
        if principal is not None and principal.user_id is not None:
            user_id: uuid.UUID = principal.user_id

            def end_all() -> None:
                with platform_session("ui: log out everywhere") as platform:
                    auth.logout_everywhere(platform, user_id=user_id)

            await in_thread(end_all)
        self._forget()
        self.refresh_token = ""
        return rx.redirect("/login")

    @rx.event
    async def end_impersonation(self) -> EventSpec:
        """Back to the staff's own session (the cookie's), on the staff console."""
        await self._end_impersonation()
        if await self.principal() is None:
            return rx.redirect("/login?next=/staff")
        return rx.redirect("/staff")
