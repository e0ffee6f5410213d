"""Send what the outbox holds, as a worker would (for tests that read the mail or the inbox)."""

from django.utils import timezone

from handoffs import services
from handoffs.models import Alert


def drain(rounds: int = 5) -> list[str]:
    outcomes: list[str] = []
    for _ in range(rounds):
        due = list(
            Alert.objects.filter(status=Alert.Status.PENDING, next_attempt_at__lte=timezone.now())
            .order_by("id")
            .values_list("pk", flat=True)
        )
        if not due:
            break
        outcomes += [services.alert_send(pk) for pk in due]
    return outcomes
