"""Tokens (stored as SHA-256 hashes, never in clear) and the invites that scope candidate tokens."""
from __future__ import annotations

import hashlib
import hmac
import json
import time

from sqlalchemy import insert, select, update

from .schema import invites, tokens

TOKEN_KEYS = ("id", "hash", "role", "name", "created", "expires", "revoked", "created_by")
INVITE_KEYS = ("id", "token_id", "name", "problems", "lang", "max_submissions", "created")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def _select_tokens():
    return select(*[tokens.c[k] for k in TOKEN_KEYS])


class TokensMixin:
    def add_token(self, token: str, role: str, name: str = "", expires: float | None = None,
                  created_by: int | None = None, invite: dict | None = None) -> int:
        """Store a token's hash (and, for a candidate, its invite) in one transaction."""
        with self.tx() as conn:
            tid = int(conn.execute(insert(tokens).values(
                hash=token_hash(token), role=role, name=name, created=time.time(), expires=expires,
                created_by=created_by)).inserted_primary_key[0])
            if invite is not None:
                conn.execute(insert(invites).values(
                    token_id=tid, name=name, problems=json.dumps(invite["problems"]), lang=invite.get("lang", "en"),
                    max_submissions=invite.get("max_submissions"), created=time.time()))
            return tid

    def find_token(self, token: str) -> dict | None:
        """The live token matching ``token`` (hash compared in constant time), else None."""
        h = token_hash(token)
        with self.read() as conn:
            row = conn.execute(_select_tokens().where(tokens.c.hash == h)).first()
        if row is None or not hmac.compare_digest(row[1], h):
            return None
        rec = dict(zip(TOKEN_KEYS, row))
        if rec["revoked"] or (rec["expires"] is not None and rec["expires"] < time.time()):
            return None
        return rec

    def token(self, tid: int) -> dict | None:
        with self.read() as conn:
            row = conn.execute(_select_tokens().where(tokens.c.id == tid)).first()
        return dict(zip(TOKEN_KEYS, row)) if row else None

    def list_tokens(self) -> list[dict]:
        with self.read() as conn:
            rows = conn.execute(_select_tokens().order_by(tokens.c.id)).fetchall()
        return [{k: v for k, v in zip(TOKEN_KEYS, r) if k != "hash"} for r in rows]

    def revoke_token(self, tid: int) -> bool:
        with self.tx() as conn:
            return conn.execute(update(tokens).where(tokens.c.id == tid, tokens.c.revoked.is_(None))
                                .values(revoked=time.time())).rowcount > 0

    def invite_for(self, tid: int) -> dict | None:
        with self.read() as conn:
            row = conn.execute(select(*[invites.c[k] for k in INVITE_KEYS]).where(invites.c.token_id == tid)).first()
        if row is None:
            return None
        rec = dict(zip(INVITE_KEYS, row))
        rec["problems"] = json.loads(rec["problems"])
        return rec

    def list_invites(self) -> list[dict]:
        rows = self.q(
            "SELECT i.id, i.token_id, i.name, i.problems, i.lang, i.max_submissions, i.created, t.expires, t.revoked,"
            " (SELECT COUNT(*) FROM submissions s WHERE s.owner = i.token_id)"
            " FROM invites i JOIN tokens t ON t.id = i.token_id ORDER BY i.id DESC")
        keys = (*INVITE_KEYS, "expires", "revoked", "submissions")
        out = [dict(zip(keys, r)) for r in rows]
        for rec in out:
            rec["problems"] = json.loads(rec["problems"])
        return out
