# The production image: gunicorn serves the web; the same image runs the worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CROSSDOCK_VAR_DIR=/app/var

WORKDIR /app
RUN useradd --create-home --uid 1000 crossdock

# The pinned dependencies first (a layer that changes only with pyproject.toml), then the code,
# which runs from /app as it does in development.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt
COPY . .
# collectstatic needs settings but no services: a throwaway key and SQLite are enough here.
RUN SECRET_KEY=collectstatic-only DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    python manage.py collectstatic --noinput -v0 \
    && mkdir -p /app/var && chown -R crossdock /app/var

USER crossdock
EXPOSE 8000
# Workers, threads, keep-alive and the bind address ($PORT) come from gunicorn.conf.py.
CMD ["gunicorn", "hub.wsgi"]
