"""Request parsers of the API.

Endpoints read JSON only (the default in settings): DRF reads a form body
into a QueryDict, where a nested field such as `answers` comes out empty
rather than wrong, so a form sent by mistake was taken as a request that
changes nothing. Endpoints that take a file say so with
`parser_classes = JSON_OR_MULTIPART`; any other body is refused with 400.
"""

from __future__ import annotations

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, MultiPartParser


class KarmaJSONParser(JSONParser):
    """JSON that also refuses absurdly deep nesting as a parse error.

    Python's decoder gives up on thousands of nested brackets with a
    RecursionError, which would otherwise surface as a 500.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise ParseError("The JSON is nested too deeply.") from error


# For the few endpoints that take an upload (a course cover, a lesson file, a
# bulk enrollment file) beside their JSON form. No url-encoded forms: they
# cannot carry a file and lose nested fields.
JSON_OR_MULTIPART = [KarmaJSONParser, MultiPartParser]
