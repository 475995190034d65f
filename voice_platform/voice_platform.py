"""The Reflex app: pages, theme, and the FastAPI app mounted for /api."""

import reflex as rx

from voice_platform.api import create_api
from voice_platform.logs import configure_logging
from voice_platform.pages.home import HomeState, home
from voice_platform.pages.not_found import not_found

configure_logging()

app = rx.App(
    api_transformer=create_api(),
    head_components=[rx.el.meta(name="viewport", content="width=device-width, initial-scale=1")],
)
app.add_page(home, route="/", title="Voice Platform", on_load=HomeState.load)
app.add_page(not_found, route="404", title="Page not found")
