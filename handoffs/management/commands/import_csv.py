import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from handoffs.inbound import imports
from handoffs.models import ImportJob


class Command(BaseCommand):
    help = (
        "Import past data from an Onfleet task export or a HubSpot contacts export (CSV). "
        "All valid rows are written in one transaction; rejected rows are listed."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=ImportJob.Kind.values)
        parser.add_argument("path", help="The CSV file ('-' reads standard input).")

    def handle(self, *args, kind: str, path: str, **options):
        try:
            raw = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from exc
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CommandError(f"{path} is not UTF-8 text: export it again as CSV.") from exc

        def progress(stage: str, done: int, total: int) -> None:
            width = 30
            filled = width * done // total if total else width
            bar = "#" * filled + "-" * (width - filled)
            self.stderr.write(f"\r{stage:9} [{bar}] {done}/{total}", ending="")
            self.stderr.flush()

        try:
            summary = imports.run(kind, text, progress=progress)
        except imports.RowError as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write("")
        self.stdout.write(
            f"{summary.total} rows: {summary.created} created, {summary.updated} updated, "
            f"{len(summary.rejected)} rejected."
        )
        for rejection in summary.rejected[:50]:
            self.stdout.write(f"  row {rejection['row']}: {rejection['reason']}")
        if len(summary.rejected) > 50:
            self.stdout.write(f"  … and {len(summary.rejected) - 50} more")
