"""The REST API, webhooks and (later) the call WebSocket, mounted into Reflex's backend."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from starlette.routing import compile_path

from voice_platform import __version__
from voice_platform.api.errors import ErrorResponse, error_response, install_error_handlers
from voice_platform.api.routers import (
    agents,
    analysis,
    auth,
    calls,
    creation,
    dashboard,
    health,
    knowledge_gaps,
    messages,
    numbers,
    providers,
    staff,
    tenants,
    twilio,
    voices,
)
from voice_platform.api.security import SecurityHeadersMiddleware
from voice_platform.config import Settings, get_settings

API_PREFIX = "/api"


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """The methods the documented API accepts at `path` (none: no such endpoint)."""
    methods: set[str] = set()
    for template, operations in app.openapi().get("paths", {}).items():
        regex, _, _ = compile_path(template)
        if regex.match(path):
            methods |= {method.upper() for method in operations}
    return sorted(methods)


def create_api(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPIOffline(
        title="Voice Platform API",
        version=__version__,
        description="REST API of the voice agent platform. Errors share one shape: "
        '`{"error": {"code", "message", "details"}}`.',
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=f"{API_PREFIX}/redoc",
        openapi_url=f"{API_PREFIX}/openapi.json",
        swagger_ui_oauth2_redirect_url=f"{API_PREFIX}/docs/oauth2-redirect",
        static_url=f"{API_PREFIX}/docs-static",
        responses={422: {"model": ErrorResponse}, 500: {"model": ErrorResponse}},
    )
    install_error_handlers(app)

    api = APIRouter(prefix=API_PREFIX)
    api.include_router(health.router)
    api.include_router(auth.router)
    api.include_router(auth.invitations)
    api.include_router(tenants.router)
    api.include_router(staff.router)
    api.include_router(creation.router)
    api.include_router(agents.router)
    api.include_router(numbers.router)
    api.include_router(voices.router)
    api.include_router(providers.router)
    api.include_router(twilio.router)
    api.include_router(messages.router)
    api.include_router(knowledge_gaps.router)
    api.include_router(analysis.router)
    api.include_router(calls.router)
    # Before calls.analytics, whose /analytics/{tenant_id} would take these paths.
    api.include_router(dashboard.router)
    api.include_router(calls.analytics)

    @api.api_route(
        "/{path:path}",
        methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        include_in_schema=False,
    )
    async def unknown_endpoint(request: Request, path: str) -> JSONResponse:
        # Without this, unknown /api paths would fall through to the UI's HTML 404 page.
        # It also catches a known path with the wrong method, which deserves a 405.
        allowed = allowed_methods(request.app, request.url.path)
        if allowed:
            return error_response(
                405,
                f"{request.method} is not allowed on /api/{path}; use {', '.join(allowed)}",
                headers={"Allow": ", ".join(allowed)},
            )
        return error_response(404, f"No API endpoint at /api/{path}")

    app.include_router(api)

    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.behind_tls)
    return app
