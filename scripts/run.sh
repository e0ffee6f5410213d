#!/usr/bin/env bash
# Serve Crossdock with a Celery worker and beat until Ctrl-C, which stops all of them. The worker
# and beat are supervised: one that dies (a broker outage, a kill) is started again, and the web
# goes on serving meanwhile.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PORT="${PORT:-8000}"
VAR="${CROSSDOCK_VAR_DIR:-var}"
mkdir -p "$VAR"

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
# The worker runs below the web when the cores are busy (as docker-compose.yml gives it a
# quarter of the web's CPU weight): a burst of webhooks is answered first, processing catches up.
CROSSDOCK_RUN_BANNER=1 scripts/supervise.sh worker \
  nice -n "${CROSSDOCK_WORKER_NICE:-6}" $BIN/celery -A hub worker --loglevel=INFO --concurrency=2 &
scripts/supervise.sh beat \
  $BIN/celery -A hub beat --loglevel=INFO --schedule="$VAR/celerybeat-schedule" &
if [ "${DEBUG:-0}" = "1" ]; then
  $BIN/python manage.py runserver "127.0.0.1:${PORT}" --noreload &
else
  $BIN/python manage.py collectstatic --noinput -v0
  $BIN/gunicorn hub.wsgi &  # gunicorn.conf.py: bind 0.0.0.0:$PORT, workers, threads
fi
web=$!
# The web stopping (or Ctrl-C) stops the rest; a worker or beat that stops is started again.
wait "$web"
