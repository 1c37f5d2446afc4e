"""The query strings of the report pages."""

from __future__ import annotations

from django import forms

from karma.reports.models import ExportFormat, ExportKind
from karma.reports.selectors.course import PROGRESS_SORTS, ProgressStatus

SEARCH_MAX_LENGTH = 200
DEFAULT_SORT = "name"


def normalize_progress_sort(sort: str) -> str:
    """Return `sort` when it names a PROGRESS_SORTS key, "-" first for
    descending; the default otherwise."""
    return sort if sort.removeprefix("-") in PROGRESS_SORTS else DEFAULT_SORT


class ProgressFilterForm(forms.Form):
    """The Progress tab's filters; bad values fall back to the defaults, so a
    hand-edited address still shows the page."""

    q = forms.CharField(label="Search by name or email", required=False)
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Any status"), *ProgressStatus.choices],
    )
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    def filters(self) -> dict[str, str]:
        """Return the selector's keyword arguments; invalid parts are ignored."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "search": (data.get("q") or "").strip()[:SEARCH_MAX_LENGTH],
            "status": data.get("status") or "",
            "sort": normalize_progress_sort(data.get("sort") or ""),
        }


class ExportJobForm(forms.Form):
    """Asking for an export to be prepared in the background."""

    kind = forms.ChoiceField(choices=ExportKind.choices)
    file_format = forms.ChoiceField(choices=ExportFormat.choices)
