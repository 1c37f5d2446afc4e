"""Forms of the Users section and the profile pages.

They check the shape of the input; the account rules (a free address, a
known role, who may change what) stay in services, and the views put a
service's AccountError back on the field it names.
"""

from __future__ import annotations

from typing import Any

from django import forms

from karma.accounts.forms.auth import KarmaForm
from karma.accounts.models import Role, UserStatus
from karma.accounts.selectors import LAST_ACTIVE_FILTERS, normalize_user_sort
from karma.accounts.services import NAME_MAX_LENGTH, AccountError

REASON_MAX_LENGTH = 500
# Longer searches are cut rather than refused: nobody's name is this long.
SEARCH_MAX_LENGTH = 200


def _name_field(label: str, autocomplete: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=NAME_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": autocomplete}),
    )


class UsersForm(KarmaForm):
    """A form of these pages: Bootstrap selects, errors tied to their input.

    An invalid input names its error text in aria-describedby, so a screen
    reader reads the error along with the label.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select"

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        for name in self._errors:
            if name not in self.fields:
                continue
            bound = self[name]
            described_by = [f"{bound.auto_id}_error"]
            if bound.help_text:
                described_by.append(f"{bound.auto_id}_helptext")
            attrs = self.fields[name].widget.attrs
            attrs["aria-invalid"] = "true"
            attrs["aria-describedby"] = " ".join(described_by)

    def add_account_error(self, error: AccountError) -> None:
        """Put a service's refusal on the field it names, or on the form."""
        field = error.field if error.field in self.fields else None
        self.add_error(field, error.message)


class NewUserForm(UsersForm):
    """The four facts Invite User and Create User both ask for."""

    first_name = _name_field("First name", "off")
    last_name = _name_field("Last name", "off")
    email = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(label="Role", choices=Role.choices, initial=Role.LEARNER)


class ReasonForm(UsersForm):
    """An optional reason, written to the audit log with the change."""

    reason = forms.CharField(
        label="Reason (optional)",
        max_length=REASON_MAX_LENGTH,
        required=False,
    )


class RoleForm(ReasonForm):
    role = forms.ChoiceField(label="Role", choices=Role.choices)

    field_order = ["role", "reason"]


class ProfileNameForm(UsersForm):
    first_name = _name_field("First name", "given-name")
    last_name = _name_field("Last name", "family-name")


class BulkAction:
    DEACTIVATE = "deactivate"
    REACTIVATE = "reactivate"
    RESEND_INVITATION = "resend_invitation"

    choices = [
        (DEACTIVATE, "Deactivate"),
        (REACTIVATE, "Reactivate"),
        (RESEND_INVITATION, "Resend invitation"),
    ]


class PublicIdListField(forms.Field):
    """Every value of a repeated parameter (the ticked rows), as strings."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[str]:
        if not value:
            return []
        return [str(item) for item in value if item]


class BulkActionForm(UsersForm):
    action = forms.ChoiceField(
        label="Action for the selected users",
        choices=[("", "Choose an action")] + BulkAction.choices,
        error_messages={"required": "Choose an action."},
    )
    users = PublicIdListField(
        error_messages={"required": "Select at least one user."},
    )


class UserListFilterForm(forms.Form):
    """The query string of the Users list; bad values fall back to defaults."""

    q = forms.CharField(label="Search by name or email", required=False)
    role = forms.ChoiceField(
        label="Role", required=False, choices=[("", "Any role")] + Role.choices
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Any status")] + UserStatus.choices,
    )
    active = forms.ChoiceField(
        label="Last active",
        required=False,
        choices=[("", "Any time")] + list(LAST_ACTIVE_FILTERS.items()),
    )
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget = forms.TextInput(
            attrs={"type": "search", "class": "form-control", "autocomplete": "off"}
        )
        for name in ("role", "status", "active"):
            self.fields[name].widget.attrs["class"] = "form-select"

    def filters(self) -> dict[str, Any]:
        """Return the selector's keyword arguments; invalid parts are ignored."""
        self.is_valid()
        data = {
            name: self.cleaned_data.get(name, "")
            for name in ("q", "role", "status", "active", "sort")
        }
        return {
            "search": (data["q"] or "")[:SEARCH_MAX_LENGTH],
            "roles": [data["role"]] if data["role"] else None,
            "statuses": [data["status"]] if data["status"] else None,
            "last_active": data["active"] or "",
            "sort": normalize_user_sort(data["sort"] or ""),
        }
