"""The filters of the audit log page."""

from __future__ import annotations

from typing import Any

from django import forms

from karma.audit.models import AuditKind


class AuditFilterForm(forms.Form):
    """The query string of the audit page; invalid parts are reported and
    left out of the filter, so a bad date never hides the page."""

    actor = forms.CharField(label="Who (name or email)", required=False, max_length=200)
    subject = forms.CharField(
        label="Whom (name or email)", required=False, max_length=200
    )
    kind = forms.ChoiceField(
        label="What", required=False, choices=[("", "Any event")] + AuditKind.choices
    )
    target = forms.CharField(
        label="About (course or record id)", required=False, max_length=64
    )
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            css = "form-select" if name == "kind" else "form-control"
            field.widget.attrs["class"] = css

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "Choose a date on or after the From date.")
        return cleaned

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        for name in self._errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                if "is-invalid" not in attrs["class"]:
                    attrs["class"] += " is-invalid"
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = f"{self[name].auto_id}_error"

    def filters(self) -> dict[str, Any]:
        """Return the selector's keyword arguments, valid parts only."""
        self.is_valid()
        return {
            name: self.cleaned_data.get(name) or default
            for name, default in (
                ("actor", ""),
                ("subject", ""),
                ("kind", ""),
                ("target", ""),
                ("date_from", None),
                ("date_to", None),
            )
        }
