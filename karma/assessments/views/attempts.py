"""Taking a quiz: start, answer, submit, see the result."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_POST


@require_POST
def start_attempt_view(
    request: HttpRequest, course_id: str, lesson_id: str
) -> HttpResponse:
    raise Http404


def attempt_page(request: HttpRequest, attempt_id: str) -> HttpResponse:
    raise Http404
