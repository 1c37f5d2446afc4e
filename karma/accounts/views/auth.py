"""Placeholder until this module is written; every view answers 501."""

from django.http import HttpResponse


def login_view(request, **kwargs):
    return HttpResponse(status=501)


def logout_view(request, **kwargs):
    return HttpResponse(status=501)


def password_change(request, **kwargs):
    return HttpResponse(status=501)


def password_change_required(request, **kwargs):
    return HttpResponse(status=501)


def password_reset(request, **kwargs):
    return HttpResponse(status=501)


def password_reset_sent(request, **kwargs):
    return HttpResponse(status=501)


def password_reset_confirm(request, **kwargs):
    return HttpResponse(status=501)


def password_reset_complete(request, **kwargs):
    return HttpResponse(status=501)


def invitation(request, **kwargs):
    return HttpResponse(status=501)
