"""Salted SHA-256 of a record's text: binds a correction to the prediction it names.

At prediction time the service keeps ``sha256(salt || utf8(text))`` with a fresh random salt
per audit row, never the text. A correction must send a text that gives the same digest under
that row's salt. The text is hashed exactly as it was sent (after the same validation as for
triage, which leaves it unchanged), not normalised: normalisation is a versioned component that
may change between a prediction and its correction, and two texts that normalise alike are still
two different records. The salt keeps the audit log from showing which rows hold the same text
and makes precomputed tables useless; a guessed text can still be checked against one row, so
the database is protected like the records themselves.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Final, Self

SALT_BYTES: Final = 16


@dataclass(frozen=True, slots=True)
class TextHash:
    """A salted SHA-256 of one text; both parts as lowercase hex."""

    salt: str
    sha256: str

    @classmethod
    def of(cls, text: str, *, salt: bytes | None = None) -> Self:
        """Hash ``text`` with ``salt`` (a fresh random salt when not given)."""
        salt_bytes = secrets.token_bytes(SALT_BYTES) if salt is None else salt
        return cls(salt_bytes.hex(), _digest(salt_bytes, text))

    def matches(self, text: str) -> bool:
        """Whether ``text`` is the text this hash was made of (constant-time comparison)."""
        return hmac.compare_digest(_digest(bytes.fromhex(self.salt), text), self.sha256)


def _digest(salt: bytes, text: str) -> str:
    return hashlib.sha256(salt + text.encode("utf-8", "surrogatepass")).hexdigest()
