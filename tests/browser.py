"""Headless Chromium driven over the DevTools protocol, for the tests of pages with
scripts and WebGL (``synthrm view``, its static export in the report).

``chromium --headless --screenshot`` (the report's plain check) cannot wait for a
WebGL scene nor click a control; this drives the same browser through its DevTools
websocket (the ``websockets`` client viser already depends on): navigate, evaluate
JavaScript, click, take screenshots, and collect console messages and exceptions.

WebGL without a GPU: Chromium falls back to SwiftShader (software Vulkan behind ANGLE);
``--enable-unsafe-swiftshader`` opts in explicitly (without it Chromium 13x+ logs a
deprecation warning on every page), ``--use-angle=swiftshader`` picks the backend.
"""
from __future__ import annotations

import base64
import io
import json
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request

import numpy as np

CHROME_FLAGS = ("--headless", "--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
                "--hide-scrollbars", "--mute-audio", "--no-first-run")


def find_chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


class Browser:
    """One headless Chromium page. Use as a context manager."""

    def __init__(self, size=(1280, 800), timeout_s: float = 60.0):
        chrome = find_chromium()
        if chrome is None:
            raise RuntimeError("Chromium not installed (Debian package `chromium`)")
        self.profile = tempfile.mkdtemp(prefix="synthrm-chromium-")
        self.proc = subprocess.Popen([chrome, *CHROME_FLAGS, "--remote-debugging-port=0",
                                      f"--user-data-dir={self.profile}", f"--window-size={size[0]},{size[1]}",
                                      "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        url, t0 = None, time.time()
        while url is None and time.time() - t0 < timeout_s:
            line = self.proc.stderr.readline()
            if not line and self.proc.poll() is not None:
                break
            m = re.search(r"DevTools listening on (ws://\S+)", line)
            url = m.group(1) if m else None
        if url is None:
            self.close()
            raise RuntimeError("Chromium did not start its DevTools endpoint")
        port = int(re.search(r":(\d+)/", url).group(1))
        tabs = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json", timeout=10).read())
        from websockets.sync.client import connect

        self.ws = connect([t for t in tabs if t["type"] == "page"][0]["webSocketDebuggerUrl"], max_size=None)
        self.id, self.events = 0, []
        for method in ("Page.enable", "Runtime.enable", "Log.enable"):
            self.send(method)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        try:
            self.ws.close()
        except Exception:
            pass
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.profile, ignore_errors=True)

    def send(self, method: str, params: dict | None = None, timeout_s: float = 60.0) -> dict:
        self.id += 1
        i = self.id
        self.ws.send(json.dumps({"id": i, "method": method, "params": params or {}}))
        t0 = time.time()
        while True:
            msg = json.loads(self.ws.recv(timeout=max(0.1, timeout_s - (time.time() - t0))))
            if msg.get("id") == i:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.events.append(msg)

    def eval(self, js: str):
        r = self.send("Runtime.evaluate", {"expression": js, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in r:
            raise RuntimeError(f"{js[:80]}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def goto(self, url: str, timeout_s: float = 60.0) -> None:
        """Navigate and wait until the document has loaded (not for what its scripts fetch)."""
        self.send("Page.navigate", {"url": url})
        time.sleep(0.2)
        if not self.wait_for("document.readyState === 'complete' && location.href !== 'about:blank'", timeout_s):
            raise RuntimeError(f"{url}: did not load in {timeout_s} s")

    def wait_for(self, js: str, timeout_s: float = 60.0, poll_s: float = 0.25) -> bool:
        """Evaluate ``js`` until it is truthy; False after ``timeout_s``."""
        t0 = time.time()
        while time.time() - t0 < timeout_s:
            try:
                if self.eval(js):
                    return True
            except RuntimeError:
                pass
            time.sleep(poll_s)
        return False

    def click(self, x: float, y: float) -> None:
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1})

    def click_selector(self, js_element: str) -> bool:
        """Click the middle of the element a JavaScript expression returns; False if none."""
        box = self.eval(f"(() => {{ const e = {js_element}; if (!e) return null; const r = e.getBoundingClientRect();"
                        " return [r.x + r.width / 2, r.y + r.height / 2]; })()")
        if not box:
            return False
        self.click(*box)
        return True

    def screenshot(self) -> np.ndarray:
        """(H, W, 3) uint8 of the page as it is now."""
        from PIL import Image

        for attempt in range(20):
            try:
                data = self.send("Page.captureScreenshot", {"format": "png"})["data"]
                break
            except RuntimeError as e:  # a page swapped in by a navigation is attached a moment later
                if "Not attached" not in str(e) or attempt == 19:
                    raise
                time.sleep(0.25)
        return np.asarray(Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB"))

    def console(self) -> list[tuple[str, str]]:
        """(level, text) of every console message, log entry and uncaught exception so far."""
        out = []
        for e in self.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.consoleAPICalled":
                out.append((p["type"], " ".join(str(a.get("value", a.get("description", ""))) for a in p["args"])))
            elif m == "Runtime.exceptionThrown":
                d = p["exceptionDetails"]
                out.append(("exception", d.get("exception", {}).get("description", d.get("text", ""))))
            elif m == "Log.entryAdded":
                out.append((p["entry"]["level"], p["entry"]["text"]))
        return out

    def errors(self) -> list[str]:
        return [f"{lvl}: {txt}" for lvl, txt in self.console() if lvl in ("error", "exception", "assert")]
