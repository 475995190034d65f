# syntax=docker/dockerfile:1
# Production image: the app (`voice-platform serve`) and the worker (`voice-platform worker`).

FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm unzip \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY voice_platform voice_platform
COPY workers workers
# The CPU build of torch (PyPI's default is the CUDA one, gigabytes larger).
RUN python -m venv /venv \
    && /venv/bin/pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu \
    && /venv/bin/pip install .
COPY rxconfig.py alembic.ini ./
COPY alembic alembic
COPY assets assets
COPY reflex.lock reflex.lock
RUN npm install --prefix=.tools --no-save --no-audit --no-fund bun@1.4.4
ENV PATH=/app/.tools/node_modules/.bin:/venv/bin:$PATH \
    REFLEX_USE_SYSTEM_BUN=1 REFLEX_TELEMETRY_ENABLED=false REFLEX_CHECK_LATEST_VERSION=false
# Builds the production frontend once (where `serve` builds it: DATA_DIR/web), so a
# container start only recompiles the pages.
RUN REFLEX_WEB_WORKDIR=/app/.data/web reflex export --frontend-only --no-zip

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    PATH=/app/.tools/node_modules/.bin:/venv/bin:$PATH \
    REFLEX_USE_SYSTEM_BUN=1 REFLEX_TELEMETRY_ENABLED=false REFLEX_CHECK_LATEST_VERSION=false \
    HOST=0.0.0.0 PORT=3000 DATA_DIR=/app/.data
RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs unzip espeak-ng \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --create-home --home-dir /home/voice voice
COPY --from=build /venv /venv
COPY --from=build --chown=voice:voice /app /app
WORKDIR /app
USER 10001
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import httpx, sys; sys.exit(httpx.get('http://127.0.0.1:3000/api/health').status_code != 200)"]
CMD ["voice-platform", "serve"]
