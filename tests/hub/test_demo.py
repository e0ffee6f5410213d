from django.core.management import call_command
from django.db.models import Count

from hub import demo
from hub.models import Campaign, Customer, Delivery, MarketingSpend, Membership, Team, User


def test_seed_demo_builds_a_believable_company_once(db, capsys):
    call_command("seed_demo", "--deliveries", "2000")

    assert set(Team.objects.values_list("name", flat=True)) == {
        "Marketing",
        "Operations",
        "Customer Support",
        "Tech",
    }
    assert User.objects.count() == 12
    assert Membership.objects.filter(role="admin").count() == 1
    assert Delivery.objects.count() == 2000
    assert Campaign.objects.count() == 7  # five with history, two launches (workflows)
    assert MarketingSpend.objects.exists()

    completed = Delivery.objects.exclude(completed_at=None)
    on_time = completed.filter(on_time=True).count() / completed.count()
    failed = completed.filter(status=Delivery.Status.FAILED).count() / completed.count()
    assert 0.8 < on_time < 0.97
    assert 0.01 < failed < 0.1

    firsts = Delivery.objects.filter(is_first_for_customer=True)
    assert firsts.exists()
    # A customer has at most one first delivery, and it is their earliest.
    assert not firsts.values("customer").annotate(n=Count("id")).filter(n__gt=1).exists()
    first = firsts.select_related("customer").first()
    earliest = Delivery.objects.filter(customer=first.customer).order_by("window_start").first()
    assert earliest.pk == first.pk
    assert Customer.objects.exclude(acquisition_campaign=None).exists()
    assert Customer.objects.exclude(promo_code=None).exists()

    capsys.readouterr()
    call_command("seed_demo", "--deliveries", "2000")
    assert "already loaded" in capsys.readouterr().out
    assert Delivery.objects.count() == 2000
    assert User.objects.count() == 12


def test_seed_demo_reset_rebuilds_at_another_size(db):
    call_command("seed_demo", "--deliveries", "500")
    call_command("seed_demo", "--deliveries", "800", "--reset")
    assert Delivery.objects.count() == 800
    assert User.objects.count() == 12


def test_demo_logins_sign_in(client, db):
    demo.load(deliveries=100)
    email, password, _ = demo.demo_logins()[0]
    assert client.login(username="maya", password=password)
    assert User.objects.get(email=email).is_staff
