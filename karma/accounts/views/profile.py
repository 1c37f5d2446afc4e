"""Placeholder until this module is written; every view answers 501."""

from django.http import HttpResponse


def user_profile(request, **kwargs):
    return HttpResponse(status=501)


def my_profile(request, **kwargs):
    return HttpResponse(status=501)
