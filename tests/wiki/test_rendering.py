"""Markdown rendering and the allow-list: nothing executable ever reaches a reader (no DB)."""

from html.parser import HTMLParser

import pytest

from wiki import rendering


class Tags(HTMLParser):
    """Every tag and attribute a browser would build from the HTML."""

    def __init__(self, html: str):
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, attrs))


ATTACKS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    '<svg onload="alert(1)"></svg>',
    '<iframe src="https://evil.example"></iframe>',
    '<p style="background:url(javascript:alert(1))" onclick="alert(1)">x</p>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">d</a>',
    "![x](javascript:alert(1))",
    '<details open ontoggle="alert(1)"><summary>s</summary></details>',
    '<input type="text" onfocus="alert(1)" autofocus>',
    '<form action="https://evil.example"><button>go</button></form>',
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_nothing_executable_survives(attack):
    out = rendering.render(f"Before\n\n{attack}\n\nAfter").lower()
    for tag, attrs in Tags(out).found:
        assert tag not in ("script", "iframe", "svg", "form", "style", "object", "embed"), out
        for name, value in attrs:
            assert not name.startswith("on"), out
            assert name not in ("style", "autofocus", "formaction", "srcdoc"), out
            assert not (value or "").strip().startswith(("javascript:", "data:", "vbscript:")), out
    assert "<script" not in out
    assert "before" in out
    assert "after" in out


def test_headings_tables_tasks_code_images_and_links():
    out = rendering.render(
        "# Plan\n\n| Zone | Drops |\n|---|---|\n| North | 120 |\n\n- [x] capacity\n- [ ] FAQ\n\n"
        "```python\nprint('hi')\n```\n\n![map](/wiki/attachments/3/) [site](https://swiftdrop.example)"
    )
    assert "<h1>Plan</h1>" in out
    assert "<table>" in out
    assert "<td>North</td>" in out
    assert 'type="checkbox"' in out
    assert "checked" in out
    assert "disabled" in out
    assert '<code class="language-python">' in out
    assert '<img src="/wiki/attachments/3/" alt="map">' in out
    assert 'href="https://swiftdrop.example"' in out
    assert 'rel="noopener noreferrer"' in out


def test_author_classes_are_stripped_to_the_renderers_own():
    out = rendering.render('<a href="/x" class="chip evil">x</a> <span class="big">y</span>')
    assert "evil" not in out
    assert "big" not in out


def test_wikilinks_and_object_links_become_chips():
    out = rendering.render(
        "See [[Delivery schedule]] and [[Nowhere]], /x [c](/campaigns/4/) "
        "[k](/kpis/m/on_time/) [h](https://crossdock.example/handoffs/h/9/)",
        titles={"delivery schedule": 12},
    )
    assert 'href="/wiki/p/12/"' in out
    assert 'class="chip chip-page"' in out
    assert "chip-missing" in out
    assert 'data-kind="campaign:4"' in out
    assert 'data-kind="kpi:on_time"' in out
    assert 'data-kind="handoff:9"' in out


def test_annotate_puts_live_labels_on_chips_and_escapes_them():
    out = rendering.render("[/campaigns/4/](/campaigns/4/) and [our plan](/campaigns/4/)")
    labelled = rendering.annotate(
        out, {("campaign", "4"): rendering.Chip("Campaign: <Spring>", "Scheduled")}
    )
    assert "Campaign: &lt;Spring&gt;" in labelled
    assert ">our plan" in labelled
    assert "<Spring>" not in labelled
    assert '<span class="chip-state">Scheduled</span>' in labelled


def test_diff_table_is_escaped():
    table = rendering.diff_table(
        "line one\n<script>alert(1)</script>", "line one\nline two", old_label="r1", new_label="r2"
    )
    assert "<script" not in table
    assert "&lt;script&gt;" in table
    assert 'class="diff_add"' in table or 'class="diff_chg"' in table
