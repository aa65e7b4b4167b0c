"""A correction in real Chromium, in Arabic and English: one registrar proposes it from the
record page, another finds it in the queue, reads the old and new values side by side and
approves it. Screenshots: docs/gallery/office/correction-{ar,en}.png (the correction awaiting
a decision), correction-propose-{ar,en}.png and corrections-queue-{ar,en}.png."""

from __future__ import annotations

import pytest

from tests.office.test_corrections import World, world  # noqa: F401
from tests.office.test_office_browser import WORDS, browser, fill_sign_in, page, shot  # noqa: F401

pytestmark = pytest.mark.browser

from playwright.sync_api import Page, expect  # noqa: E402

LABELS = {
    "ar": {
        "propose": "اقتراح تصحيح لقيد الولادة",
        "given": "الاسم الأول",
        "reason": "سبب التصحيح",
        "evidence": "مرجع المستند المؤيِّد",
        "submit": "تقديم الاقتراح",
        "proposed": "قُدِّم الاقتراح",
        "corrections": "التصحيحات",
        "approve": "اعتماد التصحيح",
        "approved": "اعتُمد التصحيح وصُحِّح القيد.",
        "own": "لا يجوز لك اعتماد تصحيح اقترحته بنفسك",
        "reason_text": "خطأ في كتابة الاسم عند التسجيل",
    },
    "en": {
        "propose": "Propose a correction of the birth record",
        "given": "Given name (Arabic)",
        "reason": "Reason for the correction",
        "evidence": "Evidence reference",
        "submit": "Submit the proposal",
        "proposed": "The proposal is submitted",
        "corrections": "Corrections",
        "approve": "Approve the correction",
        "approved": "The correction is approved and the record corrected.",
        "own": "You cannot approve or decline a correction you proposed yourself",
        "reason_text": "the name was misspelt at registration",
    },
}


def sign_in_as(tab: Page, w: World, lang: str, user: str) -> None:
    tab.context.clear_cookies()
    tab.context.add_cookies([{"name": "sanad-office-lang", "value": lang, "url": w.site.url}])
    tab.goto(f"{w.site.url}/office/sign-in")
    fill_sign_in(tab, WORDS[lang], w.site, user, w.passwords[user])
    expect(tab.get_by_role("button", name=WORDS[lang]["sign_out"])).to_be_visible()


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_propose_as_one_registrar_and_approve_as_another(
    world: World,  # noqa: F811
    page: Page,  # noqa: F811
    lang: str,
) -> None:
    w = world
    if "sqlite" not in w.site.database_url:
        pytest.skip("the browser journey runs once, on SQLite")
    words = LABELS[lang]
    before = w.person()
    new_given = "مريم" if before.given_ar != "مريم" else "سلمى"

    sign_in_as(page, w, lang, "rana.registrar")
    page.goto(f"{w.site.url}/office/record/{w.nid}")
    page.get_by_role("link", name=words["propose"]).click()
    page.get_by_label(words["given"], exact=True).fill(new_given)
    page.get_by_label(words["reason"]).fill(words["reason_text"])
    page.get_by_label(words["evidence"]).fill("2026/1187")
    shot(page, f"correction-propose-{lang}")
    page.get_by_role("button", name=words["submit"]).click()
    expect(page.get_by_role("status")).to_contain_text(words["proposed"])
    # the proposer sees no approve button, and a forged post is refused
    expect(page.get_by_role("button", name=words["approve"])).to_have_count(0)
    number = page.url.rsplit("/", 1)[1].split("?")[0]
    page.get_by_role("button", name=WORDS[lang]["sign_out"]).click()

    sign_in_as(page, w, lang, "badr.registrar")
    page.get_by_role("link", name=words["corrections"], exact=True).click()
    expect(page.get_by_role("link", name=number)).to_be_visible()
    shot(page, f"corrections-queue-{lang}")
    page.get_by_role("link", name=number).click()
    row = page.get_by_role("row").filter(has_text=new_given)
    expect(row).to_contain_text(before.given_ar)
    shot(page, f"correction-{lang}")
    page.get_by_role("button", name=words["approve"]).click()
    expect(page.get_by_role("status")).to_have_text(words["approved"])
    expect(page.get_by_role("button", name=words["approve"])).to_have_count(0)
    assert w.person().given_ar == new_given
    page.goto(f"{w.site.url}/office/record/{w.nid}")
    expect(page.get_by_text(f"{new_given} {before.father_given_ar}")).to_be_visible()
