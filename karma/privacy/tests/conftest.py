from __future__ import annotations

import pytest

from karma.privacy.tests.builders import build_world


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    # Bulk uploads are stored files; keep them out of var/.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(admin, instructor, outsider):
    return build_world(admin=admin, instructor=instructor, other=outsider)
