"""Enrollment pages.

- `enroll`: the Enroll button of the catalog and the course page, and staff
  enrolling one person from a profile or from the course's Learners tab.
- `learners`: the course's Learners tab with drop, reactivate and remove.
- `bulk`: Bulk Enroll (its own routes, `enrollments:bulk_*`).

Every page loads the course through a loader that authorizes: 404 for a
course the viewer may not know of, 403 when they see it but may not act.
"""
