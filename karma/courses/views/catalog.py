"""Placeholder until this module is written; every view answers 501."""

from django.http import HttpResponse


def catalog(request, **kwargs):
    return HttpResponse(status=501)


def course_detail(request, **kwargs):
    return HttpResponse(status=501)
