"""Bearer JWT authentication that honours revocation at once."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.tokens import Token

from karma.accounts.models import User
from karma.accounts.services import touch_last_active
from karma.api import tokens

_INVALID = "The access token is invalid or has expired."
_REVOKED = "This access token is no longer valid. Sign in again."


class KarmaJWTAuthentication(JWTAuthentication):
    """Accept an access token only while its user's credentials are current.

    A password change, a deactivation or a logout ends a token before it
    expires; the request also counts as activity for "last active".
    """

    def authenticate(self, request: Request) -> tuple[User, Token] | None:
        result = super().authenticate(request)
        if result is None:
            return None

        user, token = result
        # Views mark requests a client makes on its own (progress polling)
        # the way pages do for LastActiveMiddleware: no last-active write.
        if getattr(request._request, "counts_as_activity", True):
            touch_last_active(user)
        return result

    def get_validated_token(self, raw_token: bytes) -> Token:
        # simplejwt lists why each token class refused; one sentence is
        # all a client can act on.
        try:
            return super().get_validated_token(raw_token)
        except InvalidToken as error:
            raise AuthenticationFailed(_INVALID, code="token_not_valid") from error

    def get_user(self, validated_token: Token) -> Any:
        try:
            user = super().get_user(validated_token)
        except (AuthenticationFailed, InvalidToken) as error:
            raise AuthenticationFailed(_REVOKED, code="token_revoked") from error

        if not tokens.is_current(validated_token, user):
            raise AuthenticationFailed(_REVOKED, code="token_revoked")
        return user
