"""My Learning: the signed-in person's own courses, progress and results."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from karma.learning.selectors_my_learning import my_learning as read_my_learning


@login_required
@require_safe
def my_learning(request: HttpRequest) -> HttpResponse:
    # Built from the viewer alone: there is no way to ask for someone else's.
    overview = read_my_learning(request.user)
    return render(
        request,
        "learning/my_learning.html",
        {"overview": overview, "nav_section": "my_learning"},
    )
