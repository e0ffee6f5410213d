"""Ready-made surveys: pure data, made into a draft survey by ``survey_from_template``."""

from __future__ import annotations

from typing import Any

# Question rows: (kind, text, required, measures, choices, show_if (index, values))
TEMPLATES: dict[str, dict[str, Any]] = {
    "post_delivery_csat": {
        "title": "How was your delivery?",
        "label": "Post-delivery customer CSAT",
        "description": "Two quick questions about the delivery you just received.",
        "audience": "customers",
        "anonymous": False,
        "schedule": "",
        "questions": [
            ("csat", "How satisfied are you with your delivery?", True, "csat", [], None),
            (
                "single",
                "What could we have done better?",
                False,
                "",
                ["Arrived late", "Driver conduct", "Damaged item", "Promo or price", "Other"],
                (0, ["1", "2", "3"]),
            ),
            ("long", "Anything else you want us to know?", False, "", [], None),
        ],
    },
    "customer_nps": {
        "title": "Would you recommend SwiftDrop?",
        "label": "Customer NPS",
        "description": "One question, one minute.",
        "audience": "customers",
        "anonymous": False,
        "schedule": "first_monday",
        "questions": [
            (
                "nps",
                "How likely are you to recommend us to a friend or colleague?",
                True,
                "nps",
                [],
                None,
            ),
            ("long", "What is the main reason for your score?", False, "", [], None),
        ],
    },
    "driver_monthly": {
        "title": "Monthly driver feedback",
        "label": "Monthly driver feedback",
        "description": "Tell operations, marketing and support what the road looks like.",
        "audience": "drivers",
        "anonymous": True,
        "schedule": "first_monday",
        "questions": [
            ("rating", "How manageable were your routes this month?", True, "", [], None),
            (
                "multiple",
                "What slowed you down?",
                False,
                "",
                [
                    "Wrong addresses",
                    "Promo surprises",
                    "Customer not home",
                    "App issues",
                    "Traffic",
                ],
                None,
            ),
            ("long", "What should the office know?", False, "", [], None),
        ],
    },
    "staff_pulse": {
        "title": "Monthly pulse: cross-team communication",
        "label": "Monthly staff pulse (cross-team communication)",
        "description": "Anonymous. Results by team appear only for teams with enough answers.",
        "audience": "staff",
        "anonymous": True,
        "schedule": "first_monday",
        "questions": [
            (
                "rating",
                "How satisfied are you with communication between teams this month? (1–5)",
                True,
                "comm",
                [],
                None,
            ),
            ("short", "One thing another team did that helped you", False, "", [], None),
            ("long", "One thing that got lost between teams", False, "", [], None),
        ],
    },
}
