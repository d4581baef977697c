"""Headless Chromium (Debian's package) for the report tests: load a page, dump its DOM, screenshot it.

Without a chromium binary the browser tests skip, except in CI (CI=true),
where scripts/setup.sh installs it and a missing browser is a failure.
"""
import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PHONE = (390, 844)
LAPTOP = (1280, 900)


def need_browser():
    if CHROMIUM:
        return
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed (scripts/setup.sh installs it)")
    pytest.skip("chromium is not installed: apt-get install -y chromium")


def _run(args: list[str], profile: Path) -> subprocess.CompletedProcess:
    need_browser()
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
           f"--user-data-dir={profile}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def dump_dom(page: Path, profile: Path) -> str:
    proc = _run(["--dump-dom", page.resolve().as_uri()], profile)
    assert proc.returncode == 0 and "<html" in proc.stdout, proc.stderr[-2000:]
    return proc.stdout


def screenshot(page: Path, png: Path, profile: Path, size: tuple[int, int] = PHONE) -> tuple[int, int]:
    proc = _run([f"--screenshot={png}", f"--window-size={size[0]},{size[1]}", page.resolve().as_uri()], profile)
    assert proc.returncode == 0 and png.is_file(), proc.stderr[-2000:]
    return png_size(png)


def png_size(png: Path) -> tuple[int, int]:
    head = png.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", head[16:24])
