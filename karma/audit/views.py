"""Placeholder until this module is written; every view answers 501."""

from django.http import HttpResponse


def audit_log(request, **kwargs):
    return HttpResponse(status=501)
