"""Typed dependencies shared by the routers: settings, the caller, request metadata."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from voice_platform.config import Settings, get_settings
from voice_platform.db import platform_session
from voice_platform.services import auth
from voice_platform.services.errors import Unauthorized
from voice_platform.services.principal import Principal, RequestMeta

SettingsDep = Annotated[Settings, Depends(get_settings)]

bearer = HTTPBearer(
    auto_error=False,
    description="An access token from /api/auth/login, or an API key (vpk_…).",
)


def request_meta(request: Request) -> RequestMeta:
    return RequestMeta(
        ip=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"),
    )


MetaDep = Annotated[RequestMeta, Depends(request_meta)]


def current_principal(
    settings: SettingsDep,
    meta: MetaDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    if credentials is None or not credentials.credentials:
        raise Unauthorized("Log in first: send `Authorization: Bearer <token or API key>`")
    with platform_session("authenticate request") as platform:
        return auth.principal_from_bearer(
            platform, settings, credential=credentials.credentials, meta=meta
        )


PrincipalDep = Annotated[Principal, Depends(current_principal)]
