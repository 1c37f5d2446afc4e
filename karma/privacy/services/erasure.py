"""Erasing a person: personal fields anonymised, records kept (SPEC 9)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from karma.accounts.models import User
from karma.audit.models import AuditKind
from karma.audit.services import record_event
from karma.courses.models import Course
from karma.privacy.registry import ErasureContext, run_erasure
from karma.privacy.selectors import is_erased

logger = logging.getLogger(__name__)

REASON_MAX_LENGTH = 500


class ErasureError(Exception):
    """Erasure was refused; `field` names the input at fault, if any."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class ErasureResult:
    user: User
    # Rows changed or removed, by Holding.count_key.
    changed: dict[str, int]


def erasure_problem(*, learner: User, actor: User | None) -> str | None:
    """Say why `learner` cannot be erased by `actor`, or None if they can."""
    if actor is not None and actor.pk == learner.pk:
        return "You cannot erase your own account. Ask another admin."
    if is_erased(learner):
        return "This person's data has already been erased."
    owned = Course.objects.filter(owner=learner).count()
    if owned:
        # Courses need an owner, and an erased account cannot be one;
        # making someone else the owner is a decision for a person.
        return (
            f"This person owns {owned} course{'s' if owned != 1 else ''}. "
            "Give the courses to another owner before erasing them."
        )
    return None


def confirmation_problem(*, learner: User, typed: str) -> str | None:
    """Say why `typed` does not confirm erasing `learner`, or None if it does.

    The page and the API both take the person's email address, in any case,
    and nothing else: erasure cannot be undone, and only the address shows
    that the account about to go is the one meant, where a fixed word
    would confirm whichever id a page or a script happened to hold.
    """
    if typed.strip().lower() == learner.email.lower():
        return None
    return "This is not the email address of the person to erase."


def erase_learner(*, learner: User, actor: User | None, reason: str) -> ErasureResult:
    """Erase `learner`'s personal data, keeping their records anonymised.

    Every holding of karma/privacy/registry.py is handled in one
    transaction: the account is renamed and deactivated, sessions and tokens
    end, invitations go, texts naming the person are blanked; enrollments,
    progress and scores stay. Raises ErasureError when refused.
    """
    reason = " ".join((reason or "").split())
    if not reason:
        raise ErasureError("Give the reason for erasing.", field="reason")
    if len(reason) > REASON_MAX_LENGTH:
        raise ErasureError(
            f"Use at most {REASON_MAX_LENGTH} characters.", field="reason"
        )

    with transaction.atomic():
        # The lock keeps two admins from erasing the same person at once.
        learner = User.objects.select_for_update().get(pk=learner.pk)
        problem = erasure_problem(learner=learner, actor=actor)
        if problem is not None:
            raise ErasureError(problem)

        context = ErasureContext.before_erasing(learner, now=timezone.now())
        changed = run_erasure(context)
        record_event(
            kind=AuditKind.LEARNER_ERASED,
            actor=actor,
            subject=learner,
            details=changed,
            reason=context.redact(reason),
        )

    logger.info("learner erased", extra={"user_id": learner.public_id})
    return ErasureResult(user=learner, changed=changed)
