"""SwiftDrop's shared docs: spaces, campaign plans, delivery schedules, FAQs, onboarding modules,
meeting notes and a pilot write-up, with months of revisions by several functions, comments,
reads, one page overdue for review and two pages the silo check shows."""

from __future__ import annotations

from datetime import datetime, timedelta
from random import Random

from django.utils import timezone

from handoffs import selectors as handoff_selectors
from handoffs import services as handoff_services
from hub.models import Campaign, Team, User
from wiki import rule_actions, services
from wiki.models import Page, PageView, Space, Watch

NORTHGATE_PLAN = """\
## Summary
Launch same-day delivery in **Northgate** with a 20% first-order code. The zone opened five weeks
ago; on-time is still below the city average, so volume ramps in two steps.

| | |
|---|---|
| Campaign | {campaign} |
| Zones | Northgate |
| Dates | weeks 1–2 soft launch, weeks 3–6 full push |
| Promo codes | NORTH20 (20%, first order, one per household) |
| Expected volume | 60 orders/day in week 1, 140/day from week 3 |
| Channel | Paid social, leaflets, local partners |

## Audience and message
Households within the Northgate ring road. "Groceries at your door the same day — 20% off your
first order."

## Operations capacity sign-off
- [x] Driver capacity confirmed for each zone (Jonas: 6 drivers weeks 1–2, 11 from week 3)
- [x] Delivery windows agreed (14:00–20:00 only until the depot extension opens)
- [ ] Promo codes loaded in dispatch notes

Capacity notes: Northgate runs from the Riverside depot until the extension opens; anything
above 150 orders/day needs a second wave. See [[Northgate delivery schedule]].

## Customer support FAQ
- **What does the promo code give?** 20% off the first order, up to 15 €.
- **Which zones can order?** Northgate postcodes only; Downtown and Riverside keep WELCOME10.
- **What if my delivery is late?** Apologise, offer the standard late credit, log it as a
  complaint tagged *Northgate launch*.

## Risks and open questions
- On-time in Northgate is 83%: CS expects more "where is my order" tickets in week 1.
- Leaflet drop date depends on the printer.
"""

REFERRAL_PLAN = """\
## Summary
Existing customers get 5 € for every friend who places a first order with their code.

| | |
|---|---|
| Campaign | {campaign} |
| Zones | Downtown, Riverside |
| Dates | ongoing, reviewed monthly |
| Promo codes | REFER5 |
| Expected volume | +25 new customers/week |

## Operations capacity sign-off
- [x] Driver capacity confirmed for each zone
- [x] Delivery windows agreed

## Customer support FAQ
- **When does the referrer get the credit?** After the friend's first successful delivery.
- **Can a code be used twice?** No: one per new household.
"""

SCHEDULE = """\
## Zones and windows
| Zone | Days | Windows | Cut-off | Capacity (drops/day) |
|---|---|---|---|---|
| Downtown | Mon–Sat | 08:00–12:00, 14:00–20:00 | 22:00 day before | 900 |
| Riverside | Mon–Sat | 10:00–13:00, 16:00–21:00 | 20:00 day before | 520 |
| Northgate | Tue–Sat | 14:00–20:00 | 18:00 day before | 150 |

## Changes this period
- Riverside evening window extended to 21:00 ({month}).
- Promo peaks: check the [[Promo calendar]] before moving a shift.

## Who to call
- Dispatch lead: Omar (Operations)
- Out-of-hours: the on-call driver lead, via the Operations channel
"""

NORTHGATE_SCHEDULE = """\
## Zones and windows
| Zone | Days | Windows | Cut-off | Capacity (drops/day) |
|---|---|---|---|---|
| Northgate | Tue–Sat | 14:00–20:00 | 18:00 day before | 150 |

Served from the Riverside depot until the extension opens. Second wave from 17:00 when a day
passes 120 orders.
"""

CUSTOMER_FAQ = """\
## Questions
### Where is my order?
The tracking link in the confirmation SMS shows the driver live from 30 minutes before arrival.

### Can I change my delivery window?
Until the cut-off the evening before, in the app. After that, CS can move it once if a later
window has room.

### How do I use a promo code?
Enter it at checkout; one code per order. Current codes: WELCOME10, REFER5, NORTH20.

## Escalation
If the answer is not here, hand it to the owning team from any page (Hand off).
"""

PROMO_FAQ = """\
## Questions
### Which code can a customer use?
| Code | Who | Discount | Zones |
|---|---|---|---|
| WELCOME10 | new customers | 10% | all |
| REFER5 | referred friends | 5 € | Downtown, Riverside |
| NORTH20 | new Northgate households | 20% | Northgate |
| RIVER15 | Instagram campaign | 15% | Riverside |

### A code says "not valid"
Check the zone first: NORTH20 only works on Northgate postcodes.
"""

