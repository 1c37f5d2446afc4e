"""API tokens: issuing, rotating and revoking JWT pairs.

Every token carries the user's credentials generation. Changing the password
or deactivating the account raises the generation, so every token minted
before stops working at once, access tokens included, without a lookup
table of live tokens. Refresh tokens are single-use: rotation blacklists the
one presented.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.cache import cache
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken, Token
from rest_framework_simplejwt.utils import aware_utcnow, datetime_from_epoch

from karma.accounts.models import User
from karma.api.exceptions import Unauthorized

logger = logging.getLogger(__name__)

GENERATION_CLAIM = "gen"
TOKEN_TYPE = "Bearer"  # noqa: S105 (the OAuth token type name)

_REVOKED_ACCESS_KEY = "karma.api.revoked_access.{jti}"
_REFRESH_REFUSED = "The refresh token is invalid, expired or already used."


class _GenerationClaim(Token):
    @classmethod
    def for_user(cls, user: User) -> Token:
        token = super().for_user(user)
        token[GENERATION_CLAIM] = user.credentials_generation
        return token


class KarmaRefreshToken(RefreshToken, _GenerationClaim):
    """A refresh token with the generation claim.

    The claim is set before the blacklist mixin stores the token, so the
    stored copy is the token the client holds; the access tokens it mints
    copy every claim, the generation included.
    """


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str
    expires_in: int
    must_change_password: bool
    token_type: str = TOKEN_TYPE


def issue_token_pair(user: User) -> TokenPair:
    refresh = KarmaRefreshToken.for_user(user)
    return TokenPair(
        access=str(refresh.access_token),
        refresh=str(refresh),
        expires_in=int(api_settings.ACCESS_TOKEN_LIFETIME.total_seconds()),
        must_change_password=user.must_change_password,
    )


def is_current(token: Token, user: User) -> bool:
    """Return True while `token` was minted under the user's present
    credentials: active account, same generation, not signed out."""
    return (
        user.is_active
        and token.get(GENERATION_CLAIM) == user.credentials_generation
        and not cache.get(_REVOKED_ACCESS_KEY.format(jti=token.get("jti")))
    )


def rotate_refresh_token(raw: str) -> TokenPair:
    """Trade a refresh token for a new pair; the old one stops working.

    Raises Unauthorized for a bad, expired, used or stale token, and for a
    token whose account was deactivated.
    """
    refresh = _valid_refresh_token(raw)
    user = _owner(refresh)
    if user is None or not is_current(refresh, user):
        raise Unauthorized(_REFRESH_REFUSED)

    # get_or_create on the blacklist row settles two rotations of the same
    # token at the same moment: only the one that creates the row wins.
    _, created = refresh.blacklist()
    if not created:
        raise Unauthorized(_REFRESH_REFUSED)

    return issue_token_pair(user)


def revoke_refresh_token(raw: str) -> User | None:
    """Blacklist a refresh token (logout) and return its owner, if any."""
    refresh = _valid_refresh_token(raw)
    refresh.blacklist()
    user = _owner(refresh)
    logger.info(
        "refresh token revoked", extra={"user_id": user.public_id if user else None}
    )
    return user


def revoke_access_token(raw: str, *, owner: User) -> None:
    """Make an access token of `owner` stop working before it expires.

    Access tokens are not stored, so the revocation is kept in the cache
    until the token would have expired anyway. Anything that is not a valid
    access token of `owner` is ignored: logout must not fail on it.
    """
    try:
        access = AccessToken(raw)
    except TokenError:
        return
    if access.get(api_settings.USER_ID_CLAIM) != owner.public_id:
        return

    remaining = datetime_from_epoch(access["exp"]) - aware_utcnow()
    cache.set(
        _REVOKED_ACCESS_KEY.format(jti=access["jti"]),
        True,
        timeout=max(1, int(remaining.total_seconds()) + 1),
    )


def _valid_refresh_token(raw: str) -> KarmaRefreshToken:
    try:
        return KarmaRefreshToken(raw)
    except TokenError as error:
        raise Unauthorized(_REFRESH_REFUSED) from error


def _owner(token: Token) -> User | None:
    public_id = token.get(api_settings.USER_ID_CLAIM)
    if not public_id:
        return None
    return get_user_model().objects.filter(public_id=public_id).first()
