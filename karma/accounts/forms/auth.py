"""Forms for signing in, invitations and passwords.

The forms check what they can alone (matching passwords, the current
password); the rules that change an account stay in services, and the views
put a service's ValidationError back on the right field.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import password_validators_help_texts
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from karma.accounts.models import User
from karma.accounts.throttle import login_is_throttled, record_failed_login

# One message for every failed sign-in, whatever the reason: a wrong
# password, an unknown address, a deactivated or an invited account.
SIGN_IN_FAILED = "Email or password is incorrect."
SIGN_IN_THROTTLED = "Too many failed sign-ins. Try again in a few minutes."


class KarmaForm(forms.Form):
    """A form whose inputs carry Bootstrap's classes, marked when invalid."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        for name in self._errors:
            widget = self.fields[name].widget if name in self.fields else None
            if widget is not None and "is-invalid" not in widget.attrs["class"]:
                widget.attrs["class"] += " is-invalid"


def _password_field(label: str, autocomplete: str, help_text: str = "") -> Any:
    return forms.CharField(
        label=label,
        strip=False,
        help_text=help_text,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
    )


class SignInForm(KarmaForm):
    email = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = _password_field("Password", "current-password")

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        self.user: User | None = None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        email = cleaned.get("email")
        password = cleaned.get("password")
        if not email or not password:
            return cleaned

        # Refused before the password is checked, so a throttled guesser
        # learns nothing more, and alike for known and unknown addresses.
        if login_is_throttled(self.request, email):
            raise ValidationError(SIGN_IN_THROTTLED, code="throttled")

        # Django's backend runs the hasher for unknown addresses and unusable
        # passwords too, so failures take about as long as successes.
        self.user = authenticate(self.request, email=email, password=password)
        if self.user is None:
            record_failed_login(self.request, email)
            raise ValidationError(SIGN_IN_FAILED, code="invalid_login")
        return cleaned

    @property
    def is_throttled(self) -> bool:
        return any(
            error.code == "throttled"
            for error in self.errors.as_data().get("__all__", [])
        )


class PasswordResetRequestForm(KarmaForm):
    email = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class NewPasswordForm(KarmaForm):
    """A new password typed twice; the strength rules run in the service."""

    new_password1 = _password_field("New password", "new-password")
    new_password2 = _password_field("Confirm new password", "new-password")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = " ".join(
            password_validators_help_texts()
        )

    def clean_new_password2(self) -> str:
        first = self.cleaned_data.get("new_password1")
        second = self.cleaned_data["new_password2"]
        if first is not None and first != second:
            raise ValidationError("The two passwords do not match.", code="mismatch")
        return second

    @property
    def new_password(self) -> str:
        return self.cleaned_data["new_password1"]

    def add_password_error(self, error: ValidationError) -> None:
        """Show the service's verdict on the new password under its field."""
        self.add_error("new_password1", error)


class PasswordChangeForm(NewPasswordForm):
    """Change one's own password: the current one first, then the new twice."""

    current_password = _password_field("Current password", "current-password")

    field_order = ["current_password", "new_password1", "new_password2"]

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_current_password(self) -> str:
        current = self.cleaned_data["current_password"]
        if not self.user.check_password(current):
            raise ValidationError(
                "Your current password is incorrect.", code="password_incorrect"
            )
        return current
