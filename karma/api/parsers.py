"""Request parsers of the API.

Endpoints read JSON only (the default in settings): DRF reads a form body
into a QueryDict, where a nested field such as `answers` comes out empty
rather than wrong, so a form sent by mistake was taken as a request that
changes nothing. Endpoints that take a file say so with
`parser_classes = JSON_OR_MULTIPART`; any other body is refused with 400.
"""

from __future__ import annotations

import re

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, MultiPartParser

# Half of a UTF-16 pair on its own: JSON's \ud800 escape allows it, but it
# is no character and cannot be written as UTF-8.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class KarmaJSONParser(JSONParser):
    """JSON that also refuses what Python's decoder lets through but no
    later step can handle, as a parse error.

    The decoder gives up on thousands of nested brackets with a
    RecursionError, and accepts a lone surrogate escape such as "\\ud800",
    which fails when a message quotes the value back or a field is stored.
    Both would otherwise surface as a 500.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
            lone_surrogate = _holds_lone_surrogate(data)
        except RecursionError as error:
            raise ParseError("The JSON is nested too deeply.") from error
        if lone_surrogate:
            raise ParseError(
                "The JSON holds a \\u escape of half a character (a lone "
                "surrogate such as \\ud800); send text as UTF-8."
            )
        return data


def _holds_lone_surrogate(value: object) -> bool:
    if isinstance(value, str):
        return _LONE_SURROGATE.search(value) is not None
    if isinstance(value, dict):
        return any(
            _holds_lone_surrogate(key) or _holds_lone_surrogate(item)
            for key, item in value.items()
        )
    if isinstance(value, list):
        return any(_holds_lone_surrogate(item) for item in value)
    return False


# For the few endpoints that take an upload (a course cover, a lesson file, a
# bulk enrollment file) beside their JSON form. No url-encoded forms: they
# cannot carry a file and lose nested fields.
JSON_OR_MULTIPART = [KarmaJSONParser, MultiPartParser]
