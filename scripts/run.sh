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
from hub.banner import banner_text
print(banner_text())
PY
CROSSDOCK_RUN_BANNER=1 $BIN/celery -A hub worker --beat --loglevel=INFO --concurrency=2 \
  --schedule=var/celerybeat-schedule &
if [ "${DEBUG:-0}" = "1" ]; then
  $BIN/python manage.py runserver "127.0.0.1:${PORT}" --noreload &
else
  $BIN/python manage.py collectstatic --noinput -v0
  $BIN/gunicorn hub.wsgi &  # gunicorn.conf.py: bind 0.0.0.0:$PORT, workers, threads
fi
# Whichever stops first (or Ctrl-C) stops the rest.
wait -n
