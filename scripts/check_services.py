"""Stop at once, with one line saying what to start, if Postgres or Redis is unreachable."""

import os
import socket
import sys
from urllib.parse import urlparse

HINTS = {
    "Postgres": "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    "Redis": "redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no",
}


def reachable(url: str, default_port: int) -> tuple[str, int, bool]:
    parsed = urlparse(url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or default_port
    try:
        with socket.create_connection((host, port), timeout=2):
            return host, port, True
    except OSError:
        return host, port, False


def main() -> int:
    failed = False
    for name, var, port in (
        ("Postgres", "DATABASE_URL", 5432),
        ("Redis", "CELERY_BROKER_URL", 6379),
    ):
        host, port, ok = reachable(os.environ[var], port)
        if not ok:
            print(f"{name} is not reachable at {host}:{port}; start it with: {HINTS[name]}")
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
