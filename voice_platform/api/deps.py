"""Typed dependencies shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from voice_platform.config import Settings, get_settings

SettingsDep = Annotated[Settings, Depends(get_settings)]
