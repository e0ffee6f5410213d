"""gunicorn's settings: the production image runs ``gunicorn hub.wsgi`` and reads this file.

Each variable can be set in the environment; the defaults are the shape measured by
``make bench`` on two cores (bench/RESULTS.md).
"""

import os

bind = [f"0.0.0.0:{os.environ.get('PORT', '8000')}"]
# Processes: about one per core plus one, so a process waiting on the database still leaves
# the cores busy.
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
# Threads per process: a webhook spends most of its time waiting for Postgres to commit, and
# threads overlap those waits. gthread also keeps connections alive, so a provider (or a load
# balancer) sending many requests does not pay a TCP handshake for each.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "30"))
# "-" logs each request to stdout (docker logs); set GUNICORN_ACCESS_LOG="" to turn it off.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
# Recycle a process after this many requests (with jitter, so they do not all restart at
# once): a guard against slow memory growth.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "50000"))
max_requests_jitter = max_requests // 10
