"""Who may read which report (SPEC sections 6 and 9).

A course's reports (the Progress tab, a learner's detail, its exports) are
for the course's staff and admins, like everything else that shows its
learners. The teaching dashboard is for anyone who runs courses; the
platform-wide reports are for admins only.
"""

from __future__ import annotations

from karma.accounts.permissions import is_admin, is_staff_member
from karma.courses.models import Course
from karma.courses.permissions import can_manage_course
from karma.reports.models import ExportJob


def can_view_course_reports(user: object, course: Course) -> bool:
    return can_manage_course(user, course)


def can_view_teaching_dashboard(user: object) -> bool:
    return is_staff_member(user) and user.is_active


def can_view_platform_reports(user: object) -> bool:
    return is_admin(user) and user.is_active


def can_download_export(user: object, job: ExportJob) -> bool:
    """The person who asked for it, while they still may read the course's
    reports; an export holds the course's learners, so losing the course
    means losing the file too."""
    if not getattr(user, "is_authenticated", False):
        return False
    return job.requested_by_id == user.pk and can_view_course_reports(user, job.course)
