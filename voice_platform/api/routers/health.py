from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from voice_platform.api.deps import SettingsDep
from voice_platform.services.health import HealthReport, system_health

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    response_model=HealthReport,
    summary="Database and Redis reachability",
    description="**Auth:** none.",
    responses={
        503: {"model": HealthReport, "description": "A dependency is down; named in `failing`"}
    },
)
async def health(settings: SettingsDep) -> JSONResponse:
    report = await system_health(settings)
    return JSONResponse(report.model_dump(), status_code=200 if report.status == "ok" else 503)
