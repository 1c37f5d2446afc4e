"""Tests that cross the whole stack: a real browser, worker and mail server."""
