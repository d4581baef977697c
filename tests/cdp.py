"""Headless Chromium driven over the DevTools protocol (websockets): navigate, fill, click, upload, screenshot.

For the web UI tests, which need more than tests/browser.py's load-and-dump:
sign in with a form, follow redirects, upload files.
"""
from __future__ import annotations

import base64
import json
import subprocess
import time
from pathlib import Path

import httpx

from .browser import CHROMIUM, PHONE, need_browser
from .serverproc import free_port


class Browser:
    def __init__(self, profile: Path, size: tuple[int, int] = PHONE):
        need_browser()
        from websockets.sync.client import connect

        port = free_port()
        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
             f"--remote-debugging-port={port}", f"--user-data-dir={profile}", f"--window-size={size[0]},{size[1]}",
             "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 60
        while True:
            try:
                pages = httpx.get(f"http://127.0.0.1:{port}/json/list", timeout=2).json()
                page = next(p for p in pages if p["type"] == "page")
                break
            except (httpx.HTTPError, StopIteration, ValueError):
                if time.monotonic() > deadline:
                    self.close()
                    raise RuntimeError("chromium did not open its DevTools port")
                time.sleep(0.3)
        self.ws = connect(page["webSocketDebuggerUrl"], max_size=None, open_timeout=30)
        self._id = 0
        self.send("Page.enable")
        self.send("Emulation.setDeviceMetricsOverride", width=size[0], height=size[1], deviceScaleFactor=1,
                  mobile=size[0] < 600)

    def send(self, method: str, **params):
        self._id += 1
        self.ws.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv(timeout=120))
            if msg.get("id") == self._id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})

    def eval(self, expression: str):
        res = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in res:
            raise RuntimeError(f"{expression[:80]}: {res['exceptionDetails'].get('text')}")
        return res["result"].get("value")

    def _wait_loaded(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.eval("window.__stale === undefined && document.readyState === 'complete'"):
                    return
            except RuntimeError:  # the page was mid-navigation
                pass
            time.sleep(0.1)
        raise TimeoutError("page did not load")

    def goto(self, url: str) -> None:
        self.eval("window.__stale = true")
        self.send("Page.navigate", url=url)
        self._wait_loaded()

    def fill(self, selector: str, value: str) -> None:
        self.eval(f"document.querySelector({json.dumps(selector)}).value = {json.dumps(value)}")

    def check(self, selector: str) -> None:
        self.eval(f"document.querySelector({json.dumps(selector)}).checked = true")

    def click(self, selector: str) -> None:
        """Click and wait for the navigation it starts."""
        self.eval("window.__stale = true")
        self.eval(f"document.querySelector({json.dumps(selector)}).click()")
        self._wait_loaded()

    def set_files(self, selector: str, paths: list[Path]) -> None:
        root = self.send("DOM.getDocument")["root"]["nodeId"]
        node = self.send("DOM.querySelector", nodeId=root, selector=selector)["nodeId"]
        self.send("DOM.setFileInputFiles", nodeId=node, files=[str(p) for p in paths])

    def text(self, selector: str = "body") -> str:
        return self.eval(f"(document.querySelector({json.dumps(selector)}) || {{innerText: ''}}).innerText")

    def html(self) -> str:
        return self.eval("document.documentElement.outerHTML")

    def url(self) -> str:
        return self.eval("location.href")

    def screenshot(self, png: Path) -> Path:
        data = self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)["data"]
        png.write_bytes(base64.b64decode(data))
        return png

    def close(self) -> None:
        try:
            self.ws.close()
        except Exception:
            pass
        self.proc.kill()
        self.proc.wait(10)
