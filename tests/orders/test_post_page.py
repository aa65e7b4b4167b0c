"""The day's postal batch in the office app (registry/office_web/post_page.py): a supervisor
sees its orders and downloads its files, in Chromium and through the API; a clerk does not.
The screenshot goes to docs/gallery/office/post-ar.png."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from registry.cli import group as registry_cli
from registry.client import RegistryClient
from registry.orders import codes
from tests.office.office_support import Site, serving
from tests.office.test_office_browser import WORDS, browser, fill_sign_in, page, shot  # noqa: F401
from tests.orders.orders_support import PORTAL, enroll_portal, pay, place, signed_in
from tests.orders.test_counter_orders import bearer, citizens_with_phone

pytestmark = pytest.mark.browser

from playwright.sync_api import Page, expect  # noqa: E402

ADDRESS = {"name": "سلمى أحمد الخطيب", "line1": "شارع الجامعة", "city": "إربد"}


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    with serving(tmp_path, None, demo=30) as s:
        yield s


def batched(site: Site) -> tuple[str, list[str]]:
    key = enroll_portal(site.data, site.database_url)
    made = []
    with RegistryClient(site.url, PORTAL, key, retries=0) as portal:
        for citizen in citizens_with_phone(site)[:2]:
            session = signed_in(portal, site.database_url, citizen)
            code = place(portal, session, citizen, "post", address=ADDRESS).code
            pay(site.database_url, code)
            made.append(code)
    day = dt.datetime.now(dt.UTC).date().isoformat()
    result = CliRunner().invoke(
        registry_cli,
        ["post", "batch", "--day", day, "--data", str(site.data.root), "--db", site.database_url],
    )
    assert result.exit_code == 0, result.output
    return day, made


def test_a_supervisor_sees_the_days_batch_and_downloads_it(
    site: Site,
    page: Page,  # noqa: F811
) -> None:
    day, made = batched(site)
    api = f"{site.url}/api/v1/office/post/batches/{day}"
    supervisor = bearer(site, "huda.supervisor")
    listed = httpx.get(api, headers=supervisor)
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert [o["code"] for o in body["orders"]] == made
    assert {o["state"] for o in body["orders"]} == {"paid"}
    manifest = httpx.get(site.url + body["files"]["manifest.csv"], headers=supervisor)
    folder = site.data.root / "post" / day
    assert manifest.status_code == 200
    assert manifest.text == (folder / "manifest.csv").read_text(encoding="utf-8")
    assert httpx.get(api, headers=bearer(site, "amal.clerk")).status_code == 403
    assert httpx.get(f"{api}/registry.sqlite3", headers=supervisor).status_code == 404
    assert (
        httpx.get(
            f"{site.url}/api/v1/office/post/batches/not-a-day", headers=supervisor
        ).status_code
        == 422
    )

    page.goto(f"{site.url}/office/sign-in")
    fill_sign_in(page, WORDS["ar"], site, "huda.supervisor", site.passwords["huda.supervisor"])
    page.get_by_role("link", name="البريد").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("دفعة البريد اليومية")
    table = page.get_by_role("table")
    expect(table.get_by_role("row")).to_have_count(3)
    expect(table).to_contain_text(codes.display(made[0]))
    expect(table).to_contain_text("طُبع، بانتظار التسليم للبريد")
    with page.expect_download() as download:
        page.get_by_role("link", name="تنزيل ملف الطباعة (PDF)").click()
    assert download.value.suggested_filename == f"post-{day}-batch.pdf"
    shot(page, "post-ar")
