# Production image: gunicorn for web, the same image runs the Celery worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=marketplace.settings.production

RUN useradd --create-home --uid 10001 app
WORKDIR /app

COPY pyproject.toml README.md ./
COPY marketplace ./marketplace
COPY apps ./apps
COPY console ./console
RUN pip install .

COPY manage.py ./
COPY templates ./templates
COPY static ./static
# collectstatic needs settings that load; these throwaway values never reach a container.
RUN SECRET_KEY=build-only-$(python -c "import secrets; print(secrets.token_urlsafe(64))") \
    SECRET_PEPPER=build-only-$(python -c "import secrets; print(secrets.token_urlsafe(32))") \
    ENCRYPTION_KEYS=build-only-$(python -c "import secrets; print(secrets.token_urlsafe(32))") \
    WEBHOOK_SIGNING_KEY=$(python -c "import base64, secrets; print('whsk_' + base64.b64encode(secrets.token_bytes(32)).decode())") \
    ALLOWED_HOSTS=build.invalid \
    OAUTH_ISSUER=https://build.invalid \
    CACHE_URL=redis://build.invalid:6379/0 \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/var/media && chown -R app:app /app/var

USER app
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"
CMD ["gunicorn", "marketplace.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
