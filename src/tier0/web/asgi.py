"""Entry point for ASGI servers: `uvicorn --factory tier0.web.asgi:app_from_env`.

Each worker process builds its own container from the environment; nothing is shared in
process memory between workers (DESIGN.md §6).
"""

from __future__ import annotations

from fastapi import FastAPI

from tier0.container import Container
from tier0.logs import configure_logging
from tier0.settings import Settings
from tier0.web.app import create_app


def app_from_env() -> FastAPI:
    settings = Settings()
    configure_logging(settings.log_level)
    return create_app(Container.build(settings), close_container=True)
