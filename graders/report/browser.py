"""Headless Chromium over the DevTools protocol (websocket-client): open a report from disk, record every
request the page makes, run checks in the page, take screenshots. Used by the browser test and for the
docs' screenshot: `python -m graders.report.browser report.html shot.png`."""
from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--remote-debugging-port=0"]


class BrowserError(RuntimeError):
    pass


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class Chromium:
    """One headless Chromium with a fresh profile and one page; a context manager that always ends it."""

    def __init__(self, width: int = 1366, height: int = 900, executable: str | None = None, timeout_s: float = 60):
        self.executable = executable or find_chromium()
        if not self.executable:
            raise BrowserError("chromium is not installed (tools/ensure_chromium.sh installs Debian's package)")
        self.width, self.height, self.timeout_s = width, height, timeout_s
        self.events: list[dict[str, Any]] = []
        self._id = 0

    def __enter__(self) -> Chromium:
        import websocket

        self.profile = tempfile.mkdtemp(prefix="verigrade-chromium-")
        self.proc = subprocess.Popen([self.executable, *FLAGS, f"--user-data-dir={self.profile}",
                                      f"--window-size={self.width},{self.height}", "about:blank"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        try:
            port_file = Path(self.profile) / "DevToolsActivePort"
            end = time.monotonic() + self.timeout_s
            while not (port_file.exists() and len(port_file.read_text().splitlines()) >= 2):
                if self.proc.poll() is not None:
                    raise BrowserError(f"chromium exited with code {self.proc.returncode}")
                if time.monotonic() > end:
                    raise BrowserError("chromium did not open its DevTools port")
                time.sleep(0.1)
            port, path = port_file.read_text().splitlines()[:2]
            self.ws = websocket.create_connection(f"ws://127.0.0.1:{port}{path}", timeout=self.timeout_s,
                                                  suppress_origin=True)
            target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
            self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            for domain in ("Page.enable", "Network.enable", "Runtime.enable"):
                self.call(domain, session=True)
            self.call("Emulation.setDeviceMetricsOverride", {"width": self.width, "height": self.height,
                                                             "deviceScaleFactor": 1, "mobile": False}, session=True)
        except Exception:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        try:
            if getattr(self, "ws", None):
                try:
                    self.call("Browser.close")
                except Exception:  # noqa: BLE001 - it may already be gone; it is killed below anyway
                    pass
                self.ws.close()
        finally:
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            shutil.rmtree(self.profile, ignore_errors=True)

    def _recv(self) -> dict[str, Any]:
        msg = json.loads(self.ws.recv())
        if "method" in msg:
            self.events.append(msg)
        return msg

    def call(self, method: str, params: dict | None = None, session: bool = False) -> dict[str, Any]:
        """Send one DevTools command and wait for its answer (events arriving meanwhile are recorded)."""
        self._id += 1
        msg: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = self.session
        self.ws.send(json.dumps(msg))
        while True:
            reply = self._recv()
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def wait_for(self, event: str, seen: int = 0) -> dict[str, Any]:
        """The first `event` recorded after the first `seen` events (waits for it)."""
        end = time.monotonic() + self.timeout_s
        while True:
            for msg in self.events[seen:]:
                if msg.get("method") == event:
                    return msg
            if time.monotonic() > end:
                raise BrowserError(f"no {event} within {self.timeout_s:g}s")
            self._recv()

    def open(self, path: str | Path) -> None:
        """Load a file and wait for its load event."""
        seen = len(self.events)
        url = Path(path).resolve().as_uri()
        result = self.call("Page.navigate", {"url": url}, session=True)
        if result.get("errorText"):
            raise BrowserError(f"cannot open {url}: {result['errorText']}")
        self.wait_for("Page.loadEventFired", seen)

    def evaluate(self, expression: str) -> Any:
        """Run JavaScript in the page; returns its (JSON) value."""
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True}, session=True)
        if "exceptionDetails" in result:
            raise BrowserError(f"script failed: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    def requested_urls(self) -> list[str]:
        """Every URL the page asked for (DevTools Network.requestWillBeSent), in order."""
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]

    def screenshot(self, path: str | Path, full_page: bool = False) -> Path:
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            size = self.call("Page.getLayoutMetrics", session=True)["cssContentSize"]
            params.update(captureBeyondViewport=True, clip={"x": 0, "y": 0, "width": size["width"],
                                                            "height": size["height"], "scale": 1})
        data = self.call("Page.captureScreenshot", params, session=True)["data"]
        Path(path).write_bytes(base64.b64decode(data))
        return Path(path)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m graders.report.browser REPORT.html SHOT.png", file=sys.stderr)
        return 2
    with Chromium() as browser:
        browser.open(args[0])
        browser.screenshot(args[1])
        print(f"{args[1]}; requests: {browser.requested_urls()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
