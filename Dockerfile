# One image for every role of oss-router; the command picks the role (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    OSS_ROUTER_MIGRATIONS_DIR=/app/migrations \
    OSS_ROUTER_HOST=0.0.0.0

WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY src ./src
COPY adapters ./adapters
COPY migrations ./migrations
RUN pip install --no-cache-dir . \
    && useradd --system --uid 10001 --home /app oss-router
USER oss-router

EXPOSE 8000
ENTRYPOINT ["oss-router"]
CMD ["serve"]
