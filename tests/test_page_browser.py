"""The page in a real browser: Debian's headless Chromium driven by Playwright against `graphrec
serve` on loopback. Find Toy Story by typing, see Toy Story 2 among its similar movies, preview a
new movie, open user 1's list, and check that the map has drawn."""

from __future__ import annotations

import json
import shutil
import urllib.request
from pathlib import Path

import pytest

from tests.serving import serve, stop

CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser")) if p), None)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium on this machine (apt-get install chromium; .ci/run does)"
)


def test_the_four_views_in_chromium(artifacts: Path) -> None:
    base, server = serve(artifacts, {"GRAPHREC_ADMIN_TOKEN": "s3cret-long-test-token"})
    try:
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(base + "/")

            page.fill("#query", "toy st")
            page.wait_for_selector("#suggestions li")
            page.click("#suggestions li >> text=Toy Story (1995)")
            page.wait_for_selector("#similar li")
            shown = page.inner_text("#similar")
            served = json.loads(urllib.request.urlopen(base + "/similar/1?k=10", timeout=10).read())
            assert (
                [r["title"] for r in served["results"]][:3]
                == [  # the API's order, rendered
                    line.split(" — ")[0] for line in shown.splitlines()[:3]
                ]
            ), shown

            page.fill("#movie-form input[name=title]", "Toy Story 5 (2026)")
            page.fill("#movie-form input[name=year]", "2026")
            page.select_option("#movie-form select[name=genres]", ["Animation", "Children"])
            page.click("#movie-form button[value=preview]")
            page.wait_for_selector("#movie-similar li")
            assert "Preview" in page.inner_text("#movie-result")

            page.click("#user-form button")
            page.wait_for_selector("#recommended li")
            page.wait_for_selector("#recent li")
            assert "User 1:" in page.inner_text("#user-meta")

            drawn = page.evaluate(
                """() => {
                    const canvas = document.getElementById('map');
                    const data = canvas.getContext('2d')
                        .getImageData(0, 0, canvas.width, canvas.height).data;
                    let painted = 0;
                    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
                    return painted;
                }"""
            )
            assert drawn > 1000, "the map drew almost nothing"
            assert page.is_hidden("#status"), page.inner_text("#status")
            assert errors == []

            page.set_viewport_size({"width": 390, "height": 844})  # a phone
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= 390, f"the page scrolls sideways on a phone ({width} px)"
            browser.close()
    finally:
        stop(server)
