"""Placeholder until this module is written; every view answers 501."""

from django.http import HttpResponse


def course_list(request, **kwargs):
    return HttpResponse(status=501)


def course_create(request, **kwargs):
    return HttpResponse(status=501)


def course_editor(request, **kwargs):
    return HttpResponse(status=501)


def course_details(request, **kwargs):
    return HttpResponse(status=501)


def course_settings(request, **kwargs):
    return HttpResponse(status=501)


def course_instructors(request, **kwargs):
    return HttpResponse(status=501)


def course_publish(request, **kwargs):
    return HttpResponse(status=501)


def course_draft(request, **kwargs):
    return HttpResponse(status=501)


def course_delete(request, **kwargs):
    return HttpResponse(status=501)


def module_create(request, **kwargs):
    return HttpResponse(status=501)


def module_reorder(request, **kwargs):
    return HttpResponse(status=501)


def module_edit(request, **kwargs):
    return HttpResponse(status=501)


def module_delete(request, **kwargs):
    return HttpResponse(status=501)


def module_move(request, **kwargs):
    return HttpResponse(status=501)


def lesson_create(request, **kwargs):
    return HttpResponse(status=501)


def lesson_reorder(request, **kwargs):
    return HttpResponse(status=501)


def lesson_edit(request, **kwargs):
    return HttpResponse(status=501)


def lesson_delete(request, **kwargs):
    return HttpResponse(status=501)


def lesson_move(request, **kwargs):
    return HttpResponse(status=501)
