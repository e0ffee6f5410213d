"""Hostile markup in every field people write, read by someone else in real Chromium.

One role writes a corpus of payloads (script tags, event-handler attributes, ``javascript:``
links, SVG onload, Markdown link tricks, template syntax, Slack ``<!channel>`` and
``<url|text>`` markup) into a kind of field; another role opens the pages that show it. On every
page no dialog opens, no payload's script runs (the window flag stays unset), no element the
payloads would inject exists, and every payload's marker shows as text. The same text sent as a
handoff reaches Slack, Teams and email escaped for each: the email's HTML is opened in Chromium
too.
"""

import re

import pytest
from django.utils import timezone

from feedback import services as feedback
from handoffs import services as handoffs
from handoffs.models import Channel
from hub import business
from hub import services as hub
from standups import services as standups
from tests.browser.test_every_page import signed_in_context
from tests.outbox import drain
from wiki import services as wiki
from workflows import services as workflows

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CORPUS = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1;alert(1)">',
    "<svg onload=alert(1)><circle r=9 /></svg>",
    '"><svg/onload=window.__xss=1>',
    "'><img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    "[Open](javascript:alert(1)) ![x](x onerror=alert(1))",
    '<a href="javascript:alert(1)">go</a>',
    "<details open ontoggle=alert(1)>",
    "<iframe srcdoc='<script>parent.alert(1)</script>'>",
    "<!channel> <https://evil.example|Ack>",
    "{{ 7|add:1 }} {% now 'Y' %} ${alert(1)}",
    "</textarea></title><script>alert(1)</script>",
]
# Each payload carries a marker, so a page that shows the field shows the marker as text.
PAYLOADS = [f"XM{n} {p}" for n, p in enumerate(CORPUS)]
ALL = "\n\n".join(PAYLOADS)
MARKERS = [f"XM{n}" for n in range(len(CORPUS))]

# Elements and attributes only an injection would put on a page.
INJECTED = """() => {
  const bad = [];
  for (const e of document.querySelectorAll("*")) {
    for (const a of e.attributes) {
      const name = a.name.toLowerCase(), value = a.value.trim().toLowerCase();
      if (name.startsWith("on") && /alert|__xss/.test(value)) bad.push(`${e.tagName} ${name}`);
      if (["href", "src", "action", "formaction", "xlink:href"].includes(name)
          && value.startsWith("javascript:")) bad.push(`${e.tagName} ${name}=${value}`);
      if (name === "srcdoc") bad.push(`${e.tagName} srcdoc`);
    }
    if (e.tagName === "SCRIPT" && /alert\\(|__xss=/.test(e.textContent)) bad.push("SCRIPT");
  }
  return bad;
}"""


def write_handoffs(p):
    made = [
        handoffs.handoff_create(team=p["ops"], title=t, body=ALL, created_by=p["member"])
        for t in PAYLOADS
    ]
    drain()  # into the receiving team's inboxes
    return p["admin_user"], ["/handoffs/", f"/handoffs/h/{made[0].pk}/", "/", "/inbox/"]


def write_rules(p):
    made = [
        handoffs.rule_save(
            actor=p["admin_user"],
            data=handoffs.RuleInput(
                name=name,
                description=ALL,
                trigger="generic.order",
                teams=[p["ops"]],
                owner_team=p["ops"],
                title_template="Order {{ payload.id }}",
            ),
        )
        for name in PAYLOADS
    ]
    return p["other_admin"], ["/handoffs/rules/", f"/handoffs/rules/{made[0].pk}/"]


def write_campaigns(p):
    made = [
        business.campaign_create(actor=p["manager"], name=name, channel="email", segment=name)
        for name in PAYLOADS
    ]
    return p["member"], ["/campaigns/", f"/campaigns/{made[0].pk}/"]


def write_teams(p):
    made = [
        hub.team_create(actor=p["admin_user"], name=name, kind="other", description=ALL)
        for name in PAYLOADS
    ]
    return p["member"], ["/teams/", f"/teams/{made[0].slug}/"]


def write_surveys(p):
    manager = p["manager"]
    survey = feedback.survey_from_template(actor=manager, key="post_delivery_csat")
    feedback.survey_save(
        actor=manager, survey=survey, data={"title": PAYLOADS[1], "description": ALL}
    )
    questions = [
        feedback.question_add(actor=manager, survey=survey, kind="long", text=text)
        for text in PAYLOADS
    ]
    survey = feedback.survey_set_status(actor=manager, survey=survey, status="active")
    score = survey.questions.order_by("position").first()
    # A customer's answers (no account at all).
    feedback.response_submit(
        survey=survey,
        data={f"q{score.pk}": ["2"], **{f"q{q.pk}": [ALL] for q in questions}},
    )
    return p["admin_user"], [f"/feedback/{survey.pk}/", f"/feedback/{survey.pk}/results/"]


def write_standups(p):
    series = standups.series_create(
        actor=p["admin_user"], name=PAYLOADS[2], teams=[p["ops"], p["marketing"]]
    )
    meeting = series.meetings.order_by("scheduled_at").first()
    standups.update_post(
        meeting=meeting,
        team=p["ops"],
        author=p["member"],
        win_1=" ".join(PAYLOADS[:5]),  # at most 300 characters each
        win_2=" ".join(PAYLOADS[5:9]),
        needs=ALL,
        blockers=[standups.BlockerInput(text=t, needs_team=p["marketing"]) for t in PAYLOADS],
    )
    return p["manager"], [f"/standups/series/{series.pk}/", f"/standups/meetings/{meeting.pk}/"]


