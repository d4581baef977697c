"""The candidate's (and interviewer's) client for a judge server: login file and HTTP calls.

Needs only the ``judge`` package (no problems/, reference/ or hidden tests).
"""
from .config import Login, clear_login, config_dir, load_login, save_login


def __getattr__(name):  # httpx only when the client is used
    if name in ("Client", "RemoteError"):
        from . import remote

        return getattr(remote, name)
    raise AttributeError(name)


__all__ = ["Client", "Login", "RemoteError", "clear_login", "config_dir", "load_login", "save_login"]
