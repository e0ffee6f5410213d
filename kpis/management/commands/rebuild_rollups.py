from django.core.management.base import BaseCommand

from kpis import rollups


class Command(BaseCommand):
    help = "Rebuild the daily KPI rollups from deliveries and customers (idempotent)."

    def handle(self, *args, **options):
        written = rollups.rebuild_all()
        self.stdout.write(f"Rebuilt the KPI rollups: {written} rows.")
