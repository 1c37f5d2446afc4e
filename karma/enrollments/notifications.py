"""The email a learner gets when enrolled: once, after commit, never twice."""

from __future__ import annotations

from collections.abc import Sequence

from karma.web.background import start_after_commit

# Enrollment emails go out in tasks of this many, so a 10,000-row bulk job
# is a few dozen tasks rather than one long one or ten thousand short ones.
BATCH_SIZE = 200


def notify_enrolled_after_commit(enrollment_ids: Sequence[int]) -> None:
    """Queue the enrollment emails of `enrollment_ids` for after the commit."""
    from karma.enrollments.tasks import send_enrollment_emails

    ids = list(enrollment_ids)
    for start in range(0, len(ids), BATCH_SIZE):
        start_after_commit(
            send_enrollment_emails, enrollment_ids=ids[start : start + BATCH_SIZE]
        )
