"""Screenshots of the page's four views for the README, taken in headless Chromium.

Starts `graphrec serve` over an existing bundle on a free loopback port, drives the page as the
browser test does, and saves one PNG per view under ``docs/``.

    python scripts/screenshots.py --artifacts artifacts --out docs
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from bench_live import Server  # the same `graphrec serve` process (scripts/ is on the path)
from playwright.sync_api import sync_playwright

VIEWS = {
    "find": "#find",
    "map": "#map-view",
    "new-movie": "#new-movie",
    "user": "#user",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--artifacts", type=Path, default=Path("artifacts"))
    parser.add_argument("--out", type=Path, default=Path("docs"))
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("no chromium on PATH (apt-get install chromium)")
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="screenshots-") as tmp:
        folder = Path(tmp)
        (folder / "artifacts").symlink_to(args.artifacts.resolve())
        with Server(folder) as server, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.goto(f"http://127.0.0.1:{server.port}/")
            page.fill("#query", "toy st")
            page.wait_for_selector("#suggestions li")
            page.click("#suggestions li >> text=Toy Story (1995)")
            page.wait_for_selector("#similar li")
            page.fill("#movie-form input[name=title]", "Toy Story 5 (2026)")
            page.fill("#movie-form input[name=year]", "2026")
            page.select_option("#movie-form select[name=genres]", ["Animation", "Children"])
            page.fill("#movie-form input[name=tags]", "pixar")
            page.click("#movie-form button[value=preview]")
            page.wait_for_selector("#movie-similar li")
            page.click("#user-form button")
            page.wait_for_selector("#recent li")
            for name, selector in VIEWS.items():
                path = args.out / f"page-{name}.png"
                page.locator(selector).screenshot(path=str(path))
                print(path)
            browser.close()


if __name__ == "__main__":
    main()
