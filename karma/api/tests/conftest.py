import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # Rate limits and sign-in throttles count in the cache, which outlives
    # a test; every test starts with clean counts.
    cache.clear()
    yield
    cache.clear()
