"""Reading certificates, scoped to what the viewer may see."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from karma.accounts.models import Role, User
from karma.courses.models import Course
from karma.learning.models import Certificate
from karma.learning.permissions_certificates import can_download_certificate
from karma.lib.public_ids import has_prefix


def get_certificate(public_id: str) -> Certificate | None:
    if not has_prefix(public_id, "crt"):
        return None
    return (
        Certificate.objects.select_related("learner", "course", "enrollment")
        .filter(public_id=public_id)
        .first()
    )


def get_certificate_for_user_or_404(user: User, public_id: str) -> Certificate:
    """Return the certificate `public_id` if `user` may download it.

    Missing and forbidden look the same, so nobody learns who holds what.
    """
    certificate = get_certificate(public_id)
    if certificate is None or not can_download_certificate(user, certificate):
        raise Http404("No such certificate")
    return certificate


def certificates_visible_to(user: User) -> QuerySet[Certificate]:
    """All certificates for admins; for instructors those of the courses
    they teach and their own; for learners their own."""
    certificates = Certificate.objects.select_related("learner", "course", "enrollment")
    if user.role == Role.ADMIN:
        return certificates
    own = Q(learner=user)
    if user.role == Role.INSTRUCTOR:
        own |= Q(course_id__in=_taught_course_ids(user))
    return certificates.filter(own)


def certificates_for_list(
    user: User, *, learner_id: str = "", course_id: str = ""
) -> QuerySet[Certificate]:
    """What `user` may see, narrowed by learner and course public ids,
    newest first."""
    certificates = certificates_visible_to(user)
    if learner_id:
        certificates = certificates.filter(learner__public_id=learner_id)
    if course_id:
        certificates = certificates.filter(course__public_id=course_id)
    return certificates.order_by("-issued_at", "-id")


def certificates_on_profile(*, viewer: User, learner: User) -> list[Certificate]:
    """The certificates of `learner` shown on their profile: all of them to
    the learner and to admins, those of the courses an instructor teaches
    to that instructor (SPEC section 3). Whoever sees a row may download
    its PDF, since the rows follow the same rule as the download."""
    certificates = Certificate.objects.filter(learner=learner)
    if viewer.pk != learner.pk and viewer.role != Role.ADMIN:
        certificates = certificates.filter(course_id__in=_taught_course_ids(viewer))
    # What learning/certificates/_table.html shows; the course's title is
    # kept on the certificate, so the course row is not needed.
    certificates = certificates.only("public_id", "code", "course_title", "issued_at")
    return list(certificates.order_by("-issued_at", "-id"))


def _taught_course_ids(user: User) -> QuerySet:
    return Course.objects.taught_by(user).values("pk")
