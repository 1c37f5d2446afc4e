"""Who may have a certificate's PDF. Checking a code on the public page
needs no permission at all: that page shows only what the PDF says."""

from __future__ import annotations

from karma.courses.permissions import can_manage_course
from karma.learning.models import Certificate


def can_download_certificate(user: object, certificate: Certificate) -> bool:
    """The learner who earned it, the staff of its course and admins."""
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        return False
    if certificate.learner_id == user.pk:
        return True
    return can_manage_course(user, certificate.course)