def write_wiki(p):
    space = wiki.shared_space()
    pages = [
        wiki.page_create(actor=p["member"], space=space, title=title, body=ALL)
        for title in PAYLOADS
    ]
    wiki.comment_add(actor=p["member"], page=pages[0], body=ALL)
    return p["manager"], [pages[0].get_absolute_url(), space.get_absolute_url()]


def write_workflows(p):
    member = p["member"]
    map_ = workflows.map_create(actor=member, name=PAYLOADS[3], description=ALL, teams=[p["ops"]])
    lane = map_.lanes.get()
    steps = [workflows.step_add(actor=member, map=map_, lane=lane, name=n) for n in PAYLOADS]
    friction = workflows.friction_add(
        actor=member, map=map_, step=steps[0], kind="manual", notes=ALL, owner_team=p["ops"]
    )
    pilot = workflows.pilot_start(
        actor=member,
        friction=friction,
        title=PAYLOADS[4],
        hypothesis=ALL,
        fix=ALL,
        metric="missed_handoffs",
        owner_teams=[p["ops"]],
        starts_on=timezone.localdate(),
    )
    # The write-up is a docs page made from the pilot's title, hypothesis and fix.
    writeup = workflows.pilot_writeup_page_ensure(actor=member, pilot=pilot)
    return p["manager"], [
        map_.get_absolute_url(),
        pilot.get_absolute_url(),
        writeup.get_absolute_url(),
        "/workflows/",
    ]


FIELDS = {
    "handoff titles and bodies": write_handoffs,
    "rule names and descriptions": write_rules,
    "campaign names": write_campaigns,
    "team names": write_teams,
    "survey questions and answers": write_surveys,
    "standup updates and blockers": write_standups,
    "wiki pages and comments": write_wiki,
    "workflow steps, friction and pilot notes": write_workflows,
}


@pytest.fixture
def people(admin_user, manager, member, ops, marketing):
    from tests.factories import MembershipFactory, UserFactory

    other_admin = UserFactory(is_staff=True)
    MembershipFactory(user=other_admin, team=marketing, role="admin")
    return {
        "admin_user": admin_user,
        "other_admin": other_admin,
        "manager": manager,
        "member": member,
        "ops": ops,
        "marketing": marketing,
    }


def check(page, url: str, dialogs: list[str]) -> tuple[list[str], set[str]]:
    response = page.goto(url)
    problems = []
    if response is None or response.status != 200:
        return [f"{url}: HTTP {response.status if response else '?'}"], set()
    page.wait_for_load_state("load")
    problems += [f"{url}: injected {b}" for b in page.evaluate(INJECTED)]
    if page.evaluate("typeof window.__xss") != "undefined":
        problems.append(f"{url}: a payload's script ran")
    problems += [f"{url}: dialog “{d}”" for d in dialogs]
    dialogs.clear()
    text = page.evaluate("document.body.textContent")
    return problems, {m for m in MARKERS if re.search(rf"\b{m}\b", text)}


@pytest.mark.timeout(300)
@pytest.mark.parametrize("field", FIELDS)
def test_markup_written_by_one_role_is_inert_for_another(browser, live_server, people, field):
    viewer, urls = FIELDS[field](people)
    context = signed_in_context(browser, live_server, viewer, {"width": 1280, "height": 900})
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    problems, seen = [], set()
    for url in urls:
        found, markers = check(page, url, dialogs)
        problems += found
        if not markers:
            problems.append(f"{url}: shows none of the field's text")
        seen |= markers
    context.close()
    assert problems == [], "\n".join(problems)
    assert seen == set(MARKERS), f"never shown: {sorted(set(MARKERS) - seen)}"


@pytest.mark.timeout(300)
def test_chat_and_email_renderings_escape_the_corpus(browser, people, ops, slack, teams_hook, smtp):
    for kind, target in (("slack", slack.url), ("teams", teams_hook.url), ("email", "")):
        Channel.objects.create(team=ops, kind=kind, name=kind, target=target)
    handoffs.handoff_create(team=ops, title=PAYLOADS[10], body=ALL, created_by=people["member"])
    drain()
    assert len(slack.requests) == len(teams_hook.requests) == 1

    # Slack: the only <…> left in mrkdwn are Crossdock's own links; the rest is &lt; &gt;.
    blocks = slack.requests[0].json()["blocks"]
    mrkdwn = [b["text"]["text"] for b in blocks if b.get("text", {}).get("type") == "mrkdwn"]
    mrkdwn += [f["text"] for b in blocks for f in b.get("fields", [])]
    for text in mrkdwn:
        assert re.findall(r"<(?!http://testserver/)[^>]*>", text) == []
    assert "&lt;!channel&gt;" in "\n".join(mrkdwn)
    assert all(m in "\n".join(mrkdwn) for m in MARKERS)
    assert all(b["url"].startswith("http://testserver/") for b in blocks[-1]["elements"])

    # Teams: no unescaped Markdown link, emphasis or HTML in any text of the card.
    card = teams_hook.requests[0].json()["attachments"][0]["content"]
    texts = [b["text"] for b in card["body"] if "text" in b]
    texts += [f["value"] for b in card["body"] for f in b.get("facts", [])]
    for text in texts:
        assert re.findall(r"(?<!\\)[\[\]<>*_`]", text) == [], text
    assert all(m in "\n".join(texts) for m in MARKERS)
    assert all(a["url"].startswith("http://testserver/") for a in card["actions"])

    # Email: the HTML part opened in Chromium runs nothing and shows the text.
    html = smtp.messages[0]["message"].get_body(("html",)).get_content()
    context = browser.new_context(java_script_enabled=True)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.set_content(html, wait_until="load")
    assert page.evaluate(INJECTED) == []
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert dialogs == []
    shown = page.evaluate("document.body.textContent")
    assert all(m in shown for m in MARKERS)
    context.close()
