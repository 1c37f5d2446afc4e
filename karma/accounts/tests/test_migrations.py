"""Data migrations of accounts, run against rows written before them."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from karma.accounts.models import User
from karma.accounts.tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db


def test_0004_folds_the_apostrophes_of_names_stored_before_it():
    refold = importlib.import_module(
        "karma.accounts.migrations.0004_fold_typographic_apostrophes"
    ).refold
    curly = LearnerFactory(first_name="Seán", last_name="O’Brien", email="sob@x.test")
    plain = LearnerFactory(first_name="Ann", last_name="Lee", email="al@x.test")
    # What the search column held before typographic apostrophes were folded.
    User.objects.filter(pk=curly.pk).update(search_text="sean o’brien sob@x.test")
    User.objects.filter(pk=plain.pk).update(search_text="ann lee al@x.test")

    refold(apps, None)

    curly.refresh_from_db()
    plain.refresh_from_db()
    assert curly.search_text == "sean o'brien sob@x.test"
    assert plain.search_text == "ann lee al@x.test"
    assert list(User.objects.matching("o'brien")) == [curly]
