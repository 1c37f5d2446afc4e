"""What the profile's Data card offers, asked of the privacy predicates."""

from __future__ import annotations

from typing import Any

from django import template

from karma.accounts.models import User
from karma.privacy.permissions import can_erase_learner, can_export_data
from karma.privacy.selectors import erased_at, is_erased

register = template.Library()


@register.simple_tag
def data_rights(viewer: User, subject: User) -> dict[str, Any]:
    """Return the Data card's actions for `viewer` on `subject`'s profile."""
    is_self = viewer.pk == subject.pk
    if not can_export_data(viewer, subject):
        return {"shown": False}

    erased = is_erased(subject)
    return {
        "shown": True,
        "is_self": is_self,
        "can_erase": can_erase_learner(viewer, subject) and not erased,
        "erased": erased,
        "erased_at": erased_at(subject) if erased else None,
    }
