"""The survey editor in Chromium: a manager drags a question to a new place with a real mouse,
moves another with the keyboard (Up/Down buttons, focus kept), the order is saved, and a move
that would break skip logic is refused and undone. Desktop and phone, no serious axe finding.
Screenshots go to var/screenshots/."""

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from feedback import services
from tests.browser.test_every_page import AXE, AXE_RUN, OVERFLOW, PHONE, signed_in_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
DESKTOP = {"width": 1366, "height": 900}


def saved_order(survey) -> list[str]:
    return list(survey.questions.order_by("position", "id").values_list("text", flat=True))


def shown_order(page) -> list[str]:
    return page.eval_on_selector_all(
        "[data-testid=questions] li[data-id] .question-body > strong",
        "els => els.map(e => e.textContent.trim())",
    )


def drag(page, source, target, *, below: bool) -> None:
    """A real mouse drag: press on the handle, move in steps, release over the target."""
    start = source.bounding_box()
    end = target.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    y = end["y"] + end["height"] * (0.8 if below else 0.2)
    page.mouse.move(start["x"] + 4, y, steps=12)
    page.mouse.up()


def test_drag_and_keyboard_reorder_questions(browser, live_server, manager):
    survey = services.survey_from_template(actor=manager, key="post_delivery_csat")
    services.question_add(actor=manager, survey=survey, kind="short", text="Your postcode?")
    first, second, third, fourth = saved_order(survey)
    SHOTS.mkdir(parents=True, exist_ok=True)

    context = signed_in_context(browser, live_server, manager, DESKTOP)
    page = context.new_page()
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"/feedback/{survey.pk}/")
    status = page.get_by_test_id("reorder-status")

    # Drag the last question ("Your postcode?") above the second one.
    rows = page.locator("[data-testid=questions] li[data-id]")
    drag(page, rows.nth(3).locator(".drag-handle"), rows.nth(1), below=False)
    expected = [first, fourth, second, third]
    assert shown_order(page) == expected
    expect(page.get_by_test_id("reorder-status")).to_have_text("Order saved.")
    assert saved_order(survey) == expected

    # Keyboard: the last question moves up with Enter on its Up button; focus stays on it.
    up = page.get_by_role("button", name=f"Move “{third}” up")
    up.focus()
    page.keyboard.press("Enter")
    expect(status).to_have_text("Order saved.")
    expect(up).to_be_focused()
    expected = [first, fourth, third, second]
    assert shown_order(page) == expected and saved_order(survey) == expected
    page.screenshot(path=str(SHOTS / "feedback-editor-desktop.png"), full_page=True)

    # Dragging the skip-logic question above the question it reads is refused and undone.
    rows = page.locator("[data-testid=questions] li[data-id]")
    drag(page, rows.nth(3).locator(".drag-handle"), rows.nth(0), below=False)
    expect(status).to_contain_text("keep it below")
    assert shown_order(page) == expected and saved_order(survey) == expected
    assert "keep it below" in status.inner_text()

    # Each question opens its own small edit form.
    page.locator("details.question-edit summary").nth(3).click()
    assert page.get_by_label("Options (one a line)").input_value().startswith("Arrived late\n")
    page.screenshot(path=str(SHOTS / "feedback-editor-edit-desktop.png"), full_page=True)
    page.add_script_tag(url=AXE)
    assert page.evaluate(AXE_RUN) == []
    assert [e for e in errors if "400" not in e] == []
    context.close()

    # On a phone: no sideways scroll, the Up/Down buttons in reach.
    phone = signed_in_context(browser, live_server, manager, PHONE)
    page = phone.new_page()
    page.goto(f"/feedback/{survey.pk}/")
    overflow = page.evaluate(OVERFLOW)
    assert overflow["scroll"] <= overflow["width"] + 1, overflow
    page.get_by_role("button", name=f"Move “{fourth}” down").click()
    expect(page.get_by_test_id("reorder-status")).to_have_text("Order saved.")
    assert saved_order(survey) == [first, third, fourth, second]
    page.screenshot(path=str(SHOTS / "feedback-editor-phone.png"), full_page=True)
    page.add_script_tag(url=AXE)
    assert page.evaluate(AXE_RUN) == []
    phone.close()
