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


class Warm:
    """One Chromium kept running, driven over the DevTools pipe (`--remote-debugging-pipe`: JSON
    messages ending in NUL on file descriptors 3 and 4, no websocket library needed).

    For timing a page the way a reader opens it, in a browser that is already running:
    `load(path)` navigates the open tab and returns the seconds until the page reported its first
    draw and the browser then produced a frame. The process start (`started`, seconds) is measured
    on its own."""

    def __init__(self, size: str = "1400,1000") -> None:
        import json

        self._json = json
        exe = chromium()
        if exe is None:
            raise RuntimeError("chromium not installed")
        self.profile = tempfile.TemporaryDirectory()
        to_child_r, self._w = os.pipe()
        self._r, from_child_w = os.pipe()

        def fds() -> None:  # in the child: its fd 3 reads our messages, fd 4 writes its replies
            a, b = os.dup(to_child_r), os.dup(from_child_w)  # above 4, so neither dup2 overwrites the other
            os.dup2(a, 3)
            os.dup2(b, 4)

        cmd = [exe, *FLAGS, f"--user-data-dir={self.profile.name}", f"--window-size={size}", "--remote-debugging-pipe", "about:blank"]
        t = time.perf_counter()
        # close_fds=False: the dup2 copies must survive; every other descriptor of ours is close-on-exec
        self.proc = subprocess.Popen(cmd, close_fds=False, preexec_fn=fds, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, env={**os.environ, "HOME": self.profile.name})  # fmt: skip
        os.close(to_child_r)
        os.close(from_child_w)
        self._buf, self._id = b"", 0
        targets = self.call("Target.getTargets")["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        self.session = self.call("Target.attachToTarget", targetId=page["targetId"], flatten=True)["sessionId"]
        self.call("Page.enable", session=True)
        self.call("Runtime.evaluate", session=True, expression="1")
        self.started = time.perf_counter() - t

    def call(self, method: str, session: bool = False, timeout: float = 120.0, **params):
        import select

        self._id += 1
        msg = {"id": self._id, "method": method, "params": params}
        if session:
            msg["sessionId"] = self.session
        os.write(self._w, self._json.dumps(msg).encode() + b"\0")
        while True:
            while b"\0" not in self._buf:
                if not select.select([self._r], [], [], timeout)[0]:
                    raise RuntimeError(f"{method}: no reply from chromium in {timeout:.0f} s")
                chunk = os.read(self._r, 1 << 16)
                if not chunk:
                    raise RuntimeError("chromium closed the DevTools pipe")
                self._buf += chunk
            raw, self._buf = self._buf.split(b"\0", 1)
            reply = self._json.loads(raw)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    _PAINTED = (
        "new Promise(function (done) { var t0 = Date.now(); (function check() { var s = document.getElementById('kg-status');"
        " if (s && s.dataset.state === 'drawn') requestAnimationFrame(function () { done([location.href, s.dataset.ms,"
        " Math.round(performance.now())]); }); else if (Date.now() - t0 > 60000) done([location.href, null, null]);"
        " else setTimeout(check, 2); })(); })"
    )

    def load(self, path: Path) -> tuple[float, dict]:
        """Seconds from asking the open tab to navigate to `path` until its first draw was on a
        frame, and what the page reports: `drawn_ms` (its own clock: navigation start to the end of
        its first draw), `frame_ms` (to the next frame)."""
        url = path.resolve().as_uri()
        t = time.perf_counter()
        self.call("Page.navigate", session=True, url=url)
        while True:
            got = self.call("Runtime.evaluate", session=True, expression=self._PAINTED, awaitPromise=True, returnByValue=True)
            href, drawn, frame = got["result"]["value"]
            if href == url:
                if drawn is None:
                    raise RuntimeError(f"{url} did not draw within 60 s")
                return time.perf_counter() - t, {"drawn_ms": int(drawn), "frame_ms": frame}

    def close(self) -> None:
        try:
            self.call("Browser.close")
        except Exception:  # noqa: BLE001 - already gone
            pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        os.close(self._w)
        os.close(self._r)
        self.profile.cleanup()

    def __enter__(self) -> Warm:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
