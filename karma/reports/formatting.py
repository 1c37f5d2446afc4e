"""Small formatting rules shared by the reports' pages, API and exports."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def score_text(score: Decimal | float | None) -> str:
    """A percentage as people write it: 72.5, 80 (not 80.00), "" for None."""
    if score is None:
        return ""
    rounded = Decimal(str(score)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    text = f"{rounded:f}"
    return text.removesuffix(".0")


def rate(part: int, whole: int) -> float | None:
    """`part` of `whole` as a percentage with one decimal; None when `whole`
    is zero, so "no data" never reads as 0%."""
    if not whole:
        return None
    return round(part * 100 / whole, 1)


def duration_text(seconds: int | None) -> str:
    """Time spent as "1 h 05 min", "12 min" or "under a minute"."""
    if not seconds:
        return "—"
    minutes = seconds // 60
    if minutes == 0:
        return "under a minute"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"
