"""Certificates: the PDF for those who may have it, and the public check of
a verification code.

The check needs no account: whoever holds a certificate's code (an
employer, a school) sees the learner's name, the course and the issue date,
and nothing else. Lookups are counted per client address
(learning/throttle.py) and the pages ask search engines to stay away.
"""

from __future__ import annotations

import logging

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from karma.accounts.forms.users import UsersForm
from karma.learning.models import Certificate
from karma.learning.pdf import certificate_pdf, issue_date, issue_day
from karma.learning.selectors_certificates import get_certificate_for_user_or_404
from karma.learning.services.certificates import (
    MAX_TYPED_CODE_LENGTH,
    canonical_code,
    verify_certificate,
)
from karma.learning.throttle import count_lookup

logger = logging.getLogger(__name__)

NOT_A_CODE = (
    "That is not a certificate code. Codes have 16 letters and digits, "
    "like 7KQ3-M9X2-P4W8-V6TJ."
)
NO_CERTIFICATE = "No certificate has this code."


class VerifyForm(UsersForm):
    code = forms.CharField(
        label="Verification code",
        max_length=MAX_TYPED_CODE_LENGTH,
    )

    def clean_code(self) -> str:
        canonical = canonical_code(self.cleaned_data["code"])
        if canonical is None:
            raise forms.ValidationError(NOT_A_CODE)
        return canonical


@login_required
@require_safe
def certificate_download(request: HttpRequest, certificate_id: str) -> HttpResponse:
    certificate = get_certificate_for_user_or_404(request.user, certificate_id)
    return pdf_response(certificate)


def pdf_response(certificate: Certificate) -> HttpResponse:
    """The certificate's PDF as a download; shared with the API."""
    response = HttpResponse(
        certificate_pdf(certificate), content_type="application/pdf"
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"certificate-{certificate.code}.pdf"
    )
    # A personal document: kept by no shared cache.
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_safe
def verify(request: HttpRequest) -> HttpResponse:
    """The form to type a code; submitting it shows the result here."""
    if "code" not in request.GET:
        return _verify_page(request, VerifyForm())

    form = VerifyForm(request.GET)
    waiting = count_lookup(request)
    if waiting is not None:
        return _too_many(request, form, waiting)
    if not form.is_valid():
        return _verify_page(request, form)
    return _result(request, form, verify_certificate(form.cleaned_data["code"]))


@require_safe
def verify_code(request: HttpRequest, code: str) -> HttpResponse:
    """The address printed on a certificate."""
    form = VerifyForm({"code": code})
    waiting = count_lookup(request)
    if waiting is not None:
        return _too_many(request, form, waiting)
    if not form.is_valid():
        return _verify_page(request, form, status=404)
    certificate = verify_certificate(form.cleaned_data["code"])
    return _result(request, form, certificate, status=200 if certificate else 404)


def _result(
    request: HttpRequest,
    form: VerifyForm,
    certificate: Certificate | None,
    *,
    status: int = 200,
) -> HttpResponse:
    if certificate is None:
        logger.info("certificate lookup found nothing")
        return _verify_page(request, form, not_found=True, status=status)
    found = {
        # Only what the certificate itself says: never an email or an id.
        "learner_name": certificate.learner_name,
        "course_title": certificate.course_title,
        "issued_on": issue_date(certificate),
        "issued_day": issue_day(certificate),
    }
    return _verify_page(request, VerifyForm(), found=found)


def _too_many(request: HttpRequest, form: VerifyForm, waiting: int) -> HttpResponse:
    logger.warning("certificate lookups throttled")
    response = _verify_page(request, form, waiting=waiting, status=429)
    response["Retry-After"] = str(waiting)
    return response


def _verify_page(
    request: HttpRequest, form: VerifyForm, *, status: int = 200, **context
) -> HttpResponse:
    response = render(
        request,
        "learning/certificates/verify.html",
        {"form": form, "not_found_message": NO_CERTIFICATE, **context},
        status=status,
    )
    response["X-Robots-Tag"] = "noindex"
    # The result is about a person: no shared cache keeps it.
    response["Cache-Control"] = "private, no-store"
    return response
