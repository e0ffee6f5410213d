"""Markdown to safe HTML: one renderer for pages, previews, comments and diffs.

Every piece of HTML a reader sees passes ``sanitize`` (nh3, an allow-list): no script, no event
handler, no ``javascript:`` URL survives, whatever the author typed. Links to other pages
(``[[Page title]]`` or ``/wiki/p/<id>/``) and to Crossdock objects (a campaign, a KPI, a
workflow map, a handoff) are marked up as chips; ``chips.annotate`` gives them live labels.
"""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Callable

import nh3
from markdown_it import MarkdownIt
from mdit_py_plugins.tasklists import tasklists_plugin

from wiki.chips import Chip

# What a page may contain. Anything else is dropped; script/style lose their content too.
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "details", "div", "em", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "i", "img", "input", "kbd", "li", "mark", "ol", "p", "pre",
    "s", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "th", "thead", "tr",
    "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "data-kind"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"align", "colspan", "rowspan"},
    "td": {"align", "colspan", "rowspan", "nowrap"},
    "code": set(),
    "ol": {"start"},
    "abbr": {"title"},
}
# Only the renderer's own classes; an author's class="…" is stripped to these.
ALLOWED_CLASSES = {
    "a": {"chip", "chip-page", "chip-missing", "chip-campaign", "chip-kpi", "chip-map",
          "chip-handoff", "chip-pilot"},
    "li": {"task-list-item"},
    "ul": {"contains-task-list"},
    "ol": {"contains-task-list"},
    "input": {"task-list-item-checkbox"},
    "code": {"language-python", "language-sql", "language-json", "language-bash",
             "language-text", "language-yaml", "language-js"},
    "table": {"diff"},
    "td": {"diff_header", "diff_next"},
    "span": {"diff_add", "diff_chg", "diff_sub"},
}  # fmt: skip
# Task-list checkboxes may only be disabled checkboxes.
TAG_ATTRIBUTE_VALUES = {
    "input": {"type": {"checkbox"}, "checked": {"checked", ""}, "disabled": {"disabled", ""}}
}
URL_SCHEMES = {"http", "https", "mailto"}


def sanitize(raw_html: str) -> str:
    """The allow-list: what may reach a reader's browser."""
    return nh3.clean(
        raw_html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        tag_attribute_values=TAG_ATTRIBUTE_VALUES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    )


# --- Links --------------------------------------------------------------------------------

WIKILINK = re.compile(r"\[\[([^\[\]\n|]{1,200})(?:\|([^\[\]\n]{1,200}))?\]\]")
# Crossdock object URLs, site-relative or on any host: kind, pattern.
OBJECT_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("page", re.compile(r"^(?:https?://[^/]+)?/wiki/p/(\d+)(?:/[^?#]*)?$")),
    ("campaign", re.compile(r"^(?:https?://[^/]+)?/campaigns/(\d+)/?$")),
    ("kpi", re.compile(r"^(?:https?://[^/]+)?/kpis/m/([\w-]+)/?$")),
    ("map", re.compile(r"^(?:https?://[^/]+)?/workflows/maps?/(\d+)/?$")),
    ("handoff", re.compile(r"^(?:https?://[^/]+)?/handoffs/h/(\d+)/?$")),
    ("pilot", re.compile(r"^(?:https?://[^/]+)?/workflows/pilots/(\d+)/?$")),
]


def object_of(href: str) -> tuple[str, str] | None:
    """(kind, id) of a Crossdock object the URL points at, or None."""
    for kind, pattern in OBJECT_PATTERNS:
        match = pattern.match(href or "")
        if match:
            return kind, match.group(1)
    return None


def wikilink_titles(body: str) -> list[str]:
    return [m.group(1).strip() for m in WIKILINK.finditer(body or "")]


def linked_page_ids(body: str, resolve_titles: Callable[[list[str]], dict[str, int]]) -> set[int]:
    """Ids of pages the body links to, by [[title]] or by /wiki/p/<id>/ URL."""
    ids = {int(i) for i in re.findall(r"/wiki/p/(\d+)", body or "")}
    ids |= set(resolve_titles(wikilink_titles(body)).values())
    return ids


def _expand_wikilinks(body: str, titles: dict[str, int]) -> str:
    def replace(match: re.Match[str]) -> str:
        title = match.group(1).strip()
        label = (match.group(2) or title).strip().replace("]", "")
        page_id = titles.get(title.lower())
        if page_id is None:
            return f"[{label}](/wiki/new/?title={title.replace(' ', '+').replace(')', '')})"
        return f"[{label}](/wiki/p/{page_id}/)"

    return WIKILINK.sub(replace, body)


