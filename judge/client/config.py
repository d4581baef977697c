"""Where a login is kept: ``$XDG_CONFIG_HOME/mljudge/login.json`` (else ``~/.config/mljudge``), mode 0600."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Login:
    url: str
    token: str


def config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME")
    return (Path(base) if base else Path.home() / ".config") / "mljudge"


def login_path() -> Path:
    return config_dir() / "login.json"


def save_login(login: Login) -> Path:
    path = login_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump({"url": login.url, "token": login.token}, fh)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return path


def load_login() -> Login | None:
    try:
        data = json.loads(login_path().read_text())
        return Login(url=str(data["url"]), token=str(data["token"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def clear_login() -> bool:
    try:
        login_path().unlink()
        return True
    except FileNotFoundError:
        return False
