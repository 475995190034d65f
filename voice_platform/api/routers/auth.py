"""Sign-up, log-in, sessions, password resets, invitations. Each endpoint says who may call it."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from voice_platform.api.deps import MetaDep, PrincipalDep, SettingsDep
from voice_platform.api.schemas import (
    InvitationAccept,
    LoginRequest,
    MeResponse,
    PasswordResetConfirm,
    PasswordResetRequest,
    RefreshRequest,
    RegisterRequest,
    TokenResponse,
)
from voice_platform.db import platform_session
from voice_platform.services import auth, members
from voice_platform.services.errors import Forbidden, InvalidInput

router = APIRouter(prefix="/auth", tags=["auth"])
PUBLIC = "**Auth:** none."


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    response_model=TokenResponse,
    summary="Sign up: create a business and its owner",
    description=PUBLIC,
)
def register(body: RegisterRequest, settings: SettingsDep, meta: MetaDep) -> TokenResponse:
    with platform_session("sign-up") as platform:
        tokens = auth.register(
            platform,
            settings,
            business_name=body.business_name,
            email=body.email,
            password=body.password,
            full_name=body.full_name,
            time_zone=body.time_zone,
            meta=meta,
        )
    return TokenResponse.of(tokens)


@router.post(
    "/login",
    response_model=TokenResponse,
    summary="Log in with email and password",
    description=PUBLIC + " Repeated failures lock the account for a while (429).",
)
def login(body: LoginRequest, settings: SettingsDep, meta: MetaDep) -> TokenResponse:
    with platform_session("log-in") as platform:
        tokens = auth.login(
            platform,
            settings,
            email=body.email,
            password=body.password,
            tenant_slug=body.tenant,
            meta=meta,
        )
    return TokenResponse.of(tokens)


@router.post(
    "/refresh",
    response_model=TokenResponse,
    summary="Trade a refresh token for a new pair (the old one stops working)",
    description=PUBLIC + " Reusing a traded refresh token ends the whole session.",
)
def refresh(body: RefreshRequest, settings: SettingsDep) -> TokenResponse:
    with platform_session("refresh session") as platform:
        tokens = auth.refresh(platform, settings, refresh_token=body.refresh_token)
    return TokenResponse.of(tokens)


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="End the session a refresh token belongs to",
    description=PUBLIC + " Unknown tokens are ignored.",
)
def logout(body: RefreshRequest) -> Response:
    with platform_session("log-out") as platform:
        auth.logout(platform, refresh_token=body.refresh_token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/logout-everywhere",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="End every session of the logged-in user",
    description="**Auth:** a user's access token (not an API key).",
)
def logout_everywhere(principal: PrincipalDep) -> Response:
    if principal.user_id is None:
        raise Forbidden("API keys have no sessions; revoke the key instead")
    with platform_session("log-out everywhere") as platform:
        auth.logout_everywhere(platform, user_id=principal.user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/me",
    response_model=MeResponse,
    summary="Who the credential belongs to",
    description="**Auth:** any access token or API key.",
)
def me(principal: PrincipalDep) -> MeResponse:
    return MeResponse(
        user_id=principal.user_id,
        email=principal.email,
        tenant_id=principal.tenant_id,
        role=principal.role,
        is_staff=principal.is_staff,
        impersonating=principal.is_impersonating,
        api_key_id=principal.api_key_id,
        scope=principal.scope.value,
    )


@router.post(
    "/password-reset",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Email a password-reset link",
    description=PUBLIC + " Answers the same whether or not the account exists.",
)
def request_password_reset(
    body: PasswordResetRequest, settings: SettingsDep, meta: MetaDep
) -> Response:
    with platform_session("password reset request") as platform:
        auth.request_password_reset(platform, settings, email=body.email, meta=meta)
    return Response(status_code=status.HTTP_202_ACCEPTED)


@router.post(
    "/password-reset/confirm",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Set a new password with the emailed token (once)",
    description=PUBLIC + " Ends every session of the account and lifts a lockout.",
)
def confirm_password_reset(
    body: PasswordResetConfirm, settings: SettingsDep, meta: MetaDep
) -> Response:
    with platform_session("password reset") as platform:
        auth.reset_password(
            platform, settings, token=body.token, new_password=body.new_password, meta=meta
        )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


invitations = APIRouter(prefix="/invitations", tags=["team"])


@invitations.post(
    "/accept",
    response_model=TokenResponse,
    summary="Join a business with an invitation token",
    description=PUBLIC + " New people choose a password; existing accounts give theirs.",
)
def accept_invitation(
    body: InvitationAccept, settings: SettingsDep, meta: MetaDep
) -> TokenResponse:
    if not body.token:
        raise InvalidInput("The invitation token is missing", field="token")
    with platform_session("accept invitation") as platform:
        tokens = members.accept_invitation(
            platform,
            settings,
            token=body.token,
            password=body.password,
            full_name=body.full_name,
            meta=meta,
        )
    return TokenResponse.of(tokens)
