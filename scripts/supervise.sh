#!/usr/bin/env bash
# Keep one process running: start it again whenever it exits, until this script is told to stop.
#   scripts/supervise.sh <name> <command> [args…]
# SIGTERM or SIGINT stop the process (SIGTERM, so a Celery worker finishes its task; SIGKILL for
# it and its children if it has not stopped after SUPERVISE_STOP_SECONDS) and then this script. A process that keeps dying right after its start is restarted at growing
# intervals (up to 30 s), so a missing broker does not turn into a tight loop.
set -uo pipefail
name="$1"
shift
child=0
pause=0
# Seconds a process has to stop after SIGTERM (a Celery worker finishing its task) before it and
# its children are killed: a prefork worker whose pool was signalled with it can hang in its warm
# shutdown for ever.
GRACE="${SUPERVISE_STOP_SECONDS:-20}"
stop() {
  # A second signal (the whole process group is often signalled, then each job again) must not
  # cut this short and leave the process behind.
  trap '' INT TERM
  [ "$pause" -gt 0 ] && kill "$pause" 2>/dev/null
  if [ "$child" -gt 0 ] && kill -0 "$child" 2>/dev/null; then
    kill -TERM "$child" 2>/dev/null
    for _ in $(seq $((GRACE * 5))); do
      kill -0 "$child" 2>/dev/null || break
      sleep 0.2
    done
    if kill -0 "$child" 2>/dev/null; then
      echo "[supervise] $name did not stop within ${GRACE}s; killing it" >&2
      pkill -KILL -P "$child" 2>/dev/null
      kill -KILL "$child" 2>/dev/null
    fi
    wait "$child" 2>/dev/null
  fi
  exit 0
}
trap stop INT TERM
delay=1
while :; do
  started=$SECONDS
  "$@" &
  child=$!
  wait "$child"
  status=$?
  child=0
  if [ $((SECONDS - started)) -ge 60 ]; then delay=1; fi
  echo "[supervise] $name stopped (exit status $status); starting it again in ${delay}s" >&2
  sleep "$delay" &
  pause=$!
  wait "$pause"
  pause=0
  delay=$((delay * 2 > 30 ? 30 : delay * 2))
done
