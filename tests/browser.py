"""Headless Chromium for tests and benchmarks: the real browser, with the network unavailable."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--no-first-run", "--disable-sync", "--disable-quic",
    # No network: every request goes to a closed local port, every name fails to resolve.
    "--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND",
]  # fmt: skip


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def run(url: str, *extra: str, budget_ms: int = 15000, timeout: int = 120) -> tuple[str, float]:
    """Loads a page, lets its scripts run (virtual time), returns (dumped DOM, seconds)."""
    exe = chromium()
    if exe is None:
        raise RuntimeError("chromium not installed")
    with tempfile.TemporaryDirectory() as profile:
        cmd = [exe, *FLAGS, f"--user-data-dir={profile}", f"--virtual-time-budget={budget_ms}", *extra, url]
        t = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env={**os.environ, "HOME": profile})
        return proc.stdout, time.perf_counter() - t


def dom(path: Path, fragment: str = "", attempts: int = 3) -> tuple[str, float]:
    """The DOM once the page says it drew. Headless virtual time sometimes ends before the first
    animation frame on a loaded machine; that is retried, a page that never draws is not."""
    for _ in range(attempts):
        dumped, seconds = run(path.resolve().as_uri() + fragment, "--dump-dom")
        if status(dumped).get("state") == "drawn" or status(dumped).get("errors"):
            break
    return dumped, seconds


def screenshot(path: Path, png: Path, size: str = "1400,900") -> None:
    run(path.resolve().as_uri(), f"--screenshot={png}", f"--window-size={size}")


def status(dumped: str) -> dict[str, str]:
    m = re.search(r'<div id="kg-status"([^>]*)>', dumped)
    if not m:
        return {}
    return dict(re.findall(r'data-([a-z]+)="([^"]*)"', m.group(1)))


def drive(page: Path, script: str, workdir: Path, fragment: str = "") -> dict:
    """Runs `script` in the page after it drew, with real DOM events (clicks on the canvas, key
    presses, checkbox changes) and returns what it reports: the script calls `report(obj)`, which
    writes JSON into the DOM for --dump-dom to carry out. The page itself is not changed: a copy
    gets the script appended."""
    import html as html_mod
    import json

    driver = (
        "<script>\n(function () {\n"
        "function report(obj) { var p = document.createElement('pre'); p.id = 'kg-test-out';"
        " p.textContent = JSON.stringify(obj); document.body.appendChild(p); }\n"
        "function clickAt(xy) { var c = document.getElementById('kg-canvas');"
        " ['pointerdown', 'pointerup'].forEach(function (t) {"
        " c.dispatchEvent(new PointerEvent(t, {clientX: xy[0], clientY: xy[1], bubbles: true})); }); }\n"
        # Headless Chromium under a virtual-time budget does not always produce the next animation
        # frame, so `later` waits on a timer and draws the frame itself (the page's own draw).
        "function later(f) { setTimeout(function () {"
        " try { if (window.kgView && kgView.draw) kgView.draw(); f(); } catch (e) { report({error: String(e)}); } }, 20); }\n"
        f"try {{\n{script}\n}} catch (e) {{ report({{error: String(e)}}); }}\n"
        "})();\n</script>\n"
    )
    text = page.read_text(encoding="utf-8")
    at = text.rindex("</body>")
    copy = workdir / ("driven-" + page.name)
    copy.write_text(text[:at] + driver + text[at:], encoding="utf-8")
    for _ in range(3):
        dumped, _ = run(copy.resolve().as_uri() + fragment, "--dump-dom", "--window-size=1400,1000")
        m = re.search(r'<pre id="kg-test-out">(.*?)</pre>', dumped, re.S)
        if m:
            return json.loads(html_mod.unescape(m.group(1)))
    raise AssertionError("the driver reported nothing: " + dumped[-800:])
