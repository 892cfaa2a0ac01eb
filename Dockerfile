# newsbot in a container: `docker compose up` runs it beside PostgreSQL (compose.yaml).
# Build stage: one wheel for newsbot and one for each dependency; nothing else is kept.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
COPY config ./config
COPY templates ./templates
RUN pip wheel --no-cache-dir --wheel-dir /wheels ".[postgres]"

# Run stage: the wheels installed offline, a non-root user, the console on 8080.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    NEWSBOT_DATABASE_URL=sqlite:////var/lib/newsbot/newsbot.db
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/newsbot --create-home newsbot
# The wheels are mounted for this one step, never copied: a COPY would keep them in a layer
# of the image however soon they were deleted.
RUN --mount=type=bind,from=build,source=/wheels,target=/tmp/wheels \
    pip install --no-cache-dir --no-index --find-links=/tmp/wheels "newsbot[postgres]"
COPY docker/entrypoint.sh /usr/local/bin/newsbot-entrypoint
USER newsbot
WORKDIR /var/lib/newsbot
VOLUME ["/var/lib/newsbot"]
EXPOSE 8080
# /healthz answers without a token; python is in the image, curl is not.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8080/healthz', timeout=4)"]
ENTRYPOINT ["newsbot-entrypoint"]
# Listening beyond loopback needs http.token in the config ({$env: NEWSBOT_HTTP_TOKEN}).
CMD ["run", "--http", "0.0.0.0:8080"]
