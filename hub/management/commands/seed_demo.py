from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from hub import demo


class Command(BaseCommand):
    help = "Load SwiftDrop, the demo last-mile company (idempotent: a second run does nothing)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--deliveries", type=int, default=30000, help="How many deliveries (default 30000)."
        )
        parser.add_argument("--seed", type=int, default=7, help="Random seed (default 7).")
        parser.add_argument(
            "--reset", action="store_true", help="Delete the demo company first, then load it."
        )

    def handle(self, *args, deliveries: int, seed: int, reset: bool, **options):
        if deliveries < 0:
            raise CommandError("--deliveries must be zero or more.")
        if reset:
            demo.reset()
            self.stdout.write("Removed the previous demo company.")
        result = demo.load(deliveries=deliveries, seed=seed, progress=self.stdout.write)
        if not result.created:
            self.stdout.write("Demo company already loaded; nothing to do (use --reset).")
            return
        if connection.vendor == "postgresql":
            # Fresh planner statistics for the rows just loaded: without them (autovacuum off,
            # or not yet round) a million deliveries are planned as an empty table, and the
            # rollup rebuild and dashboards ran 5-20x slower in `make bench`.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded SwiftDrop: {result.users} people, {result.customers} customers, "
                f"{result.deliveries} deliveries over {demo.DAYS} days."
            )
        )
