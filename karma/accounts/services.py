"""Account changes: inviting, creating, activating, roles and deactivation.

Views, the API and commands all call these; each one guards its rule, writes
in one transaction, records the audit entry and queues its email after commit.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from email_validator import EmailNotValidError, validate_email

from karma.accounts.models import (
    Invitation,
    InvitationState,
    Role,
    User,
    UserStatus,
    hash_token,
    normalize_email_case,
)
from karma.accounts.permissions import is_staff_member
from karma.audit.models import AuditKind
from karma.audit.services import record_event
from karma.privacy.selectors import is_erased
from karma.web.mail import send_email_after_commit, site_url

logger = logging.getLogger(__name__)

NAME_MAX_LENGTH = 150


class AccountError(Exception):
    """A rule of Karma's refused the change; `field` names the input at fault."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class EmailAlreadyRegistered(AccountError):
    def __init__(self) -> None:
        super().__init__(
            "An account with this email address already exists.", field="email"
        )


@dataclass(frozen=True)
class NewAccount:
    user: User
    # Shown once to the admin who created the account; never stored.
    temporary_password: str


# --- Input checks --------------------------------------------------------


def clean_email(raw: str) -> str:
    """Return the stored form of an address, or raise AccountError."""
    candidate = normalize_email_case(raw or "")
    if not candidate:
        raise AccountError("Enter an email address.", field="email")

    try:
        validated = validate_email(candidate, check_deliverability=False)
    except EmailNotValidError as error:
        raise AccountError(
            f"Enter a valid email address ({error}).", field="email"
        ) from error
    return normalize_email_case(validated.normalized)


def clean_name(raw: str, *, field: str) -> str:
    """Return a name as one trimmed line, or raise AccountError."""
    name = " ".join((raw or "").split())
    if not name:
        raise AccountError("This field is required.", field=field)
    if len(name) > NAME_MAX_LENGTH:
        raise AccountError(f"Use at most {NAME_MAX_LENGTH} characters.", field=field)
    return name


def clean_role(raw: str) -> str:
    if raw not in Role.values:
        raise AccountError(f"Choose one of: {', '.join(Role.values)}.", field="role")
    return raw


# --- Creating accounts ---------------------------------------------------


def _new_user(*, first_name: str, last_name: str, email: str, role: str) -> User:
    user = User(
        first_name=clean_name(first_name, field="first_name"),
        last_name=clean_name(last_name, field="last_name"),
        email=clean_email(email),
        role=clean_role(role),
    )
    if User.objects.filter(email=user.email).exists():
        raise EmailAlreadyRegistered()
    return user


def _save_new_user(user: User) -> None:
    # The case-insensitive unique constraint settles a race between two
    # admins inviting the same address: the second insert fails here.
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as error:
        raise EmailAlreadyRegistered() from error


def invite_user(
    *, first_name: str, last_name: str, email: str, role: str, invited_by: User | None
) -> Invitation:
    """Create an invited account and email its activation link.

    Raises AccountError (EmailAlreadyRegistered for a taken address).
    """
    user = _new_user(first_name=first_name, last_name=last_name, email=email, role=role)
    user.set_unusable_password()

    with transaction.atomic():
        _save_new_user(user)
        invitation = _issue_invitation(user=user, invited_by=invited_by)
        record_event(
            kind=AuditKind.ACCOUNT_INVITED,
            actor=invited_by,
            subject=user,
            details={"role": user.role},
        )

    logger.info("account invited", extra={"user_id": user.public_id})
    return invitation


