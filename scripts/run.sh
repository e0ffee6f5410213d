#!/usr/bin/env bash
# Serve Crossdock with a Celery worker (beat embedded) until Ctrl-C, which stops all of them.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PORT="${PORT:-8000}"
mkdir -p var

cleanup() {
  trap - INT TERM EXIT
  kill -TERM $(jobs -p) 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

$BIN/python - <<'PY'
import os
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
django.setup()
from django.conf import settings
from hub import demo
port = os.environ.get("PORT", "8000")
db = settings.DATABASES["default"]
print()
print(f"  Crossdock is starting on http://127.0.0.1:{port}/")
print(f"  Database: {db['ENGINE'].rsplit('.', 1)[-1]} {db['NAME']}")
print(f"  Broker:   {settings.CELERY_BROKER_URL.split('@')[-1]}")
print("  Sign in with one of the demo logins:")
for email, password, what in demo.demo_logins():
    print(f"    {email:28} {password}   {what}")
print("  API docs: /api/docs/   Stop everything with Ctrl-C.")
print()
PY

$BIN/celery -A hub worker --beat --loglevel=INFO --concurrency=2 \
  --schedule=var/celerybeat-schedule &
if [ "${DEBUG:-0}" = "1" ]; then
  $BIN/python manage.py runserver "127.0.0.1:${PORT}" --noreload &
else
  $BIN/python manage.py collectstatic --noinput -v0
  $BIN/gunicorn hub.wsgi --bind "0.0.0.0:${PORT}" --workers 3 --access-logfile - &
fi
# Whichever stops first (or Ctrl-C) stops the rest.
wait -n
