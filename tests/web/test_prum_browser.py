"""Fingerprints and DNA in Debian's chromium: the form, the preview and the detail page know the
fingerprint kind and the prum channel, and a hit's follow-up is one click away."""

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from playwright.sync_api import Page, expect
from tests.web.conftest import screenshot, sign_in

from oss_router.messages.codes import Channel, HandlingCode, Kind, Urgency
from oss_router.messages.dispatch import DispatchEnvelope
from oss_router_adapters.stub.outcome import draw_for

pytestmark = pytest.mark.browser

DETAIL_URL = re.compile(r".*/requests/([0-9a-f-]{36})$")
PURPOSE = "Burglary series, latent marks from three scenes, case 2026/311"
DEFAULT_HIT_RATE = 0.3  # the stubs' default (adapters/oss_router_adapters/stub/settings.py)

OpenPage = Callable[..., Page]


def afis_reference_that_hits(country: str) -> str:
    """An AFIS reference the seeded prum stub (seed 0) answers with a hit from ``country``: the
    draw is the stub's own function of the lookup, so the test knows the outcome, not guesses."""
    now = datetime.now(UTC)
    for number in range(1000):
        reference = f"PL-AFIS-2026-{number:06d}"
        subject = {"afis_reference": reference, "print_type": "latent", "finger_positions": [2, 7]}
        envelope = DispatchEnvelope(
            message_id=uuid4(), request_id=uuid4(), dispatch_id=uuid4(), correlation_id="x",
            channel=Channel.PRUM, country=country, kind=Kind.FINGERPRINT, subject=subject,
            purpose=PURPOSE, urgency=Urgency.NORMAL, handling_code=HandlingCode.H0,
            crime_area="other", due_at=now + timedelta(minutes=15), created_at=now,
        )  # fmt: skip
        if draw_for(0, envelope).value < DEFAULT_HIT_RATE:
            return reference
    raise AssertionError("no hitting reference among 1000")


def compose_fingerprints(page: Page, reference: str, targets: str, positions: str) -> None:
    page.goto("/requests/new")
    page.get_by_label("Fingerprints", exact=True).check()
    page.get_by_label("AFIS reference").fill(reference)
    page.get_by_label("Print type").select_option("latent")
    page.get_by_label("Finger positions").fill(positions)
    page.get_by_label("Target countries").fill(targets)
    page.get_by_label("Purpose").fill(PURPOSE)


def test_fingerprints_are_searched_by_prum_and_a_hit_is_followed_up(new_page: OpenPage) -> None:
    page = new_page()
    sign_in(page)
    compose_fingerprints(page, afis_reference_that_hits("DE"), "DE, US", "2, 7")
    expect(page.get_by_label("Expected access of the requested state")).to_be_visible()
    preview = page.locator("#preview-rows tr")
    expect(preview).to_have_count(2)
    germany = page.locator("#preview-rows tr[data-country='DE']")
    expect(germany).to_have_attribute("data-channel", "prum")
    expect(germany).to_have_attribute("data-rule", "P1")
    expect(germany).to_contain_text("minutes")
    expect(page.locator("#preview-rows tr[data-country='US']")).to_have_attribute(
        "data-channel", "interpol"
    )
    page.get_by_role("button", name="Send request").click()
    page.wait_for_url(DETAIL_URL)

    search = page.locator("#dispatch-rows tr[data-channel='prum']")
    expect(search).to_have_attribute("data-status", "answered")
    expect(search).to_contain_text("Prüm automated search")
    expect(search).to_contain_text("Partner's reference")
    expect(search).to_contain_text("DE-AFIS-")
    page.get_by_role("button", name="Request the data behind the hit in DE").click()
    follow = page.locator("#dispatch-rows tr[data-channel='europol']")
    expect(follow).to_contain_text("F1")
    expect(follow).to_contain_text("Follow-up of the Prüm hit DE-AFIS-")
    expect(page.get_by_role("button", name="Request the data behind the hit in DE")).to_have_count(
        0
    )
    screenshot(page, "prum-follow-up", full_page=True)


def test_a_bad_finger_position_is_named_at_its_field(new_page: OpenPage) -> None:
    page = new_page()
    sign_in(page)
    compose_fingerprints(page, "PL-AFIS-2026-BAD", "DE", "2, 11")
    page.get_by_role("button", name="Send request").click()
    field = page.locator("[data-field='subject.finger_positions']")
    expect(field.locator(".field-error")).to_contain_text("10")
    assert page.url.endswith("/requests/new")  # nothing was created
