"""Tokens and roles: who is calling, what they may do, how often.

A token is ``mlj_`` + 32 random bytes (URL-safe); only its SHA-256 is stored
and the lookup compares hashes in constant time. Roles rank candidate <
interviewer < admin; a candidate is scoped to its invite's problems and its own
submissions.
"""
from __future__ import annotations

import re
import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field

from ..errors import UsageError
from ..store import Store

ROLES = ("candidate", "interviewer", "admin")
RANK = {r: i for i, r in enumerate(ROLES)}
PREFIX = "mlj_"


@dataclass
class Principal:
    token_id: int
    role: str
    name: str
    problems: list[str] | None = None  # None: every problem
    lang: str = "en"
    max_submissions: int | None = None
    expires: float | None = None

    def at_least(self, role: str) -> bool:
        return RANK[self.role] >= RANK[role]

    def may_see_problem(self, problem_id: str) -> bool:
        return self.problems is None or problem_id in self.problems


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def parse_duration(text: str | None) -> float | None:
    """'7d', '12h', '30m', '90s' → seconds; None/'' / 'never' → None."""
    if text in (None, "", "never"):
        return None
    m = re.fullmatch(r"\s*(\d+)\s*([smhdw]?)\s*", str(text))
    if not m:
        raise UsageError(f"bad duration {text!r}: use e.g. 7d, 12h, 30m")
    n = int(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[m.group(2)]
    if n <= 0:
        raise UsageError("a duration must be positive")
    return float(n)


def authenticate(store: Store, token: str | None) -> Principal | None:
    if not token or len(token) > 200:
        return None
    rec = store.find_token(token.strip())
    if rec is None:
        return None
    p = Principal(token_id=rec["id"], role=rec["role"], name=rec["name"], expires=rec["expires"])
    if rec["role"] == "candidate":
        inv = store.invite_for(rec["id"]) or {"problems": [], "lang": "en", "max_submissions": 0}
        p.problems, p.lang, p.max_submissions = inv["problems"], inv["lang"], inv["max_submissions"]
    return p


def bearer(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


@dataclass
class RateLimit:
    """At most ``per_minute`` events per key in any 60-second window (in memory, per server process)."""

    per_minute: int
    _events: dict = field(default_factory=lambda: defaultdict(deque))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def allow(self, key) -> bool:
        if self.per_minute <= 0:
            return True
        now = time.monotonic()
        with self._lock:
            q = self._events[key]
            while q and q[0] <= now - 60:
                q.popleft()
            if len(q) >= self.per_minute:
                return False
            q.append(now)
            return True