def create_user_with_temporary_password(
    *, first_name: str, last_name: str, email: str, role: str, created_by: User | None
) -> NewAccount:
    """Create an account at once with a generated temporary password.

    The password is returned once for the admin to pass on; it is stored
    only as a hash, and the user must replace it at first login.
    """
    user = _new_user(first_name=first_name, last_name=last_name, email=email, role=role)
    temporary_password = generate_temporary_password()
    user.set_password(temporary_password)
    user.must_change_password = True
    user.activated_at = timezone.now()

    with transaction.atomic():
        _save_new_user(user)
        record_event(
            kind=AuditKind.ACCOUNT_CREATED,
            actor=created_by,
            subject=user,
            details={"role": user.role, "mode": "temporary_password"},
        )

    logger.info("account created", extra={"user_id": user.public_id})
    return NewAccount(user=user, temporary_password=temporary_password)


def generate_temporary_password() -> str:
    # Four groups of five from an alphabet without look-alikes: easy to read
    # out over the phone, about 100 bits of entropy.
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    groups = ("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(4))
    return "-".join(groups)


# --- Invitations ---------------------------------------------------------


def _issue_invitation(*, user: User, invited_by: User | None) -> Invitation:
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        user=user,
        token_hash=hash_token(token),
        invited_by=invited_by,
        expires_at=timezone.now() + timedelta(days=settings.KARMA_INVITATION_DAYS),
    )
    link = site_url(reverse("accounts:invitation", kwargs={"token": token}))
    send_email_after_commit(
        name="invitation",
        to=user.email,
        context={
            "first_name": user.first_name,
            "inviter_name": invited_by.name if invited_by else settings.SITE_NAME,
            "link": link,
            "expires_at": invitation.expires_at,
            "days": settings.KARMA_INVITATION_DAYS,
        },
    )
    return invitation


def find_invitation(token: str) -> Invitation | None:
    """Return the invitation a link's token belongs to, or None."""
    if not token:
        return None
    return (
        Invitation.objects.select_related("user", "replaced_by")
        .filter(token_hash=hash_token(token))
        .first()
    )


def current_invitation(user: User) -> Invitation | None:
    return user.invitations.order_by("-created_at").first()


