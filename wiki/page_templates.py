"""Ready-made page bodies. ``fill(template, context)`` puts the caller's values in; anything
not given keeps a placeholder a person fills in. The result is Markdown, rendered (and
sanitised) like any page."""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

from wiki.models import Template

# Default owner team kind and review interval per template.
DEFAULTS: dict[str, dict[str, Any]] = {
    Template.BLANK: {"review_every_days": 180},
    Template.CAMPAIGN_PLAN: {"review_every_days": 14},
    Template.DELIVERY_SCHEDULE: {"review_every_days": 30},
    Template.FAQ: {"review_every_days": 60},
    Template.ONBOARDING: {"review_every_days": 90},
    Template.PILOT: {"review_every_days": 60},
    Template.MEETING: {"review_every_days": 365},
}

BODIES: dict[str, str] = {
    Template.BLANK: "",
    Template.CAMPAIGN_PLAN: """\
## Summary
$summary

| | |
|---|---|
| Campaign | $campaign |
| Zones | $zones |
| Dates | $dates |
| Promo codes | $promo_codes |
| Expected volume | $expected_volume |
| Channel | $channel |

## Audience and message
$audience

## Operations capacity sign-off
Operations confirms drivers and slots for the expected volume in every zone
(mention @ + the team's name to ask them).

- [ ] Driver capacity confirmed for each zone
- [ ] Delivery windows agreed
- [ ] Promo codes loaded in dispatch notes

Capacity notes:

## Customer support FAQ
- **What does the promo code give?** $promo_answer
- **Which zones can order?** $zones
- **What if my delivery is late?** Apologise, offer the standard late credit, log it as a complaint.

## Risks and open questions
- …
""",
    Template.DELIVERY_SCHEDULE: """\
## Zones and windows
| Zone | Days | Windows | Cut-off | Capacity (drops/day) |
|---|---|---|---|---|
| $zones | Mon–Sat | 08:00–12:00, 14:00–20:00 | 22:00 day before | $expected_volume |

## Changes this period
- …

## Who to call
- Dispatch lead: …
- Out-of-hours: …
""",
    Template.FAQ: """\
## Questions
### Where is my order?
Answer:

### How do I use a promo code?
Answer:

## Escalation
If the answer is not here, hand it to the owning team from any page (Hand off).
""",
    Template.ONBOARDING: """\
## Who we are
$team_description

## Your first week
- [ ] Meet the team lead
- [ ] Read the delivery schedule and the current campaign plans
- [ ] Shadow a shift / a support queue / a campaign review
- [ ] Join the weekly cross-functional standup

## Tools we use
- …

## Who to ask
- …
""",
    Template.PILOT: """\
## Friction point
$summary

## The fix we tried
- Owner teams: $owner_teams
- Dates: $dates

## Results
| Metric | Before | After |
|---|---|---|
| $metric | | |

## What worked, what did not

## Decision
- [ ] Keep
- [ ] Adjust and repeat
- [ ] Stop
""",
    Template.MEETING: """\
**Date:** $dates
**Present:**

## Wins

## Blockers

## Needs

## Actions
- [ ] Action — owner — due date
""",
}


def fill(template: str, context: Mapping[str, Any] | None = None) -> str:
    """The template's Markdown with ``context`` values in place of its ``$names``."""
    values = {
        k: ", ".join(map(str, v)) if isinstance(v, list | tuple) else str(v)
        for k, v in (context or {}).items()
    }
    body = BODIES.get(template, "")
    placeholders = {
        name: f"_({name.replace('_', ' ')})_"
        for _, name, _, _ in string.Template.pattern.findall(body)
        if name
    }
    return string.Template(body).safe_substitute({**placeholders, **values})
