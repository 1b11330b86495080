"""The README's desk screenshots, taken from a real `partnerbot serve` on the embedded default (sample data,
the loopback development sign-in) in headless Chromium: `python docs/screenshots.py` (needs the test extras
and Chromium; writes docs/desk-*.png)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
SHOTS = (("/desk", "desk-queue.png", 1100), ("/desk/partners?q=Garfield", "desk-partners.png", 1100),
         ("/desk/trainings", "desk-trainings.png", 1100), ("/desk/faq/data_sharing", "desk-faq-topic.png", 1100),
         ("/desk/teach", "desk-teach.png", 1100), ("/desk/district#part-5", "desk-district-map.png", 1100))


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    chromium = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    port, folder = _port(), tempfile.mkdtemp()
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{folder}/shots.db", PORT=str(port))
    server = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if requests.get(url + "/readyz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        visitor = requests.Session()
        for text in ("I need a consultation: please help renew our MOU with a mentoring partner at Lowell", "yes"):
            visitor.post(url + "/chat", json={"session": "shots", "name": "Pat Kim", "text": text}, timeout=30)
        visitor.post(url + "/chat", json={"session": "shots-2", "text": "where do I park at JSCEE?"}, timeout=30)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.goto(url + "/desk")
            page.fill("#email", "dana@district.example")
            page.keyboard.press("Enter")
            page.wait_for_url("**/desk")
            for path, name, width in SHOTS:
                page.set_viewport_size({"width": width, "height": 900})
                page.goto(url + path)
                if "#" in path:
                    page.locator("figure.map .dot").first.focus()
                page.screenshot(path=str(HERE / name))
                print("wrote", HERE / name)
            page.set_viewport_size({"width": 375, "height": 800})
            page.goto(url + "/desk/tickets/C-1001")
            page.screenshot(path=str(HERE / "desk-ticket-phone.png"))
            print("wrote", HERE / "desk-ticket-phone.png")
            browser.close()
    finally:
        server.terminate()
        server.wait(20)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
