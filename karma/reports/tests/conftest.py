"""Fixtures of the reports tests; the known course is described in known.py."""

from __future__ import annotations

import pytest

from karma.reports.tests.known import KnownCourse, build_known_course


@pytest.fixture
def known(db, instructor) -> KnownCourse:
    return build_known_course(instructor)
