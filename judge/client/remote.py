"""HTTP calls to a judge server (httpx); every error becomes a one-line RemoteError."""
from __future__ import annotations

import io
import os
import time
import zipfile
from pathlib import Path

import httpx

from ..errors import InternalError, UsageError
from ..intake import IGNORED, STORE_CAP


class RemoteError(UsageError):
    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status
        if status is None or status >= 500:
            self.exit_code = InternalError.exit_code


def zip_folder(path: Path) -> bytes:
    """The folder as a zip (links kept as links, so the server's intake can refuse them)."""
    buf, total = io.BytesIO(), 0
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for entry in sorted(path.rglob("*")):
            rel = entry.relative_to(path)
            if any(part in IGNORED for part in rel.parts) or (entry.is_dir() and not entry.is_symlink()):
                continue
            if entry.is_symlink():
                info = zipfile.ZipInfo(str(rel))
                info.external_attr = (0o120777 << 16)
                zf.writestr(info, os.readlink(entry))
                continue
            total += entry.stat().st_size
            if total > STORE_CAP:
                raise UsageError(f"{path} holds more than {STORE_CAP >> 20} MB; submit only your solution files")
            zf.write(entry, str(rel))
    return buf.getvalue()


class Client:
    def __init__(self, url: str, token: str, timeout: float = 60.0):
        self.url = url.rstrip("/")
        self.http = httpx.Client(base_url=self.url + "/api/v1", timeout=timeout,
                                 headers={"Authorization": f"Bearer {token}"})

    def _call(self, method: str, path: str, **kw) -> httpx.Response:
        try:
            resp = self.http.request(method, path, **kw)
        except httpx.HTTPError as exc:
            raise RemoteError(f"cannot reach the judge server at {self.url}: {type(exc).__name__}") from None
        if resp.status_code >= 400:
            try:
                msg = resp.json().get("error") or resp.text
            except ValueError:
                msg = resp.text[:200]
            raise RemoteError(f"server answered {resp.status_code}: {msg}", resp.status_code)
        return resp

    def me(self) -> dict:
        return self._call("GET", "/me").json()

    def problems(self) -> list[dict]:
        return self._call("GET", "/problems").json()

    def pack(self, problem: str, lang: str | None = None) -> bytes:
        return self._call("GET", f"/problems/{problem}/pack", params={"lang": lang} if lang else None).content

    def submit(self, problem: str, path: str | Path, label: str = "") -> dict:
        p = Path(path)
        if p.is_dir():
            files = {"archive": ("submission.zip", zip_folder(p), "application/zip")}
            return self._call("POST", "/submissions", data={"problem": problem, "label": label}, files=files).json()
        if not p.is_file():
            raise UsageError(f"{path}: no such file or folder")
        if p.stat().st_size > STORE_CAP:
            raise UsageError(f"{path} is larger than the judge accepts ({STORE_CAP >> 20} MB)")
        info = self._call("GET", f"/problems/{problem}").json()
        if len(info["files"]) != 1:
            raise UsageError(f"{problem} needs {len(info['files'])} files ({', '.join(info['files'])}): submit a folder")
        files = [("files", (info["files"][0], p.read_bytes(), "text/x-python"))]
        return self._call("POST", "/submissions", data={"problem": problem, "label": label}, files=files).json()

    def status(self, sid: int) -> dict:
        return self._call("GET", f"/submissions/{sid}").json()

    def wait(self, sid: int, on_status=None, poll: float = 0.5, timeout: float = 3600) -> dict:
        """Poll until the submission is judged; ``on_status(status)`` sees each answer."""
        deadline = time.monotonic() + timeout
        while True:
            st = self.status(sid)
            if on_status:
                on_status(st)
            if st["state"] == "done" and st.get("result") is not None:
                return st
            if time.monotonic() > deadline:
                raise RemoteError(f"submission {sid} is still {st['state']} after {timeout:.0f}s")
            time.sleep(poll)

    def report(self, sid: int, fmt: str = "json", audience: str | None = None, lang: str | None = None) -> str:
        params = {"format": fmt, **({"audience": audience} if audience else {}), **({"lang": lang} if lang else {})}
        return self._call("GET", f"/submissions/{sid}/report", params=params).text

    def list(self, **filters) -> list[dict]:
        return self._call("GET", "/submissions", params={k: v for k, v in filters.items() if v is not None}).json()

    def rejudge(self, sid: int) -> dict:
        return self._call("POST", f"/submissions/{sid}/rejudge").json()
