"""``{{ text|excerpt }}``: the first words of a plain-text or Markdown body, on one line.

Message bodies are written for every channel (email, Slack, the inbox), often as Markdown: a
standup summary has headings and lists. Where a page shows a preview (the home page's inbox)
the markup characters at the start of lines are dropped, the lines joined, and the text cut at
a word boundary. A built-in of the template engine, like the date filters.
"""

from __future__ import annotations

import re

from django import template

register = template.Library()

# Markup at the start of a line: headings, list bullets, numbers, quotes.
LINE_MARKUP = re.compile(r"^\s*(?:#{1,6}\s+|[-*+]\s+|\d+[.)]\s+|>\s*)+")
EXCERPT_CHARS = 160


@register.filter
def excerpt(value: object, length: int = EXCERPT_CHARS) -> str:
    lines = (LINE_MARKUP.sub("", line).strip() for line in str(value or "").splitlines())
    text = " ".join(line for line in lines if line)
    if len(text) <= length:
        return text
    cut = text[: length + 1].rsplit(" ", 1)[0] if " " in text[:length] else text[:length]
    return cut.rstrip(" ,;:·—-") + "…"