# --- Markdown -----------------------------------------------------------------------------


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.use(tasklists_plugin, enabled=False)
    md.core.ruler.push("crossdock_chips", _mark_chips)
    return md


def _mark_chips(state) -> None:
    for token in state.tokens:
        if token.type != "inline" or not token.children:
            continue
        for child in token.children:
            if child.type != "link_open":
                continue
            href = str(child.attrGet("href") or "")
            found = object_of(href)
            if href.startswith("/wiki/new/?title="):
                child.attrSet("class", "chip chip-missing")
                child.attrSet("title", "No page with this title yet: create it")
            elif found:
                child.attrSet("class", f"chip chip-{found[0]}")
                child.attrSet("data-kind", f"{found[0]}:{found[1]}")


_MD: MarkdownIt | None = None


def render(body: str, *, titles: dict[str, int] | None = None) -> str:
    """Markdown to sanitised HTML. ``titles`` maps lower-cased page titles to ids for [[…]]."""
    global _MD
    if _MD is None:
        _MD = _markdown()
    source = _expand_wikilinks(body or "", titles or {})
    return _scrolling_tables(sanitize(_MD.render(source)))


def _scrolling_tables(safe_html: str) -> str:
    """Each table in a region of its own that scrolls sideways on a narrow screen and can be
    reached and scrolled with the keyboard (added after sanitising: the renderer's markup)."""
    region = '<div class="table-scroll" role="region" tabindex="0" aria-label="Table">'
    return re.sub(r"<table\b", region + "<table", safe_html).replace("</table>", "</table></div>")


# --- Live chips ---------------------------------------------------------------------------


CHIP_LINK = re.compile(r'<a ([^>]*?)data-kind="(\w+):([\w-]+)"([^>]*)>(.*?)</a>', re.S)


def annotate(rendered: str, labels: dict[tuple[str, str], Chip]) -> str:
    """Give chips their live label: a link whose text is its own URL shows the object's name;
    every chip carries the object's current state as its title. Input and output are sanitised
    HTML; labels are escaped here."""

    def replace(match: re.Match[str]) -> str:
        before, kind, key, after, text = match.groups()
        chip = labels.get((kind, key))
        if chip is None:
            return match.group(0)
        href = re.search(r'href="([^"]*)"', before + after)
        if href and html.unescape(text).strip() in (html.unescape(href.group(1)), ""):
            text = html.escape(chip.label)
        hint = html.escape(f"{chip.label}{' · ' + chip.state if chip.state else ''}", quote=True)
        state = f' <span class="chip-state">{html.escape(chip.state)}</span>' if chip.state else ""
        return f'<a {before}data-kind="{kind}:{key}"{after} title="{hint}">{text}{state}</a>'

    return CHIP_LINK.sub(replace, rendered)


def chip_keys(rendered: str) -> set[tuple[str, str]]:
    return {(m.group(2), m.group(3)) for m in CHIP_LINK.finditer(rendered)}


# --- Diffs --------------------------------------------------------------------------------


def diff_table(old: str, new: str, *, old_label: str, new_label: str) -> str:
    """A side-by-side diff of two bodies (only changed lines with context), sanitised."""
    table = difflib.HtmlDiff(wrapcolumn=60).make_table(
        (old or "").splitlines(),
        (new or "").splitlines(),
        fromdesc=old_label,
        todesc=new_label,
        context=True,
        numlines=2,
    )
    # Drop difflib's "next change" navigation column: anchors to ids the sanitiser removes.
    table = re.sub(r'<td class="diff_next"[^>]*>.*?</td>', "", table)
    table = re.sub(r'<th colspan="2" class="diff_next">', '<th class="diff_header">', table)
    table = table.replace('<th class="diff_next"><br /></th>', "")
    return sanitize(table)


def text_snippet(body: str, words: list[str], width: int = 160) -> str:
    """An escaped snippet of ``body`` around the first of ``words``, matches in <mark>."""
    lowered = (body or "").lower()
    at = min((i for i in (lowered.find(w.lower()) for w in words if w) if i >= 0), default=0)
    start = max(0, at - width // 3)
    snippet = html.escape(body[start : start + width])
    for word in words:
        if word:
            snippet = re.sub(
                f"({re.escape(html.escape(word))})", r"<mark>\1</mark>", snippet, flags=re.I
            )
    return ("…" if start else "") + snippet + ("…" if start + width < len(body) else "")
