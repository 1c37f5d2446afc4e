"""Karma, an open-source learning management system."""

from karma.config.celery import app as celery_app

__all__ = ["celery_app"]
