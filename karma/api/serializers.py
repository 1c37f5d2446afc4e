"""Request and response shapes of the auth endpoints."""

from __future__ import annotations

from rest_framework import serializers


class LoginSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


class RefreshSerializer(serializers.Serializer):
    refresh = serializers.CharField(max_length=4096)


class PasswordChangeSerializer(serializers.Serializer):
    current_password = serializers.CharField(max_length=4096, trim_whitespace=False)
    new_password = serializers.CharField(max_length=4096, trim_whitespace=False)


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField(help_text="A JWT; send it as `Bearer <access>`.")
    refresh = serializers.CharField(
        help_text="Single-use: trade it at /auth/refresh for a new pair."
    )
    expires_in = serializers.IntegerField(help_text="Seconds the access token lives.")
    token_type = serializers.ChoiceField(choices=["Bearer"])
    must_change_password = serializers.BooleanField(
        help_text="True while the account holds a temporary password: only "
        "/auth/password and /auth/logout answer until it is changed."
    )


class LogoutResultSerializer(serializers.Serializer):
    revoked = serializers.BooleanField()
