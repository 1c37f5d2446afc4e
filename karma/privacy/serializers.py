"""Shapes of the data rights endpoints."""

from __future__ import annotations

from rest_framework import serializers

from karma.privacy.services.erasure import REASON_MAX_LENGTH


class EraseRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=REASON_MAX_LENGTH,
        help_text="Why the person is erased; kept in the audit log.",
    )
    confirm = serializers.CharField(
        max_length=254,
        help_text="The person's email address (any case), as a check that "
        "the id is the one meant; the erase page asks for the same.",
    )


class ErasureSerializer(serializers.Serializer):
    id = serializers.CharField(source="user.public_id")
    name = serializers.CharField(source="user.name")
    status = serializers.CharField(source="user.status")
    changed = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="How many rows erasure changed or removed, by kind "
        "(sessions_ended, tokens_revoked, answers_blanked, ...).",
    )
