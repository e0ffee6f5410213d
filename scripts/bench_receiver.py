"""A Slack-compatible / outbound-webhook receiver for the benchmarks, on 127.0.0.1.

Answers every POST with 200 "ok" (as Slack's incoming webhooks do) and appends one line per
request to the log file: ``<unix time received>\t<Idempotency-Key>\t<title>``. Runs as its own
process so that its work is not counted against the load generator.

    python scripts/bench_receiver.py PORT LOGFILE
"""

from __future__ import annotations

import json
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main() -> None:
    port, path = int(sys.argv[1]), sys.argv[2]
    out = open(path, "a", buffering=1)  # noqa: SIM115 - held for the life of the process
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Answer at once, as Slack's edge does: with Nagle's algorithm on, the body written
        # after the headers would wait for the client's delayed ACK (40 ms on Linux), and
        # every alert would seem to take that long to deliver.
        disable_nagle_algorithm = True

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            received = time.time()
            try:
                title = str(json.loads(body).get("title", ""))
            except (ValueError, AttributeError):
                title = body[:200].decode(errors="replace")
            key = self.headers.get("Idempotency-Key", "")
            with lock:
                out.write(f"{received:.6f}\t{key}\t{title}\n")
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *_: (out.flush(), sys.exit(0)))
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
