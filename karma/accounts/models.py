"""People who use Karma, their roles and their invitations."""

from __future__ import annotations

import hashlib
from functools import partial

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.db.models import Case, Q, Value, When
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac

from karma.lib.public_ids import new_public_id
from karma.lib.text import fold_for_search


class Role(models.TextChoices):
    LEARNER = "learner", "Learner"
    INSTRUCTOR = "instructor", "Instructor"
    ADMIN = "admin", "Admin"


class UserStatus(models.TextChoices):
    INVITED = "invited", "Invited"
    ACTIVE = "active", "Active"
    MUST_CHANGE_PASSWORD = "must_change_password", "Must change password"
    DEACTIVATED = "deactivated", "Deactivated"


def status_expression() -> Case:
    """Return the SQL form of `User.status`, for filtering and sorting."""
    return Case(
        When(is_active=False, then=Value(UserStatus.DEACTIVATED.value)),
        When(activated_at__isnull=True, then=Value(UserStatus.INVITED.value)),
        When(
            must_change_password=True,
            then=Value(UserStatus.MUST_CHANGE_PASSWORD.value),
        ),
        default=Value(UserStatus.ACTIVE.value),
        output_field=models.CharField(),
    )


# Words of a search that each must match; more than this is not a name.
MAX_SEARCH_WORDS = 6


def search_filter(query: str, *, through: str = "") -> Q:
    """Match people whose name or email holds every word of `query`, in any
    order, ignoring case and accents: "okoye amara" finds Amara Okoye, as
    "amara okoye" does. `through` is the path to the person from the model
    being filtered ("learner__"). An empty query matches everyone.
    """
    words = dict.fromkeys(fold_for_search(query).split()[:MAX_SEARCH_WORDS])
    condition = Q()
    for word in words:
        condition &= Q(**{f"{through}search_text__contains": word})
    return condition


class UserQuerySet(models.QuerySet):
    def with_status(self) -> UserQuerySet:
        return self.annotate(status_value=status_expression())

    def with_status_in(self, statuses: list[str]) -> UserQuerySet:
        return self.with_status().filter(status_value__in=statuses)

    def matching(self, query: str) -> UserQuerySet:
        """Filter by name or email words, ignoring case, accents and their
        order (search_filter)."""
        return self.filter(search_filter(query))


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    use_in_migrations = True

    def get_by_natural_key(self, username: str) -> User:
        return self.get(email=normalize_email_case(username))

    def create_user(
        self, email: str, password: str | None = None, **fields: object
    ) -> User:
        user = self.model(email=normalize_email_case(email), **fields)
        user.set_password(password)
        if password:
            user.activated_at = timezone.now()
        user.save(using=self._db)
        return user

    def create_superuser(
        self, email: str, password: str | None = None, **fields: object
    ) -> User:
        """Create an admin; used by `karma createsuperuser`."""
        fields["role"] = Role.ADMIN
        return self.create_user(email, password, **fields)


def normalize_email_case(email: str) -> str:
    """Return the stored form of an address: trimmed and lower-cased.

    Mail systems treat addresses case-insensitively in practice, and the
    people running Karma type them in every case, so Karma keeps one form.
    """
    return email.strip().lower()


class User(AbstractBaseUser):
    public_id = models.CharField(
        max_length=32,
        unique=True,
        editable=False,
        default=partial(new_public_id, "usr"),
    )
    # Stored lower-cased (save() sees to it); the functional constraint below
    # also holds for any write that bypasses save().
    email = models.EmailField(max_length=254, unique=True)
    first_name = models.CharField(max_length=150)
    last_name = models.CharField(max_length=150)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.LEARNER)
    is_active = models.BooleanField(default=True)
    must_change_password = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    # None until the person holds a password: invited accounts stay None
    # until the invitation is accepted.
    activated_at = models.DateTimeField(null=True, blank=True)
    last_active_at = models.DateTimeField(null=True, blank=True)
    # Raised on password change and deactivation: sessions and API tokens
    # minted under an older generation stop working at once.
    credentials_generation = models.PositiveIntegerField(default=0)
    # Folded "first last email" for case- and accent-insensitive search.
    search_text = models.TextField(editable=False, default="")

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    # Names are optional for `karma createsuperuser`, so it runs without
    # prompts from DJANGO_SUPERUSER_EMAIL and DJANGO_SUPERUSER_PASSWORD alone.
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Lower("email"), name="accounts_user_email_ci_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["role"], name="accounts_user_role_idx"),
            models.Index(fields=["last_active_at"], name="accounts_user_active_idx"),
        ]

    def __str__(self) -> str:
        return self.name or self.email

    def save(self, *args: object, **kwargs: object) -> None:
        self.email = normalize_email_case(self.email)
        self.search_text = fold_for_search(
            f"{self.first_name} {self.last_name} {self.email}"
        )
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "search_text", "email"}
        super().save(*args, **kwargs)

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.first_name

    @property
    def status(self) -> str:
        if not self.is_active:
            return UserStatus.DEACTIVATED
        if self.activated_at is None:
            return UserStatus.INVITED
        if self.must_change_password:
            return UserStatus.MUST_CHANGE_PASSWORD
        return UserStatus.ACTIVE

    def get_status_display(self) -> str:
        return UserStatus(self.status).label

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_instructor(self) -> bool:
        return self.role == Role.INSTRUCTOR

    def get_session_auth_hash(self) -> str:
        # Django logs a session out when this hash changes; folding the
        # credentials generation in makes deactivation end sessions at once.
        return salted_hmac(
            "karma.accounts.User.session",
            f"{self.password}:{self.credentials_generation}",
            algorithm="sha256",
        ).hexdigest()


class InvitationState(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"


def hash_token(token: str) -> str:
    """Return the stored form of an invitation token; the token itself is
    only ever in the email."""
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(models.Model):
    public_id = models.CharField(
        max_length=32,
        unique=True,
        editable=False,
        default=partial(new_public_id, "inv"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Set when a resend replaced this invitation: its link now explains that
    # a newer email exists instead of calling the link unknown.
    replaced_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One live invitation per person: resend revokes the old one in
            # the same transaction that makes the new one.
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="accounts_invitation_one_open_per_user",
            ),
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def state(self) -> str:
        if self.accepted_at is not None:
            return InvitationState.ACCEPTED
        if self.revoked_at is not None:
            return InvitationState.REVOKED
        if self.expires_at <= timezone.now():
            return InvitationState.EXPIRED
        return InvitationState.PENDING

    def get_state_display(self) -> str:
        return InvitationState(self.state).label
