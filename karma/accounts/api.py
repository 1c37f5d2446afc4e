"""The users endpoints of the API (SPEC section 8).

Admins list, create and manage accounts; anyone signed in reads and renames
themselves at /users/me. Each view loads, authorizes, validates, calls one
service of accounts/services.py and answers; the envelope is added by the
renderer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.http import QueryDict
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from karma.accounts import selectors, services
from karma.accounts.models import User
from karma.accounts.permissions import can_manage_users
from karma.accounts.serializers import (
    SORT_FIELDS,
    AccountActionSerializer,
    CreatedUserSerializer,
    OwnProfileUpdateSerializer,
    UserCreateSerializer,
    UserListQuerySerializer,
    UserSerializer,
    UserUpdateSerializer,
)
from karma.accounts.services import AccountError
from karma.api.permissions import IsAuthenticatedAndPasswordCurrent, allowing

MANAGES_USERS = [
    IsAuthenticatedAndPasswordCurrent,
    allowing(can_manage_users, "Only admins can manage users."),
]
PUBLIC_ID = OpenApiParameter(
    "public_id", str, OpenApiParameter.PATH, description="The user's id (`usr_...`)."
)
# The response of POST /users holds a temporary password.
NO_STORE = {"Cache-Control": "no-store"}
TAGS = ["users"]


def get_user_or_404(public_id: str) -> User:
    # The selector answers None for anything not shaped like a user id, so a
    # malformed id is a 404 like an unknown one.
    user = selectors.get_user_by_public_id(public_id)
    if user is None:
        raise NotFound("There is no user with this id.")
    return user


@contextmanager
def account_errors_as_422() -> Iterator[None]:
    """Turn a refusal of accounts/services.py into a 422 naming its field."""
    try:
        yield
    except AccountError as error:
        field = error.field or api_settings.NON_FIELD_ERRORS_KEY
        raise ValidationError({field: [error.message]}) from error


class UserListView(GenericAPIView):
    permission_classes = MANAGES_USERS

    @extend_schema(
        tags=TAGS,
        summary="List users",
        parameters=[UserListQuerySerializer],
        responses=UserSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        query = UserListQuerySerializer(data=_list_query(request.query_params))
        query.is_valid(raise_exception=True)

        users = selectors.users_for_list(**_list_filters(query.validated_data))
        page = self.paginate_queryset(users)
        return self.get_paginated_response(UserSerializer(page, many=True).data)

    @extend_schema(
        tags=TAGS,
        summary="Invite or create a user",
        request=UserCreateSerializer,
        responses={201: CreatedUserSerializer},
    )
    def post(self, request: Request) -> Response:
        form = UserCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        fields = dict(form.validated_data)
        mode = fields.pop("mode")

        with account_errors_as_422():
            if mode == "invite":
                invitation = services.invite_user(**fields, invited_by=request.user)
                user, once = invitation.user, {"invitation": invitation}
            else:
                account = services.create_user_with_temporary_password(
                    **fields, created_by=request.user
                )
                user = account.user
                once = {"temporary_password": account.temporary_password}

        body = CreatedUserSerializer(user, context=once).data
        return Response(body, status=status.HTTP_201_CREATED, headers=NO_STORE)


class UserDetailView(APIView):
    permission_classes = MANAGES_USERS

    @extend_schema(
        tags=TAGS,
        summary="Read a user",
        parameters=[PUBLIC_ID],
        responses=UserSerializer,
    )
    def get(self, request: Request, public_id: str) -> Response:
        user = get_user_or_404(public_id)
        services.record_profile_view(viewer=request.user, subject=user)
        return Response(UserSerializer(user).data)

    @extend_schema(
        tags=TAGS,
        summary="Rename a user or change their role",
        parameters=[PUBLIC_ID],
        request=UserUpdateSerializer,
        responses=UserSerializer,
    )
    def patch(self, request: Request, public_id: str) -> Response:
        user = get_user_or_404(public_id)
        form = UserUpdateSerializer(data=request.data)
        form.is_valid(raise_exception=True)

        # One transaction: a refused role change leaves the names as they were.
        with account_errors_as_422(), transaction.atomic():
            _update_user(user, form.validated_data, by=request.user)
        return Response(UserSerializer(user).data)


class UserDeactivateView(APIView):
    permission_classes = MANAGES_USERS

    @extend_schema(
        tags=TAGS,
        summary="Deactivate a user: their sessions and tokens end at once",
        parameters=[PUBLIC_ID],
        request=AccountActionSerializer,
        responses=UserSerializer,
    )
    def post(self, request: Request, public_id: str) -> Response:
        user = get_user_or_404(public_id)
        form = AccountActionSerializer(data=request.data)
        form.is_valid(raise_exception=True)

        with account_errors_as_422():
            services.deactivate_user(
                user=user,
                deactivated_by=request.user,
                reason=form.validated_data.get("reason", ""),
            )
        return Response(UserSerializer(user).data)


class UserReactivateView(APIView):
    permission_classes = MANAGES_USERS

    @extend_schema(
        tags=TAGS,
        summary="Reactivate a user",
        parameters=[PUBLIC_ID],
        request=AccountActionSerializer,
        responses=UserSerializer,
    )
    def post(self, request: Request, public_id: str) -> Response:
        user = get_user_or_404(public_id)
        form = AccountActionSerializer(data=request.data)
        form.is_valid(raise_exception=True)

        with account_errors_as_422():
            services.reactivate_user(
                user=user,
                reactivated_by=request.user,
                reason=form.validated_data.get("reason", ""),
            )
        return Response(UserSerializer(user).data)


class MeView(APIView):
    permission_classes = [IsAuthenticatedAndPasswordCurrent]

    @extend_schema(tags=TAGS, summary="Read your own account", responses=UserSerializer)
    def get(self, request: Request) -> Response:
        return Response(UserSerializer(request.user).data)

    @extend_schema(
        tags=TAGS,
        summary="Change your own name",
        request=OwnProfileUpdateSerializer,
        responses=UserSerializer,
    )
    def patch(self, request: Request) -> Response:
        user = request.user
        form = OwnProfileUpdateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        names = form.validated_data

        with account_errors_as_422():
            services.update_profile(
                user=user,
                first_name=names.get("first_name", user.first_name),
                last_name=names.get("last_name", user.last_name),
                updated_by=user,
            )
        return Response(UserSerializer(user).data)


def _list_query(params: QueryDict) -> dict[str, Any]:
    """Read the list filters; `role` and `status` may repeat or hold commas."""
    query: dict[str, Any] = {
        name: params[name]
        for name in ("search", "last_active", "sort")
        if name in params
    }
    for name in ("role", "status"):
        values = [
            value.strip()
            for raw in params.getlist(name)
            for value in raw.split(",")
            if value.strip()
        ]
        if values:
            query[name] = values
    return query


def _list_filters(query: dict[str, Any]) -> dict[str, Any]:
    descending = query["sort"].startswith("-")
    sort_key = SORT_FIELDS[query["sort"].lstrip("-")]
    return {
        "search": query.get("search", ""),
        "roles": query.get("role"),
        "statuses": query.get("status"),
        "last_active": query.get("last_active", ""),
        "sort": f"-{sort_key}" if descending else sort_key,
    }


def _update_user(user: User, changes: dict[str, Any], *, by: User) -> None:
    if "role" in changes:
        services.change_role(
            user=user,
            role=changes["role"],
            changed_by=by,
            reason=changes.get("reason", ""),
        )

    first_name = changes.get("first_name", user.first_name)
    last_name = changes.get("last_name", user.last_name)
    if (first_name, last_name) != (user.first_name, user.last_name):
        services.update_profile(
            user=user, first_name=first_name, last_name=last_name, updated_by=by
        )
