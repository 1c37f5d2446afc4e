"""The certificates endpoints of the API (SPEC sections 6 and 8).

Learners see their own certificates; the staff of a course those of its
learners; admins all. Someone who may not see a certificate gets 404, as
for one that does not exist. The PDF is the file itself, not JSON. Checking
a verification code is public, like the page: no token, only what the
certificate says, and lookups counted per client address together with the
page's (learning/throttle.py).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, Throttled, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from karma.accounts.models import User
from karma.api.envelope import EnvelopeRenderer
from karma.api.permissions import IsAuthenticatedAndPasswordCurrent
from karma.api.schema import KarmaAutoSchema
from karma.api.throttling import TokenRateThrottle
from karma.learning.models import Certificate
from karma.learning.pdf import verification_url
from karma.learning.selectors_certificates import (
    certificates_for_list,
    certificates_visible_to,
)
from karma.learning.services.certificates import (
    MAX_TYPED_CODE_LENGTH,
    canonical_code,
    verify_certificate,
)
from karma.learning.throttle import count_lookup
from karma.learning.views.certificates import NO_CERTIFICATE, NOT_A_CODE, pdf_response
from karma.lib.public_ids import has_prefix

SIGNED_IN = [IsAuthenticatedAndPasswordCurrent]
TAGS = ["certificates"]
NO_SUCH_CERTIFICATE = "There is no certificate with this id."
PUBLIC_ID_MAX_LENGTH = 32
CERTIFICATE_ID = OpenApiParameter(
    "certificate_id",
    str,
    OpenApiParameter.PATH,
    description="The certificate's id (`crt_...`).",
)
CODE = OpenApiParameter(
    "code",
    str,
    OpenApiParameter.PATH,
    description="The verification code printed on the certificate, in any "
    "case, with or without dashes.",
)


class CertificateSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id")
    user_id = serializers.CharField(source="learner.public_id")
    course_id = serializers.CharField(source="course.public_id")
    enrollment_id = serializers.CharField(source="enrollment.public_id")
    learner_name = serializers.CharField(
        help_text="The name as it was when the certificate was issued."
    )
    course_title = serializers.CharField(
        help_text="The course's title when the certificate was issued."
    )
    verification_url = serializers.SerializerMethodField(
        help_text="The public page that confirms this certificate."
    )

    class Meta:
        model = Certificate
        fields = [
            "id",
            "user_id",
            "course_id",
            "enrollment_id",
            "learner_name",
            "course_title",
            "code",
            "issued_at",
            "verification_url",
        ]
        read_only_fields = fields

    def get_verification_url(self, certificate: Certificate) -> str:
        return verification_url(certificate)


class VerifiedCertificateSerializer(serializers.Serializer):
    """What anyone holding the code may learn, and nothing more."""

    learner_name = serializers.CharField()
    course_title = serializers.CharField()
    issued_at = serializers.DateTimeField()


class CertificateListQuerySerializer(serializers.Serializer):
    user_id = serializers.CharField(
        required=False, max_length=PUBLIC_ID_MAX_LENGTH, help_text="`usr_...`"
    )
    course_id = serializers.CharField(
        required=False, max_length=PUBLIC_ID_MAX_LENGTH, help_text="`crs_...`"
    )


def certificate_for(user: User, public_id: str) -> Certificate:
    certificate = None
    if has_prefix(public_id, "crt"):
        certificate = certificates_visible_to(user).filter(public_id=public_id).first()
    if certificate is None:
        raise NotFound(NO_SUCH_CERTIFICATE)
    return certificate


class CertificateListView(GenericAPIView):
    permission_classes = SIGNED_IN

    @extend_schema(
        tags=TAGS,
        summary="List the certificates you may see",
        description="Learners see their own; instructors theirs and those of "
        "the learners of the courses they teach; admins all. Newest first.",
        parameters=[CertificateListQuerySerializer],
        responses=CertificateSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        query = CertificateListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)

        certificates = certificates_for_list(
            request.user,
            learner_id=query.validated_data.get("user_id", ""),
            course_id=query.validated_data.get("course_id", ""),
        )
        page = self.paginate_queryset(certificates)
        return self.get_paginated_response(CertificateSerializer(page, many=True).data)


class CertificateDetailView(APIView):
    permission_classes = SIGNED_IN

    @extend_schema(
        tags=TAGS,
        summary="Read a certificate",
        parameters=[CERTIFICATE_ID],
        responses=CertificateSerializer,
    )
    def get(self, request: Request, certificate_id: str) -> Response:
        certificate = certificate_for(request.user, certificate_id)
        return Response(CertificateSerializer(certificate).data)


class PdfRenderer(BaseRenderer):
    """Lets a client ask for application/pdf. The view answers with the file
    itself and every error in the JSON envelope, so this renders nothing."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data: Any, accepted_media_type=None, renderer_context=None):
        return data


