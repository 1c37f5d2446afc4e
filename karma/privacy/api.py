"""The data rights endpoints of the API: data export and erasure (SPEC 8, 9).

`GET users/{id}/data-export` answers the person's archive (a zip, not the
JSON envelope) to admins and to the person themselves (`users/me/...` too);
`POST users/{id}/erase` erases them, for admins, with the person's address
as confirmation, as on the erase page.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from karma.accounts.models import User
from karma.accounts.permissions import can_manage_users, can_view_profile
from karma.accounts.selectors import get_user_by_public_id
from karma.api.permissions import IsAuthenticatedAndPasswordCurrent, allowing
from karma.api.schema import KarmaAutoSchema
from karma.privacy.permissions import can_export_data
from karma.privacy.serializers import EraseRequestSerializer, ErasureSerializer
from karma.privacy.services import (
    ErasureError,
    confirmation_problem,
    erase_learner,
    erasure_problem,
)
from karma.privacy.views import archive_response

TAGS = ["users"]
PUBLIC_ID = OpenApiParameter(
    "public_id",
    str,
    OpenApiParameter.PATH,
    description="The user's id (`usr_...`), or `me` for yourself.",
)
_NO_SUCH_USER = "There is no user with this id."


class ArchiveSchema(KarmaAutoSchema):
    """Describe the 200 as the zip it is: a download has no JSON envelope."""

    def _get_response_for_code(
        self,
        serializer: Any,
        status_code: str,
        media_types: list[str] | None = None,
        direction: str = "response",
    ) -> dict[str, Any]:
        if status_code == "200":
            return AutoSchema._get_response_for_code(
                self, serializer, status_code, media_types, direction
            )
        return super()._get_response_for_code(
            serializer, status_code, media_types, direction
        )


def _subject_for_export(request: Request, public_id: str) -> User:
    """Return the person whose archive is asked for, if the caller may have it.

    People the caller may not see are 404, like unknown ids; staff who see
    the person but may not download their data get 403.
    """
    viewer = request.user
    subject = viewer if public_id == "me" else get_user_by_public_id(public_id)
    if subject is None or not can_view_profile(viewer, subject):
        raise NotFound(_NO_SUCH_USER)
    if not can_export_data(viewer, subject):
        raise PermissionDenied("Only admins can download another person's data.")
    return subject


class DataExportView(APIView):
    permission_classes = [IsAuthenticatedAndPasswordCurrent]
    schema = ArchiveSchema()

    @extend_schema(
        tags=TAGS,
        summary="Download everything Karma holds about a person (zip)",
        description="A zip of `profile.json`, one JSON file per kind of record, "
        "CSV tables and a `README.txt` describing them. Admins may download "
        "anyone's; everyone else only their own. Each download is audited.",
        parameters=[PUBLIC_ID],
        responses={
            (200, "application/zip"): OpenApiResponse(
                response=OpenApiTypes.BINARY, description="The archive."
            )
        },
    )
    def get(self, request: Request, public_id: str) -> Any:
        subject = _subject_for_export(request, public_id)
        return archive_response(learner=subject, actor=request.user)

    def perform_content_negotiation(
        self, request: Request, force: bool = False
    ) -> tuple[BaseRenderer, str]:
        # A client asking for application/zip gets the zip; errors come as
        # the JSON envelope whatever it asked for.
        return super().perform_content_negotiation(request, force=True)


class EraseUserView(APIView):
    permission_classes = [
        IsAuthenticatedAndPasswordCurrent,
        allowing(can_manage_users, "Only admins can erase people."),
    ]

    @extend_schema(
        tags=TAGS,
        summary="Erase a person: personal data anonymised, records kept",
        description="Renames the account “Erased learner”, removes its address, "
        "password, sessions, tokens and invitations, and blanks texts that "
        "name the person; enrollments, progress and scores stay. `confirm` "
        "must be the person's email address (any case), as on the erase "
        "page. Refused (422) for your own "
        "account, an account already erased, and course owners.",
        parameters=[PUBLIC_ID],
        request=EraseRequestSerializer,
        responses=ErasureSerializer,
    )
    def post(self, request: Request, public_id: str) -> Response:
        subject = get_user_by_public_id(public_id)
        if subject is None:
            raise NotFound(_NO_SUCH_USER)
        form = EraseRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        # Who may not be erased comes first: once erased, the address typed
        # is no longer the account's, and that refusal would hide the reason.
        if problem := erasure_problem(learner=subject, actor=request.user):
            raise ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [problem]})
        _check_confirmation(subject, form.validated_data["confirm"])

        try:
            result = erase_learner(
                learner=subject,
                actor=request.user,
                reason=form.validated_data["reason"],
            )
        except ErasureError as error:
            field = error.field or api_settings.NON_FIELD_ERRORS_KEY
            raise ValidationError({field: [error.message]}) from error
        return Response(ErasureSerializer(result).data)


def _check_confirmation(subject: User, typed: str) -> None:
    problem = confirmation_problem(learner=subject, typed=typed)
    if problem is not None:
        raise ValidationError({"confirm": [problem]})
