"""The business's own provider accounts, on the Settings page: which provider serves each
capability (its own account, the platform's, or the offline sandbox), and the owner's forms
to use its own Twilio, ElevenLabs or OpenAI-compatible account instead."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import reflex as rx
from sqlmodel import Session

from voice_platform.services import credentials, providers
from voice_platform.services.credentials import FIELDS, Provider
from voice_platform.services.principal import Principal
from voice_platform.state.auth import AuthState
from voice_platform.state.tenant_scope import run_in_tenant

T = TypeVar("T")
CAPABILITIES = {"phone": "Phone numbers", "voice": "Voices", "llm": "Language model"}
SOURCES = {
    "own": "your own account",
    "platform": "the platform's account",
    "sandbox": "the offline sandbox",
}


class ProviderAccountsState(rx.State):
    allowed: bool = False
    rows: list[dict[str, str]] = []
    errors: dict[str, str] = {}
    notice: str = ""
    busy: bool = False
    form_key: int = 0

    async def _run(self, work: Callable[[Session, Principal, uuid.UUID], T]) -> T | None:
        return await run_in_tenant(self, work)

    async def _reload(self) -> None:
        found = await self._run(lambda s, p, t: providers.sources(s, principal=p, tenant_id=t))
        self.rows = [
            {
                "capability": CAPABILITIES[capability],
                "provider": value["provider"],
                "source": SOURCES[value["source"]],
                "hint": value["hint"],
            }
            for capability, value in (found or {}).items()
        ]

    @rx.event
    async def load(self) -> None:
        self.errors = {}
        self.notice = ""
        principal = await (await self.get_state(AuthState)).principal()
        self.allowed = bool(principal and principal.role and principal.role.value == "owner")
        self.rows = []
        if self.allowed:
            await self._reload()

    @rx.event
    async def save(self, form: dict[str, Any]) -> AsyncIterator[None]:
        self.errors = {}
        self.notice = ""
        provider = Provider(str(form.get("provider")))
        values = {k: str(form.get(k, "")) for k in FIELDS[provider] if form.get(k)}
        self.busy = True
        yield
        saved = await self._run(
            lambda s, p, t: (
                credentials.save(s, principal=p, tenant_id=t, provider=provider, values=values).hint
            )
        )
        if saved:
            self.notice = f"Your {provider.value} account ({saved}) is in use."
            self.form_key += 1
        else:
            self.errors = {f"{provider.value}.{k}" if k else "": v for k, v in self.errors.items()}
        await self._reload()
        self.busy = False

    @rx.event
    async def remove(self, provider: str) -> AsyncIterator[None]:
        self.errors = {}
        self.notice = ""
        chosen = Provider(provider)
        self.busy = True
        yield

        def remove(s: Session, p: Principal, t: uuid.UUID) -> bool:
            credentials.remove(s, principal=p, tenant_id=t, provider=chosen)
            return True

        done = await self._run(remove)
        if done:
            self.notice = f"Your {provider} account is no longer used."
        await self._reload()
        self.busy = False
