"""Placeholder until this module is written; every view answers 501."""

from django.http import HttpResponse


def user_list(request, **kwargs):
    return HttpResponse(status=501)


def user_invite(request, **kwargs):
    return HttpResponse(status=501)


def user_create(request, **kwargs):
    return HttpResponse(status=501)


def user_bulk_action(request, **kwargs):
    return HttpResponse(status=501)


def user_role(request, **kwargs):
    return HttpResponse(status=501)


def user_deactivate(request, **kwargs):
    return HttpResponse(status=501)


def user_reactivate(request, **kwargs):
    return HttpResponse(status=501)


def invitation_resend(request, **kwargs):
    return HttpResponse(status=501)


def invitation_revoke(request, **kwargs):
    return HttpResponse(status=501)
