"""Tokens (stored as SHA-256 hashes, never in clear) and the invites that scope candidate tokens."""
from __future__ import annotations

import hashlib
import hmac
import json
import time

TOKEN_KEYS = ("id", "hash", "role", "name", "created", "expires", "revoked", "created_by")
INVITE_KEYS = ("id", "token_id", "name", "problems", "lang", "max_submissions", "created")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


class TokensMixin:
    def add_token(self, token: str, role: str, name: str = "", expires: float | None = None,
                  created_by: int | None = None, invite: dict | None = None) -> int:
        """Store a token's hash (and, for a candidate, its invite) in one transaction."""
        with self.tx() as db:
            cur = db.execute("INSERT INTO tokens (hash, role, name, created, expires, created_by)"
                             " VALUES (?,?,?,?,?,?)", (token_hash(token), role, name, time.time(), expires,
                                                       created_by))
            tid = int(cur.lastrowid)
            if invite is not None:
                db.execute("INSERT INTO invites (token_id, name, problems, lang, max_submissions, created)"
                           " VALUES (?,?,?,?,?,?)", (tid, name, json.dumps(invite["problems"]),
                                                     invite.get("lang", "en"), invite.get("max_submissions"),
                                                     time.time()))
            return tid

    def find_token(self, token: str) -> dict | None:
        """The live token matching ``token`` (hash compared in constant time), else None."""
        h = token_hash(token)
        row = self.db.execute("SELECT " + ", ".join(TOKEN_KEYS) + " FROM tokens WHERE hash = ?", (h,)).fetchone()
        if row is None or not hmac.compare_digest(row[1], h):
            return None
        rec = dict(zip(TOKEN_KEYS, row))
        if rec["revoked"] or (rec["expires"] is not None and rec["expires"] < time.time()):
            return None
        return rec

    def token(self, tid: int) -> dict | None:
        row = self.db.execute("SELECT " + ", ".join(TOKEN_KEYS) + " FROM tokens WHERE id = ?", (tid,)).fetchone()
        return dict(zip(TOKEN_KEYS, row)) if row else None

    def list_tokens(self) -> list[dict]:
        rows = self.db.execute("SELECT " + ", ".join(TOKEN_KEYS) + " FROM tokens ORDER BY id").fetchall()
        return [{k: v for k, v in zip(TOKEN_KEYS, r) if k != "hash"} for r in rows]

    def revoke_token(self, tid: int) -> bool:
        with self.tx() as db:
            return db.execute("UPDATE tokens SET revoked = ? WHERE id = ? AND revoked IS NULL",
                              (time.time(), tid)).rowcount > 0

    def invite_for(self, tid: int) -> dict | None:
        row = self.db.execute("SELECT " + ", ".join(INVITE_KEYS) + " FROM invites WHERE token_id = ?",
                              (tid,)).fetchone()
        if row is None:
            return None
        rec = dict(zip(INVITE_KEYS, row))
        rec["problems"] = json.loads(rec["problems"])
        return rec

    def list_invites(self) -> list[dict]:
        rows = self.db.execute(
            "SELECT i.id, i.token_id, i.name, i.problems, i.lang, i.max_submissions, i.created, t.expires, t.revoked,"
            " (SELECT COUNT(*) FROM submissions s WHERE s.owner = i.token_id)"
            " FROM invites i JOIN tokens t ON t.id = i.token_id ORDER BY i.id DESC").fetchall()
        keys = (*INVITE_KEYS, "expires", "revoked", "submissions")
        out = [dict(zip(keys, r)) for r in rows]
        for rec in out:
            rec["problems"] = json.loads(rec["problems"])
        return out
