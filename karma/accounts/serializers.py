"""The shapes of accounts in the API. Rules stay in services.py: these only
say which fields exist and what type they have."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from karma.accounts.models import InvitationState, Role, User, UserStatus
from karma.accounts.selectors import LAST_ACTIVE_FILTERS
from karma.accounts.services import NAME_MAX_LENGTH

CREATE_MODES = ("invite", "temporary_password")

# The Users list sorts by API field names; values are selectors.USER_SORTS
# keys.
SORT_FIELDS = {
    "name": "name",
    "email": "email",
    "role": "role",
    "status": "status",
    "created_at": "created",
    "last_login": "last_login",
    "last_active_at": "last_active",
}

REASON_MAX_LENGTH = 500


class UserSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True)
    name = serializers.CharField(read_only=True)
    role = serializers.ChoiceField(choices=Role.choices, read_only=True)
    status = serializers.ChoiceField(choices=UserStatus.choices, read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "first_name",
            "last_name",
            "name",
            "email",
            "role",
            "status",
            "created_at",
            "last_login",
            "last_active_at",
        ]
        read_only_fields = fields


class InvitationSerializer(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    state = serializers.ChoiceField(choices=InvitationState.choices)
    expires_at = serializers.DateTimeField()


class CreatedUserSerializer(UserSerializer):
    """A new account, with what the admin needs once: the temporary password
    (mode temporary_password) or the invitation that was sent (mode invite).

    The view passes both in the context; neither is ever readable again.
    """

    temporary_password = serializers.SerializerMethodField()
    invitation = serializers.SerializerMethodField()

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "temporary_password", "invitation"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_temporary_password(self, user: User) -> str | None:
        return self.context.get("temporary_password")

    @extend_schema_field(InvitationSerializer(allow_null=True))
    def get_invitation(self, user: User) -> dict[str, Any] | None:
        invitation = self.context.get("invitation")
        return InvitationSerializer(invitation).data if invitation else None


class UserListQuerySerializer(serializers.Serializer):
    search = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="Part of a name or email; case and accents are ignored.",
    )
    role = serializers.ListField(
        child=serializers.ChoiceField(choices=Role.choices),
        required=False,
        help_text="Repeat the parameter or separate values with commas.",
    )
    status = serializers.ListField(
        child=serializers.ChoiceField(choices=UserStatus.choices),
        required=False,
        help_text="Repeat the parameter or separate values with commas.",
    )
    last_active = serializers.ChoiceField(
        choices=list(LAST_ACTIVE_FILTERS.items()), required=False
    )
    sort = serializers.ChoiceField(
        choices=[key for field in SORT_FIELDS for key in (field, f"-{field}")],
        required=False,
        default="name",
        help_text="A field name; a leading '-' sorts descending.",
    )


class UserCreateSerializer(serializers.Serializer):
    first_name = serializers.CharField(max_length=NAME_MAX_LENGTH)
    last_name = serializers.CharField(max_length=NAME_MAX_LENGTH)
    email = serializers.CharField(max_length=254)
    role = serializers.ChoiceField(choices=Role.choices)
    mode = serializers.ChoiceField(
        choices=CREATE_MODES,
        help_text="invite: email a single-use activation link. "
        "temporary_password: the account works at once with a generated "
        "password, returned once in this response and never emailed.",
    )


class UserUpdateSerializer(serializers.Serializer):
    first_name = serializers.CharField(max_length=NAME_MAX_LENGTH, required=False)
    last_name = serializers.CharField(max_length=NAME_MAX_LENGTH, required=False)
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    reason = serializers.CharField(
        max_length=REASON_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text="Kept in the audit log with a role change.",
    )


class OwnProfileUpdateSerializer(serializers.Serializer):
    first_name = serializers.CharField(max_length=NAME_MAX_LENGTH, required=False)
    last_name = serializers.CharField(max_length=NAME_MAX_LENGTH, required=False)


class AccountActionSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=REASON_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text="Kept in the audit log.",
    )
