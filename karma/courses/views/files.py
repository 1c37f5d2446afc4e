"""Placeholder until this module is written; every view answers 501."""

from django.http import HttpResponse


def course_cover(request, **kwargs):
    return HttpResponse(status=501)


def lesson_file(request, **kwargs):
    return HttpResponse(status=501)
