"""Take docs/img/serve-story.png: the story page of the seeds, in headless Chromium.

Starts ``samestory serve`` over a temporary store on a free loopback port, adds the five
seeds (tests/fixtures/seeds) through the API, opens the story of the two rewrites with
one evidence panel open, and saves a screenshot.

    PYTHONPATH=src python scripts/serve_screenshot.py [--out docs/img/serve-story.png]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.server.conftest import REWRITE_A, seed_records  # noqa: E402
from tests.server.test_browser import CHROMEDRIVER, CHROMIUM, start_server  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img" / "serve-story.png")
    args = parser.parse_args()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    with tempfile.TemporaryDirectory() as folder:
        process, base = start_server(Path(folder, "shot.db"), Path(folder, "server.log"))
        try:
            httpx.post(f"{base}/api/articles", json=seed_records(), timeout=120)
            story = httpx.get(f"{base}/api/articles/{REWRITE_A}").json()["story"]
            options = webdriver.ChromeOptions()
            options.binary_location = CHROMIUM
            for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"):
                options.add_argument(flag)
            options.add_argument("--window-size=1200,1250")
            driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
            try:
                driver.get(f"{base}/stories/{story}")
                panels = driver.find_elements(By.CSS_SELECTOR, ".tree details.evidence")
                if panels:
                    driver.execute_script("arguments[0].open = true", panels[0])
                args.out.parent.mkdir(parents=True, exist_ok=True)
                driver.save_screenshot(str(args.out))
            finally:
                driver.quit()
        finally:
            process.terminate()
            process.wait(timeout=20)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