PROMO_CALENDAR = """\
## Promo calendar
| Month | Campaign | Code | Zones |
|---|---|---|---|
| This month | Northgate launch | NORTH20 | Northgate |
| Next month | Riverside on Instagram (second flight) | RIVER15 | Riverside |
| In two months | Win-back email | BACK10 | all |

Draft dates; marketing moves them as budgets settle.
"""

BRAND_VOICE = """\
## Brand voice
- Friendly, short, never "dear customer".
- Say *same day*, not *express*.
- Every promo message names the zones it works in.
"""

ONBOARDING = {
    "Operations": (
        "Operations onboarding",
        "Dispatch runs on Onfleet; every failed first delivery reaches CS as a handoff.",
        "- [ ] Ride along on a Downtown evening shift\n- [ ] Read the [[Delivery schedule]]\n"
        "- [ ] Learn how capacity sign-off works on a campaign plan",
    ),
    "Marketing": (
        "Marketing onboarding",
        "Campaigns, promo codes and acquisition. Every campaign plan needs ops sign-off.",
        "- [ ] Read the current campaign plans\n- [ ] Learn the promo code rules\n"
        "- [ ] Sit in on a CS queue for an hour",
    ),
    "Customer Support": (
        "Customer support onboarding",
        "Tickets, complaints and feedback. We close the loop with marketing every week.",
        "- [ ] Read the [[Customer FAQ: deliveries]]\n- [ ] Read the [[Promo code FAQ]]\n"
        "- [ ] Shadow a senior agent for a day",
    ),
    "Tech": (
        "Tech onboarding",
        "Integrations (Onfleet, HubSpot, Typeform), data and the tools everyone uses.",
        "- [ ] Get access to Crossdock admin\n- [ ] Read the integrations runbook\n"
        "- [ ] Walk through a webhook from Onfleet to a handoff",
    ),
}

PILOT = """\
## Friction point
Promo codes reached customers before dispatch knew about them: drivers could not answer
questions and CS got the complaints.

## The fix we tried
- Owner teams: Marketing and Operations
- Dates: two weeks
- Every new promo code now creates a handoff to Operations (rule "Promo code created → Ops").

## Results
| Metric | Before | After |
|---|---|---|
| Campaign errors / month | 4 | 1 |
| Complaints about codes | 19 | 7 |

## Decision
- [x] Keep
- [ ] Adjust and repeat
- [ ] Stop
"""

STANDUP = """\
**Date:** {date}
**Present:** Marketing, Operations, Customer Support, Tech

## Wins
- {win}

## Blockers
- {blocker}

## Actions
- [ ] {action}
"""

STANDUPS = [
    ("Referral numbers up 12%", "Riverside evening window short of drivers", "Ops to add a shift"),
    ("New FAQ cut repeat tickets", "Promo code list out of date in CS", "Marketing updates FAQ"),
    ("Northgate depot lease signed", "Leaflet printer late", "Marketing chases the printer"),
    ("On-time back above 93%", "Northgate on-time at 83%", "Ops reviews Northgate routes"),
]


def _at(now: datetime, days_ago: float) -> datetime:
    return now - timedelta(days=days_ago)


def _edit(page: Page, user: User, body: str, when: datetime, note: str = "") -> Page:
    page.refresh_from_db()
    saved = services.page_save(
        actor=user,
        page=page,
        title=page.title,
        body=body,
        base_number=page.revision_number,
        note=note,
        now=when,
    )
    return saved.page


