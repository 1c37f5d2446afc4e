"""The erase confirmation form: the person's address and a reason."""

from __future__ import annotations

from typing import Any

from django import forms

from karma.accounts.forms.users import UsersForm
from karma.accounts.models import User
from karma.privacy.services.erasure import REASON_MAX_LENGTH, confirmation_problem


class EraseLearnerForm(UsersForm):
    confirm = forms.CharField(
        label="Type the person's email address",
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
        typed = self.cleaned_data["confirm"]
        problem = confirmation_problem(learner=self.subject, typed=typed)
        if problem is not None:
            raise forms.ValidationError(problem)
        return typed.strip()
