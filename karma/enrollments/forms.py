"""Forms of the enrollment pages.

They check the shape of the input only; who may enroll whom, and when, is
decided by the services, and the views put an EnrollmentError back on the
form.
"""

from __future__ import annotations

from typing import Any

from django import forms

from karma.accounts.forms.auth import KarmaForm
from karma.enrollments.models import EnrollmentStatus
from karma.enrollments.selectors import normalize_learner_sort

REASON_MAX_LENGTH = 500
# Longer searches are cut rather than refused: no name or title is this long.
SEARCH_MAX_LENGTH = 200


class ReasonForm(KarmaForm):
    """An optional reason, kept in the audit log with the change."""

    reason = forms.CharField(
        label="Reason (optional)",
        max_length=REASON_MAX_LENGTH,
        required=False,
        help_text="Kept in the audit log with the change.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].widget.attrs.update(
            {
                "maxlength": REASON_MAX_LENGTH,
                "autocomplete": "off",
                "aria-describedby": f"{self['reason'].auto_id}_helptext",
            }
        )

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        # Screen readers read the error along with the label it belongs to.
        if "reason" in self._errors:
            bound = self["reason"]
            self.fields["reason"].widget.attrs.update(
                {
                    "aria-invalid": "true",
                    "aria-describedby": f"{bound.auto_id}_error "
                    f"{bound.auto_id}_helptext",
                }
            )


class EnrollInCourseForm(ReasonForm):
    """Staff enrollment from a profile: the course, by its public id."""

    course = forms.CharField(
        widget=forms.HiddenInput,
        max_length=64,
        error_messages={"required": "Choose a course from the search results."},
    )

    field_order = ["course", "reason"]


class EnrollLearnerForm(ReasonForm):
    """Staff enrollment from the Learners tab: the person, by public id."""

    learner = forms.CharField(
        widget=forms.HiddenInput,
        max_length=64,
        error_messages={"required": "Choose a person from the search results."},
    )

    field_order = ["learner", "reason"]


class SearchForm(forms.Form):
    """The text of an as-you-type search; never invalid, only cut."""

    q = forms.CharField(required=False)

    def query(self) -> str:
        self.is_valid()
        return (self.cleaned_data.get("q") or "").strip()[:SEARCH_MAX_LENGTH]


class LearnerListFilterForm(forms.Form):
    """The query string of the Learners tab; bad values fall back to defaults."""

    q = forms.CharField(label="Search by name or email", required=False)
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Any status"), *EnrollmentStatus.choices],
    )
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    def filters(self) -> dict[str, str]:
        """Return the selector's keyword arguments; invalid parts are ignored."""
        self.is_valid()
        data = self.cleaned_data
        return {
            "search": (data.get("q") or "").strip()[:SEARCH_MAX_LENGTH],
            "status": data.get("status") or "",
            "sort": normalize_learner_sort(data.get("sort") or ""),
        }
