"""The registry knows every model that holds personal data."""

from __future__ import annotations

import re

from django.apps import apps
from django.conf import settings
from django.db import models

from karma.privacy.registry import HOLDINGS, NOT_PERSONAL, Erasure

# Field names that hold, or may hold, something a person wrote or is.
PERSONAL_NAME = re.compile(
    r"(^|_)(e_?mail|name|ip|ip_address|address|phone|response|answer|text|"
    r"feedback|comment|notes?|message|reason|bio)$"
)
PERSONAL_TYPES = (models.EmailField, models.GenericIPAddressField)


def _person_owned_labels(holdings) -> set[str]:
    return {holding.label for holding in holdings if holding.belongs_to_person}


def why_personal(model: type[models.Model], holdings) -> str | None:
    """Say why `model` needs a registry entry, or None if it does not."""
    owned = _person_owned_labels(holdings) | {settings.AUTH_USER_MODEL}
    for field in model._meta.concrete_fields:
        if field.is_relation and field.related_model._meta.label in owned:
            return f"{field.name} points at {field.related_model._meta.label}"
        if isinstance(field, PERSONAL_TYPES) or PERSONAL_NAME.search(field.name):
            return f"{field.name} looks personal"
    return None


def missing_from_registry(holdings=HOLDINGS) -> dict[str, str]:
    known = {holding.label for holding in holdings} | set(NOT_PERSONAL)
    missing = {}
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label
        reason = why_personal(model, holdings)
        if reason and label not in known:
            missing[label] = reason
    return missing


def test_registers_every_model_with_a_user_reference_or_personal_field():
    missing = missing_from_registry()

    assert not missing, (
        "Add these models to karma/privacy/registry.py (HOLDINGS, or "
        f"NOT_PERSONAL with the reason): {missing}"
    )


def test_the_scan_would_notice_a_forgotten_model():
    without_progress = [h for h in HOLDINGS if h.label != "learning.LessonProgress"]
    without_answers = [h for h in HOLDINGS if h.label != "assessments.Answer"]

    assert "learning.LessonProgress" in missing_from_registry(without_progress)
    assert missing_from_registry(without_answers)["assessments.Answer"]


def test_names_only_installed_models_once():
    labels = [holding.label for holding in HOLDINGS]

    assert len(labels) == len(set(labels))
    assert not set(labels) & set(NOT_PERSONAL)
    for label in [*labels, *NOT_PERSONAL]:
        assert apps.get_model(label)


def test_exports_fields_that_exist(learner):
    for holding in HOLDINGS:
        list(holding.rows(learner).values(*holding.fields))


def test_gives_every_anonymised_or_deleted_model_a_handler():
    for holding in HOLDINGS:
        if holding.erasure != Erasure.KEEP:
            assert holding.erase is not None, holding.label


def test_counts_each_handler_under_its_own_key():
    keys = [holding.count_key for holding in HOLDINGS if holding.erase]

    assert all(keys)
    assert len(keys) == len(set(keys))


def test_erases_the_account_row_last():
    assert HOLDINGS[-1].label == settings.AUTH_USER_MODEL