def load(*, now, rng: Random, users: dict[str, User], teams: dict[str, Team]) -> None:
    u = users
    shared = services.shared_space()
    spaces = {name: services.space_for_team(team) for name, team in teams.items()}
    mkt, ops, cs, tech = (
        teams["Marketing"],
        teams["Operations"],
        teams["Customer Support"],
        teams["Tech"],
    )
    campaigns = {c.name: c for c in Campaign.objects.filter(external_id__startswith="demo-")}

    def campaign_link(name: str) -> str:
        c = campaigns.get(name)
        return f"[/campaigns/{c.pk}/](/campaigns/{c.pk}/)" if c else name

    # Marketing's siloed pages: only marketing edits them; ops links to the calendar unread.
    calendar = services.page_create(
        actor=u["priya"], space=spaces["Marketing"], title="Promo calendar",
        body=PROMO_CALENDAR, owner_team=mkt, now=_at(now, 160),
    )  # fmt: skip
    calendar = _edit(calendar, u["leo"], calendar.body + "\nUpdated after budget review.\n",
                     _at(now, 70))  # fmt: skip
    _edit(calendar, u["sofia"], calendar.body.replace("Draft dates", "Dates"), _at(now, 20))
    voice = services.page_create(
        actor=u["sofia"], space=spaces["Marketing"], title="Brand voice guide",
        body=BRAND_VOICE, owner_team=mkt, now=_at(now, 140),
    )  # fmt: skip
    _edit(voice, u["leo"], voice.body + "- Emojis only on social.\n", _at(now, 60))
    # Operations' schedules, edited by ops and read by everyone.
    schedule = services.page_create(
        actor=u["omar"], space=spaces["Operations"], title="Delivery schedule",
        body=SCHEDULE.format(month="last month"), template="delivery_schedule",
        owner_team=ops, now=_at(now, 150),
    )  # fmt: skip
    schedule = _edit(schedule, u["jonas"], SCHEDULE.format(month="this month"), _at(now, 40))
    schedule = _edit(
        schedule,
        u["aisha"],
        schedule.body.replace("| 520 |", "| 560 |"),
        _at(now, 12),
        "Riverside capacity after hiring",
    )
    schedule = _edit(
        schedule,
        u["carmen"],
        schedule.body + "\nCS: customers can move a window until the cut-off in the app.\n",
        _at(now, 8),
        "CS note on window changes",
    )
    northgate_schedule = services.page_create(
        actor=u["jonas"], space=spaces["Operations"], title="Northgate delivery schedule",
        body=NORTHGATE_SCHEDULE, template="delivery_schedule", owner_team=ops,
        parent=schedule, now=_at(now, 34),
    )  # fmt: skip

    # Campaign plans: marketing writes, ops signs off capacity, CS writes the FAQ.
    plan = services.page_create(
        actor=u["priya"], space=shared, title="Northgate launch — campaign plan",
        body=NORTHGATE_PLAN.format(campaign=campaign_link("Northgate launch")).replace(
            "- [x] Driver capacity", "- [ ] Driver capacity").replace(
            "- [x] Delivery windows", "- [ ] Delivery windows"),
        template="campaign_plan", owner_team=mkt, now=_at(now, 42),
    )  # fmt: skip
    plan = _edit(plan, u["leo"], plan.body.replace("leaflets", "leaflets (8,000)"), _at(now, 41))
    plan = _edit(
        plan,
        u["jonas"],
        NORTHGATE_PLAN.format(campaign=campaign_link("Northgate launch")).replace(
            "- [x] Delivery windows", "- [ ] Delivery windows"
        ),
        _at(now, 39),
        "Capacity confirmed",
    )
    plan = _edit(
        plan,
        u["omar"],
        NORTHGATE_PLAN.format(campaign=campaign_link("Northgate launch")),
        _at(now, 38),
        "Windows agreed",
    )
    plan = _edit(
        plan,
        u["carmen"],
        plan.body.replace("up to 15 €.", "up to 15 €; not combinable with REFER5."),
        _at(now, 37),
        "CS FAQ",
    )
    question = services.comment_add(
        actor=u["carmen"], page=plan, quote="What if my delivery is late?",
        body="Can we give Northgate customers a bigger late credit during the launch?",
        now=_at(now, 37),
    )  # fmt: skip
    services.comment_add(
        actor=u["priya"], page=plan, parent=question,
        body="Yes: 5 € instead of 3 € for the first two weeks.", now=_at(now, 36),
    )  # fmt: skip
    services.comment_resolve(actor=u["carmen"], comment=question)
    services.comment_add(
        actor=u["jonas"], page=plan, quote="anything above 150 orders/day needs a second wave",
        body="Tell us two days ahead if the leaflet drop moves: we book the second wave then.",
        now=_at(now, 6),
    )  # fmt: skip

    referral = services.page_create(
        actor=u["sofia"], space=shared, title="Refer a friend — campaign plan",
        body=REFERRAL_PLAN.format(campaign=campaign_link("Refer a friend")),
        template="campaign_plan", owner_team=mkt, now=_at(now, 95),
    )  # fmt: skip
    _edit(referral, u["omar"], referral.body + "\nOps: no extra capacity needed.\n", _at(now, 93))
    services.page_mark_reviewed(actor=u["sofia"], page=referral, now=_at(now, 5))

    # Support's FAQs: CS writes, marketing keeps the code table right.
    faq = services.page_create(
        actor=u["carmen"], space=spaces["Customer Support"], title="Customer FAQ: deliveries",
        body=CUSTOMER_FAQ, template="faq", owner_team=cs, now=_at(now, 120),
    )  # fmt: skip
    faq = _edit(faq, u["tom"], faq.body.replace("30 minutes", "30 minutes (Downtown: 45)"),
                _at(now, 80))  # fmt: skip
    # Overdue for review: nobody has checked it for 75 days, it wants a look every 60.
    Page.objects.filter(pk=faq.pk).update(reviewed_at=_at(now, 75))
    promo_faq = services.page_create(
        actor=u["nina"], space=spaces["Customer Support"], title="Promo code FAQ",
        body=PROMO_FAQ, template="faq", owner_team=cs, now=_at(now, 60),
    )  # fmt: skip
    _edit(promo_faq, u["leo"], promo_faq.body + "\nRIVER15 ends with the Instagram flight.\n",
          _at(now, 9))  # fmt: skip

    # Onboarding modules, one per function.
    modules = []
    for team_name, (title, about, steps) in ONBOARDING.items():
        team = teams[team_name]
        author = next(p for p in users.values() if p.memberships.filter(team=team).exists())
        module = services.page_create_from_template(
            actor=author, space=spaces[team_name], template="onboarding", title=title,
            context={"team_description": about}, owner_team=team, now=_at(now, 130),
        )  # fmt: skip
        module = _edit(
            module,
            author,
            module.body.replace(
                "## Tools we use", f"## This function's steps\n{steps}\n\n## Tools we use"
            ),
            _at(now, 70),
        )
        helper = u[{"Operations": "tom", "Marketing": "jonas", "Customer Support": "leo",
                    "Tech": "aisha"}[team_name]]  # fmt: skip
        module = _edit(
            module,
            helper,
            module.body.replace("## Who to ask\n", f"## Who to ask\n- {helper.first_name} "
                                f"from {helper.teams.first()} for how your work reaches them\n"),
            _at(now, 50),
        )  # fmt: skip
        modules.append(module)
    for login, count in (("aisha", 3), ("nina", 1), ("sofia", 4), ("ravi", 2)):
        for module in modules[:count]:
            services.onboarding_step_set(user=u[login], page=module, done=True)

    # A pilot write-up and a few standup notes, each by the function chairing that week.
    services.page_create(
        actor=u["maya"], space=shared, title="Pilot: promo code alerts to Operations",
        body=PILOT, template="pilot", owner_team=tech, now=_at(now, 25),
    )  # fmt: skip
    chairs = ["priya", "omar", "carmen", "maya"]
    notes_parent = services.page_create(
        actor=u["elena"], space=shared, title="Weekly standup notes", template="blank",
        body="Notes of the weekly cross-functional standup; the chair rotates.", owner_team=ops,
        now=_at(now, 30),
    )  # fmt: skip
    for i, (win, blocker, action) in enumerate(STANDUPS):
        when = _at(now, 28 - 7 * i)
        services.page_create(
            actor=u[chairs[i]], space=shared, parent=notes_parent, template="meeting",
            title=f"Standup {timezone.localdate(when):%d %b}",
            body=STANDUP.format(date=f"{timezone.localdate(when):%d %b %Y}", win=win,
                                blocker=blocker, action=action),
            owner_team=notes_parent.owner_team, now=when,
        )  # fmt: skip

    # Reads over the last two months: everyone reads the shared pages; only marketing reads
    # marketing's own pages (the silo check shows the calendar ops links to).
    readers = list(users.values())
    popular = [plan, schedule, northgate_schedule, faq, promo_faq, referral, *modules]
    views = []
    today = timezone.localdate(now)
    for day in range(60):
        date = today - timedelta(days=day)
        for page in popular:
            for reader in rng.sample(readers, k=rng.randint(0, 3)):
                views.append(PageView(page=page, user=reader, day=date, count=rng.randint(1, 3)))
        for page in (calendar, voice):
            if rng.random() < 0.3:
                views.append(PageView(page=page, user=u[rng.choice(["priya", "leo", "sofia"])],
                                      day=date))  # fmt: skip
    PageView.objects.bulk_create(views, ignore_conflicts=True)
    # History is not news: digests start from now.
    Watch.objects.update(notified_through=now)
    _stale_reminders(now, u["maya"])


def _stale_reminders(now: datetime, admin: User) -> None:
    """The company runs the ready-made "Doc gone stale → remind its owners" rule; today's
    sweep records wiki.page.stale for the overdue pages, and the demo's event processing
    runs the rule on them as the worker would."""
    rule = handoff_selectors.rule_by_template(rule_actions.TEMPLATE_KEY)
    if rule is None:
        rule = handoff_services.rule_from_template(actor=admin, key=rule_actions.TEMPLATE_KEY)
    handoff_services.rule_set_enabled(actor=admin, rule=rule, enabled=True)
    services.pages_mark_stale(now=now)


def reset(*, domain: str) -> None:
    Page.objects.filter(created_by__email__endswith=f"@{domain}").delete()
    Space.objects.filter(pages__isnull=True).exclude(slug=services.SHARED_SLUG).delete()
