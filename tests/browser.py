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
