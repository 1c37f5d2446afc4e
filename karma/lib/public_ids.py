"""Public identifiers: a type prefix and random characters, never a sequence.

`usr_7kq3m9x2p4w8v6tj` tells a reader what it names and says nothing about how
many rows exist or in which order they were made.
"""

from __future__ import annotations

import secrets

# Crockford's base32 without the letters people misread (I, L, O, U).
_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_LENGTH = 16


def new_public_id(prefix: str) -> str:
    body = "".join(secrets.choice(_ALPHABET) for _ in range(_LENGTH))
    return f"{prefix}_{body}"


def has_prefix(value: str, prefix: str) -> bool:
    return value.startswith(f"{prefix}_") and len(value) == len(prefix) + 1 + _LENGTH
