"""Request parsers of the API."""

from __future__ import annotations

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


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
