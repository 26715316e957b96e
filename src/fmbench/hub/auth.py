"""API tokens: ``fmb_<token id>_<secret>``; only a salted scrypt hash of the secret is stored.

The token id (not secret) finds the row; the secret is checked against
``scrypt$n$r$p$salt$hash`` in constant time. Secrets carry 256 bits of entropy, so the KDF
cost is defence in depth against a leaked database. A process remembers (by SHA-256 of the
token, bounded LRU) which tokens it has verified against which stored hash, so a client
sending many requests pays the KDF once; revoking or replacing the stored hash ends that.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
from collections import OrderedDict

TOKEN_PREFIX = "fmb"  # noqa: S105 - not a secret
_TOKEN_RE = re.compile(r"^fmb_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$")
_N, _R, _P = 2**12, 8, 1


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_secret(secret: str, *, salt: bytes | None = None, n: int = _N, r: int = _R, p: int = _P) -> str:
    salt = secrets.token_bytes(16) if salt is None else salt
    digest = hashlib.scrypt(secret.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=32)
    return f"scrypt${n}${r}${p}${_b64(salt)}${_b64(digest)}"


def verify_secret(secret: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    expected = base64.b64decode(digest)
    got = hashlib.scrypt(
        secret.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected)
    )
    return hmac.compare_digest(got, expected)


def new_token() -> tuple[str, str, str]:
    """(token to show once, token id, stored hash)."""
    token_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    return f"{TOKEN_PREFIX}_{token_id}_{secret}", token_id, hash_secret(secret)


def split_token(token: str) -> tuple[str, str] | None:
    """(token id, secret), or None when the string is not shaped like a token."""
    m = _TOKEN_RE.match(token.strip())
    return (m.group(1), m.group(2)) if m else None


class VerifiedCache:
    """Tokens already verified in this process: sha256(token) -> the stored hash they matched."""

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._items: OrderedDict[bytes, str] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _key(token: str) -> bytes:
        return hashlib.sha256(token.strip().encode("utf-8")).digest()

    def check(self, token: str, stored: str) -> bool:
        key = self._key(token)
        with self._lock:
            hit = self._items.get(key)
            if hit is None:
                return False
            self._items.move_to_end(key)
        return hmac.compare_digest(hit, stored)

    def remember(self, token: str, stored: str) -> None:
        with self._lock:
            self._items[self._key(token)] = stored
            self._items.move_to_end(self._key(token))
            while len(self._items) > self.size:
                self._items.popitem(last=False)


# Checked against when a token id is unknown, so that answering costs one scrypt either way.
DUMMY_HASH = hash_secret(secrets.token_urlsafe(32))


class FailureLimiter:
    """Failed sign-ins per client (IP): after ``limit`` failures within ``window`` seconds, further
    attempts are refused (429) until the window has passed — each failure costs the server a
    scrypt, and guessing must not be free."""

    def __init__(self, limit: int = 10, window: float = 60.0, max_clients: int = 10_000) -> None:
        self.limit, self.window, self.max_clients = limit, window, max_clients
        self._failures: OrderedDict[str, list[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> list[float]:
        times = [t for t in self._failures.get(client, []) if now - t < self.window]
        if times:
            self._failures[client] = times
        else:
            self._failures.pop(client, None)
        return times

    def retry_after(self, client: str, now: float) -> float:
        """Seconds until ``client`` may try again (0 when it may now)."""
        with self._lock:
            times = self._recent(client, now)
            return 0.0 if len(times) < self.limit else self.window - (now - times[0])

    def failed(self, client: str, now: float) -> None:
        with self._lock:
            self._failures.setdefault(client, []).append(now)
            self._failures.move_to_end(client)
            while len(self._failures) > self.max_clients:
                self._failures.popitem(last=False)
