"""Forms of the Bulk Enroll pages: the three ways in, and the policy switch.

Each way in (a file, pasted addresses, chosen people) is its own form with
its own prefix, so the page holds all three without clashing ids, and a
refusal is shown on the form that was sent.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from karma.enrollments.models import BulkSource, UnknownEmailPolicy
from karma.enrollments.services.bulk import BulkEnrollmentError

# People chosen in one go: far more than anyone ticks by hand, and few
# enough that the page and the request stay small.
MAX_PICKED_USERS = 1000

POLICY_LABEL = "Addresses without an account"


class UnknownPolicyField(forms.ChoiceField):
    """Skip or invite; a missing value means skip, the safe default."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            choices=UnknownEmailPolicy.choices,
            required=False,
            initial=UnknownEmailPolicy.SKIP,
            widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
            label=POLICY_LABEL,
            **kwargs,
        )

    def clean(self, value: Any) -> str:
        return super().clean(value) or UnknownEmailPolicy.SKIP


class BulkStartForm(forms.Form):
    """What the three ways in share: the policy and the job's input."""

    source: str = ""
    # Where a refusal of the input itself (BulkEnrollmentError.field "file")
    # is shown on this form.
    input_field = ""

    unknown_emails = UnknownPolicyField()

    def job_input(self) -> dict[str, Any]:
        """Return the keyword arguments of `start_job` for this form's input."""
        return {
            "source": self.source,
            "unknown_policy": self.cleaned_data["unknown_emails"],
        }

    def add_service_error(self, error: BulkEnrollmentError) -> None:
        field = error.field
        if field == "file":
            field = self.input_field
        if field not in self.fields:
            field = None
        self.add_error(field, error.message)


class UploadForm(BulkStartForm):
    source = BulkSource.FILE
    input_field = "file"

    # Empty files reach the reader, which says so in its own words.
    file = forms.FileField(
        label="CSV or Excel file",
        allow_empty_file=True,
        help_text="CSV, TSV or text with one address per row, or an .xlsx "
        "workbook (first sheet). Names in first and last name columns are "
        "used for invitations.",
        widget=forms.FileInput(
            attrs={"accept": ".csv,.txt,.tsv,.xlsx", "class": "form-control"}
        ),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit_mb = settings.KARMA_BULK_MAX_MB
        # Refused before reading it: a file over the limit never reaches
        # memory.
        if upload.size > limit_mb * 1024 * 1024:
            raise forms.ValidationError(
                f"{upload.name}: the file is over the limit of {limit_mb} MB. "
                "Split it into smaller files."
            )
        return upload

    def job_input(self) -> dict[str, Any]:
        upload = self.cleaned_data["file"]
        return {
            **super().job_input(),
            "data": upload.read(),
            "file_name": upload.name,
        }

    def add_service_error(self, error: BulkEnrollmentError) -> None:
        if error.field == "file":
            name = self.cleaned_data["file"].name
            self.add_error("file", f"{name}: {error.message}")
            return
        super().add_service_error(error)


class PasteForm(BulkStartForm):
    source = BulkSource.PASTE
    input_field = "addresses"

    addresses = forms.CharField(
        label="Email addresses",
        help_text="One per line, or separated by commas, semicolons or spaces. "
        "Cells copied from a spreadsheet work too.",
        widget=forms.Textarea(
            attrs={"rows": 8, "spellcheck": "false", "class": "form-control"}
        ),
        error_messages={"required": "Paste at least one email address."},
    )

    def job_input(self) -> dict[str, Any]:
        return {**super().job_input(), "text": self.cleaned_data["addresses"]}


class PublicIdListField(forms.Field):
    """A list of public ids posted under one name (ticked checkboxes)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[str]:
        if not value:
            return []
        if isinstance(value, str):
            value = [value]
        # Keep the order chosen, once each; the service reports ids that
        # name nobody.
        return list(dict.fromkeys(str(item).strip()[:64] for item in value))


class PickForm(BulkStartForm):
    source = BulkSource.USERS

    user_ids = PublicIdListField(
        label="Chosen people",
        error_messages={"required": "Choose at least one person."},
    )

    def clean_user_ids(self) -> list[str]:
        chosen = self.cleaned_data["user_ids"]
        if len(chosen) > MAX_PICKED_USERS:
            raise forms.ValidationError(
                f"Choose at most {MAX_PICKED_USERS:,} people at once, or upload a file."
            )
        return chosen

    def job_input(self) -> dict[str, Any]:
        return {**super().job_input(), "user_ids": self.cleaned_data["user_ids"]}


START_FORMS: dict[str, type[BulkStartForm]] = {
    "file": UploadForm,
    "paste": PasteForm,
    "users": PickForm,
}
PREFIXES = {"file": "upload", "paste": "paste", "users": "pick"}


def start_forms(data: Any = None, files: Any = None, *, source: str = "") -> dict:
    """The three start forms, with `data` bound to the one named by `source`."""
    return {
        key: form_class(
            data if key == source else None,
            files if key == source else None,
            prefix=PREFIXES[key],
        )
        for key, form_class in START_FORMS.items()
    }


class PolicyForm(forms.Form):
    """Switch a job waiting for confirmation to skip or invite."""

    unknown_emails = UnknownPolicyField()
