"""Endpoints that belong to the API itself: tokens, the schema and its docs,
and the 404 for addresses that name nothing."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import update_last_login
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import Resolver404, resolve
from drf_spectacular.utils import OpenApiResponse, extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from karma.accounts import services
from karma.accounts.models import User, UserStatus
from karma.accounts.throttle import login_is_throttled, record_failed_login
from karma.api import tokens
from karma.api.exceptions import SignInThrottled, Unauthorized
from karma.api.schema import API_DESCRIPTION
from karma.api.serializers import (
    LoginSerializer,
    LogoutResultSerializer,
    PasswordChangeSerializer,
    RefreshSerializer,
    TokenPairSerializer,
)
from karma.web.middleware import POLICY

LOGIN_REFUSED = "Email or password is incorrect."
NO_STORE = {"Cache-Control": "no-store"}
AUTH_TAGS = ["auth"]


def _token_response(pair: tokens.TokenPair) -> Response:
    return Response(TokenPairSerializer(pair).data, headers=NO_STORE)


def _sign_in_throttled() -> SignInThrottled:
    return SignInThrottled(wait=settings.KARMA_LOGIN_WINDOW_SECONDS)


class LoginView(APIView):
    # No authenticator: a stale token sent along must not block signing in.
    authentication_classes = ()
    permission_classes = (AllowAny,)

    @extend_schema(
        tags=AUTH_TAGS,
        summary="Sign in with email and password",
        request=LoginSerializer,
        responses={
            200: TokenPairSerializer,
            401: OpenApiResponse(
                description="Email or password is incorrect. The same answer "
                "for unknown, deactivated and not yet activated accounts."
            ),
        },
    )
    def post(self, request: Request) -> Response:
        form = LoginSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        email, password = form.validated_data["email"], form.validated_data["password"]

        if login_is_throttled(request, email):
            raise _sign_in_throttled()

        # Django's backend refuses inactive users and runs the hasher for
        # unknown addresses too, so every refusal takes about as long.
        user = authenticate(request, email=email, password=password)
        if user is None or user.status == UserStatus.INVITED:
            record_failed_login(request, email)
            raise Unauthorized(LOGIN_REFUSED)

        update_last_login(None, user)
        return _token_response(tokens.issue_token_pair(user))


class RefreshView(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)

    @extend_schema(
        tags=AUTH_TAGS,
        summary="Trade a refresh token for a new pair (the old one stops working)",
        request=RefreshSerializer,
        responses={
            200: TokenPairSerializer,
            401: OpenApiResponse(
                description="The refresh token is invalid, expired, already "
                "used or revoked, or its account was deactivated."
            ),
        },
    )
    def post(self, request: Request) -> Response:
        form = RefreshSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return _token_response(
            tokens.rotate_refresh_token(form.validated_data["refresh"])
        )


class LogoutView(APIView):
    # Open without an access token: a client whose access token expired
    # must still be able to revoke its refresh token.
    authentication_classes = ()
    permission_classes = (AllowAny,)

    @extend_schema(
        tags=AUTH_TAGS,
        summary="Revoke a refresh token (and the access token sent with it)",
        request=RefreshSerializer,
        responses={
            200: LogoutResultSerializer,
            401: OpenApiResponse(description="The refresh token is not valid."),
        },
    )
    def post(self, request: Request) -> Response:
        form = RefreshSerializer(data=request.data)
        form.is_valid(raise_exception=True)

        owner = tokens.revoke_refresh_token(form.validated_data["refresh"])
        raw_access = _bearer_token(request)
        if owner is not None and raw_access:
            tokens.revoke_access_token(raw_access, owner=owner)
        return Response({"revoked": True})


class PasswordChangeView(APIView):
    allow_pending_password_change = True

    @extend_schema(
        tags=AUTH_TAGS,
        summary="Change your password; every other token stops working",
        description="Returns a fresh token pair so the caller stays signed in.",
        request=PasswordChangeSerializer,
        responses=TokenPairSerializer,
    )
    def post(self, request: Request) -> Response:
        form = PasswordChangeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        user: User = request.user
        current = form.validated_data["current_password"]
        new = form.validated_data["new_password"]

        _check_current_password(request, user, current)
        if new == current:
            raise ValidationError(
                {"new_password": ["Choose a password different from the current one."]}
            )
        try:
            services.change_password(user=user, new_password=new)
        except DjangoValidationError as error:
            raise ValidationError({"new_password": error.messages}) from error

        return _token_response(tokens.issue_token_pair(user))


def _check_current_password(request: Request, user: User, password: str) -> None:
    # A stolen access token must not become a way to guess the password, so
    # wrong guesses here count with failed sign-ins.
    if login_is_throttled(request, user.email):
        raise _sign_in_throttled()
    if not user.check_password(password):
        record_failed_login(request, user.email)
        raise ValidationError(
            {"current_password": ["Your current password is not correct."]}
        )


def _bearer_token(request: Request) -> str:
    parts = request.headers.get("Authorization", "").split()
    if len(parts) == 2 and parts[0] == tokens.TOKEN_TYPE:
        return parts[1]
    return ""


class NotFoundView(APIView):
    """Answer every address under /api/v1 that names nothing, in the envelope."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    def http_method_not_allowed(self, request: Request, *args: Any, **kwargs: Any):
        raise NotFound(_not_found_message(request.path))

    options = http_method_not_allowed


def _not_found_message(path: str) -> str:
    # Routes have no trailing slash; say so to whoever added one.
    if path.endswith("/"):
        try:
            match = resolve(path.rstrip("/"))
        except Resolver404:
            match = None
        if match is not None and match.url_name != "not_found":
            return f"There is nothing at this address. Did you mean {path.rstrip('/')}?"
    return "There is nothing at this address."


class SchemaView(SpectacularAPIView):
    """The OpenAPI schema: YAML, or JSON with ?format=json."""

    authentication_classes = ()
    custom_settings = {"DESCRIPTION": API_DESCRIPTION}


# Swagger UI runs from Karma's own static files (drf-spectacular-sidecar);
# its page holds one inline <style> block, allowed by its hash and nothing
# else, so the page keeps the site's policy otherwise.
_STYLE_BLOCK = re.compile(r"<style>(.*?)</style>", re.DOTALL)


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI for the schema. Its URL is marked csp_exempt: the view
    sends its own Content-Security-Policy."""

    authentication_classes = ()
    url_name = "api:schema"

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.GET.get("script") is None and response.status_code == 200:
            response.render()
            response["Content-Security-Policy"] = _docs_policy(
                response.content.decode()
            )
        return response


def _docs_policy(html: str) -> str:
    hashes = " ".join(_csp_hash(block) for block in _STYLE_BLOCK.findall(html))
    return POLICY.replace("style-src 'self'", f"style-src 'self' {hashes}".strip())


def _csp_hash(text: str) -> str:
    digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
    return f"'sha256-{digest}'"
