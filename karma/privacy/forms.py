"""The erase confirmation form: the person's address (or ERASE) and a reason."""

from __future__ import annotations

from typing import Any

from django import forms

from karma.accounts.forms.users import UsersForm
from karma.accounts.models import User
from karma.privacy.services.erasure import REASON_MAX_LENGTH

CONFIRM_WORD = "ERASE"


class EraseLearnerForm(UsersForm):
    confirm = forms.CharField(
        label="Type the person's email address, or the word ERASE",
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    reason = forms.CharField(
        label="Reason",
        max_length=REASON_MAX_LENGTH,
        help_text="Kept in the audit log, for example the request's reference.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, subject: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.subject = subject

    def clean_confirm(self) -> str:
        typed = self.cleaned_data["confirm"].strip()
        if typed == CONFIRM_WORD or typed.lower() == self.subject.email.lower():
            return typed
        raise forms.ValidationError(
            "This is neither the person's email address nor the word ERASE."
        )
