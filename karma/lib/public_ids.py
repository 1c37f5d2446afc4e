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
    # One call for 80 random bits, cut into sixteen 5-bit digits: bulk jobs
    # make tens of thousands of ids, and a call per character shows there.
    bits = secrets.randbits(5 * _LENGTH)
    body = "".join(_ALPHABET[(bits >> (5 * i)) & 31] for i in range(_LENGTH))
    return f"{prefix}_{body}"


def has_prefix(value: str, prefix: str) -> bool:
    """True when `value` is shaped like an id of this prefix (safe to query)."""
    body = value[len(prefix) + 1 :]
    return (
        value.startswith(f"{prefix}_")
        and len(body) == _LENGTH
        and all(ch in _ALPHABET for ch in body)
    )