class FileSchema(KarmaAutoSchema):
    """Describes a download: the file is the body, never wrapped in the
    envelope; errors are JSON envelopes as everywhere else."""

    def map_renderers(self, attribute: str) -> list[Any]:
        # What errors come as; the file's own type is declared on the view.
        return [getattr(EnvelopeRenderer, attribute)]

    def _get_response_for_code(
        self, serializer, status_code, media_types=None, direction="response"
    ):
        if status_code.startswith("2") and media_types != ["application/json"]:
            # Skip the envelope KarmaAutoSchema puts around JSON bodies.
            return super(KarmaAutoSchema, self)._get_response_for_code(
                serializer, status_code, media_types, direction
            )
        return super()._get_response_for_code(
            serializer, status_code, media_types, direction
        )


class CertificatePdfView(APIView):
    permission_classes = SIGNED_IN
    renderer_classes = [EnvelopeRenderer, PdfRenderer]
    schema = FileSchema()

    @extend_schema(
        tags=TAGS,
        summary="Download a certificate as PDF",
        description="The body is the PDF file (`application/pdf`), not the "
        "JSON envelope; errors are JSON envelopes as elsewhere.",
        parameters=[CERTIFICATE_ID],
        responses={
            (200, "application/pdf"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The certificate as a PDF file."
            )
        },
    )
    def get(self, request: Request, certificate_id: str) -> HttpResponse:
        certificate = certificate_for(request.user, certificate_id)
        return pdf_response(certificate)

    def handle_exception(self, exc: Exception) -> Response:
        # An error is JSON whatever the client asked for.
        self.request.accepted_renderer = EnvelopeRenderer()
        self.request.accepted_media_type = EnvelopeRenderer.media_type
        return super().handle_exception(exc)


class LookupThrottle(BaseThrottle):
    """The page's limit on code lookups, counted together with it."""

    def allow_request(self, request: Request, view: Any) -> bool:
        self.waiting = count_lookup(request._request)
        return self.waiting is None

    def wait(self) -> float | None:
        return self.waiting


class CertificateVerifyView(APIView):
    # Public: a token, valid or not, changes nothing here.
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [TokenRateThrottle, LookupThrottle]

    @extend_schema(
        tags=TAGS,
        summary="Check a verification code (public, no token)",
        description="Answers with only what the certificate says: the "
        "learner's name, the course title and when it was issued. A code "
        "that is not shaped like one is a 422; one that names no "
        "certificate a 404. Lookups are limited per client address.",
        auth=[],
        parameters=[CODE],
        responses={
            200: VerifiedCertificateSerializer,
            422: OpenApiResponse(description="This is not a certificate code."),
        },
    )
    def get(self, request: Request, code: str) -> Response:
        if len(code) > MAX_TYPED_CODE_LENGTH or canonical_code(code) is None:
            raise ValidationError({"code": [NOT_A_CODE]})
        certificate = verify_certificate(code)
        if certificate is None:
            raise NotFound(NO_CERTIFICATE)
        return Response(VerifiedCertificateSerializer(certificate).data)

    def throttled(self, request: Request, wait: float | None) -> None:
        raise Throttled(wait=wait, detail="Too many certificate lookups.")