def resend_invitation(*, user: User, sent_by: User | None) -> Invitation:
    """Send a fresh link to an invited user; every older link stops working."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.status != UserStatus.INVITED:
            raise AccountError(
                "Only people who have not yet accepted can be re-invited."
            )

        previous = list(
            user.invitations.filter(accepted_at__isnull=True, revoked_at__isnull=True)
        )
        now = timezone.now()
        for old in previous:
            old.revoked_at = now
            old.save(update_fields=["revoked_at"])
        invitation = _issue_invitation(user=user, invited_by=sent_by)
        Invitation.objects.filter(pk__in=[old.pk for old in previous]).update(
            replaced_by=invitation
        )
        record_event(kind=AuditKind.INVITATION_RESENT, actor=sent_by, subject=user)

    logger.info("invitation resent", extra={"user_id": user.public_id})
    return invitation


def revoke_invitation(*, user: User, revoked_by: User | None) -> None:
    """Kill the open invitation of an invited user; the account stays invited."""
    with transaction.atomic():
        revoked = user.invitations.filter(
            accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        if not revoked:
            raise AccountError("There is no open invitation to revoke.")
        record_event(kind=AuditKind.INVITATION_REVOKED, actor=revoked_by, subject=user)

    logger.info("invitation revoked", extra={"user_id": user.public_id})


def accept_invitation(*, invitation: Invitation, password: str) -> User:
    """Set the invitee's password and activate the account.

    Raises AccountError when the invitation is no longer pending, and
    django's ValidationError when the password is too weak.
    """
    validate_password(password, user=invitation.user)

    with transaction.atomic():
        # The row lock makes the link single-use even when it is submitted
        # twice at the same moment.
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("user")
            .get(pk=invitation.pk)
        )
        if invitation.state != InvitationState.PENDING:
            raise AccountError(invitation_problem(invitation))

        user = invitation.user
        now = timezone.now()
        user.set_password(password)
        user.activated_at = now
        user.must_change_password = False
        user.save(update_fields=["password", "activated_at", "must_change_password"])
        invitation.accepted_at = now
        invitation.save(update_fields=["accepted_at"])
        record_event(kind=AuditKind.ACCOUNT_ACTIVATED, actor=user, subject=user)

    logger.info("invitation accepted", extra={"user_id": user.public_id})
    return user


def invitation_problem(invitation: Invitation) -> str:
    """Say why a link can no longer be used, in words for the invitee."""
    state = invitation.state
    if state == InvitationState.ACCEPTED:
        return "This invitation was already accepted. Sign in with your password."
    if state == InvitationState.EXPIRED:
        return "This invitation has expired. Ask your administrator to send a new one."
    if invitation.replaced_by_id:
        return "A newer invitation was sent to you. Use the link in the latest email."
    if not invitation.user.is_active:
        return "This account has been deactivated."
    return "This invitation was withdrawn. Ask your administrator if this is a mistake."


# --- Roles, activation and passwords ---------------------------------------


def change_role(
    *, user: User, role: str, changed_by: User | None, reason: str = ""
) -> User:
    """Give `user` a new role; it applies from their next request."""
    role = clean_role(role)
    if changed_by is not None and changed_by.pk == user.pk and role != Role.ADMIN:
        raise AccountError("You cannot remove your own admin role.", field="role")

    with transaction.atomic():
        _lock_unless_erased(user, refusal="their role cannot be changed", field="role")
        if user.role == role:
            return user
        old_role = user.role
        user.role = role
        user.save(update_fields=["role"])
        record_event(
            kind=AuditKind.ROLE_CHANGED,
            actor=changed_by,
            subject=user,
            details={"from": old_role, "to": role},
            reason=reason,
        )

    logger.info("role changed", extra={"user_id": user.public_id, "role": role})
    return user


def deactivate_user(
    *, user: User, deactivated_by: User | None, reason: str = ""
) -> User:
    """Deactivate `user`: sessions and API tokens end at once; records stay."""
    if deactivated_by is not None and deactivated_by.pk == user.pk:
        raise AccountError("You cannot deactivate your own account.")
    if not user.is_active:
        return user

    with transaction.atomic():
        user.is_active = False
        user.credentials_generation += 1
        user.save(update_fields=["is_active", "credentials_generation"])
        user.invitations.filter(
            accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        _revoke_refresh_tokens(user)
        record_event(
            kind=AuditKind.ACCOUNT_DEACTIVATED,
            actor=deactivated_by,
            subject=user,
            reason=reason,
        )

    logger.info("account deactivated", extra={"user_id": user.public_id})
    return user


def reactivate_user(
    *, user: User, reactivated_by: User | None, reason: str = ""
) -> User:
    """Let a deactivated user sign in again with their existing password.

    Raises AccountError for an erased account: erasure is for good.
    """
    with transaction.atomic():
        _lock_unless_erased(user, refusal="their account cannot be reactivated")
        if user.is_active:
            return user
        user.is_active = True
        user.save(update_fields=["is_active"])
        record_event(
            kind=AuditKind.ACCOUNT_REACTIVATED,
            actor=reactivated_by,
            subject=user,
            reason=reason,
        )

    logger.info("account reactivated", extra={"user_id": user.public_id})
    return user


def _lock_unless_erased(user: User, *, refusal: str, field: str | None = None) -> None:
    """Lock `user`'s row, or raise AccountError if their data was erased.

    An erased account stays anonymous and deactivated: a role, a name or a
    live login would make it someone again. The lock keeps an erasure that
    commits meanwhile from being undone by this change.
    """
    locked = User.objects.select_for_update().only("pk", "email", "public_id")
    if is_erased(locked.get(pk=user.pk)):
        raise AccountError(f"This person's data was erased, so {refusal}.", field=field)


def change_password(*, user: User, new_password: str) -> User:
    """Replace the password; every other session and token stops working.

    Raises django's ValidationError when the password is too weak. The
    caller keeps its own session alive with update_session_auth_hash.
    """
    validate_password(new_password, user=user)
    if user.has_usable_password() and user.check_password(new_password):
        # A temporary password was seen by an admin; keeping it would
        # defeat the forced change.
        raise ValidationError(
            "Choose a password different from the current one.",
            code="password_unchanged",
        )

    with transaction.atomic():
        user.set_password(new_password)
        user.must_change_password = False
        user.credentials_generation += 1
        user.save(
            update_fields=["password", "must_change_password", "credentials_generation"]
        )
        _revoke_refresh_tokens(user)
        record_event(kind=AuditKind.PASSWORD_CHANGED, actor=user, subject=user)

    logger.info("password changed", extra={"user_id": user.public_id})
    return user


# --- Password reset --------------------------------------------------------


def send_password_reset(*, email: str) -> None:
    """Email a reset link if `email` belongs to an active account.

    Returns nothing either way: callers answer every address alike, so the
    reset page never tells who has an account. Invited and deactivated
    accounts get no link.
    """
    try:
        address = clean_email(email)
    except AccountError:
        address = ""
    # The lookup runs for unknown addresses too, to keep the timing alike.
    user = User.objects.filter(
        email=address, is_active=True, activated_at__isnull=False
    ).first()
    if user is None:
        return

    link = site_url(
        reverse(
            "accounts:password_reset_confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )
    )
    send_email_after_commit(
        name="password_reset",
        to=user.email,
        context={
            "first_name": user.first_name,
            "link": link,
            "hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
        },
    )
    logger.info("password reset sent", extra={"user_id": user.public_id})


def user_for_password_reset(*, uidb64: str, token: str) -> User | None:
    """Return the account a reset link is for, or None if the link is unusable.

    A link stops working once used (the password hash is part of the token),
    after PASSWORD_RESET_TIMEOUT, and when the account is deactivated.
    """
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None

    user = User.objects.filter(
        pk=pk, is_active=True, activated_at__isnull=False
    ).first()
    if user is None or not default_token_generator.check_token(user, token):
        return None
    return user


def update_profile(
    *, user: User, first_name: str, last_name: str, updated_by: User
) -> User:
    """Change a person's name; an erased account keeps "Erased learner"."""
    first_name = clean_name(first_name, field="first_name")
    last_name = clean_name(last_name, field="last_name")

    with transaction.atomic():
        _lock_unless_erased(user, refusal="their name cannot be changed")
        user.first_name, user.last_name = first_name, last_name
        user.save(update_fields=["first_name", "last_name"])
        record_event(kind=AuditKind.PROFILE_UPDATED, actor=updated_by, subject=user)
    return user


def touch_last_active(user: User) -> None:
    """Record activity, writing at most once a minute per user."""
    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.KARMA_LAST_ACTIVE_INTERVAL)
    last = user.last_active_at
    if last is not None and last > cutoff:
        return

    # The filter makes concurrent requests write once between them.
    User.objects.filter(pk=user.pk).exclude(last_active_at__gt=cutoff).update(
        last_active_at=now
    )
    user.last_active_at = now


def _revoke_refresh_tokens(user: User) -> None:
    from rest_framework_simplejwt.token_blacklist.models import (
        BlacklistedToken,
        OutstandingToken,
    )

    open_tokens = OutstandingToken.objects.filter(user=user).exclude(
        blacklistedtoken__isnull=False
    )
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in open_tokens],
        ignore_conflicts=True,
    )


# --- Profile views -------------------------------------------------------


def record_profile_view(*, viewer: User, subject: User) -> None:
    """Audit staff looking at someone else's profile (SPEC section 9).

    People looking at their own page leave no entry, so the log stays a
    record of who looked at whom.
    """
    if viewer.pk == subject.pk or not is_staff_member(viewer):
        return
    record_event(kind=AuditKind.PROFILE_VIEWED, actor=viewer, subject=subject)
