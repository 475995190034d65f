"""Reflex configuration. Runtime settings live in voice_platform.config (environment variables);
Reflex itself reads REDIS_URL (its state manager) and API_URL from the environment."""

import reflex as rx

config = rx.Config(
    app_name="voice_platform",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[
        rx.plugins.SitemapPlugin(),
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(accent_color="iris", gray_color="slate", radius="medium")
        ),
    ],
)
