"""The API's JSON parser: DRF's, with a limit on how deeply a body may nest."""

import re
from itertools import accumulate

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding
from rest_framework.utils import json

# No request of this API nests more than a few levels; 64 leaves room and stays far below
# the depth at which Python's recursive json decoder (and everything after it) overflows.
MAX_JSON_DEPTH = 64

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")
_DEPTH_CHANGE = {"[": 1, "{": 1, "]": -1, "}": -1}


def json_depth(text: str) -> int:
    """How deeply `text` nests arrays and objects, without recursion: brackets inside
    strings do not count. (Malformed JSON gives some number; the decoder refuses it next.)"""
    brackets = _NOT_A_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(_DEPTH_CHANGE[bracket] for bracket in brackets), default=0)


class DepthLimitedJSONParser(JSONParser):
    """Refuses, with a 400, bodies nested deeper than `MAX_JSON_DEPTH` instead of letting
    the decoder raise RecursionError (a 500) on a body such as 5,000 opening brackets."""

    max_depth = MAX_JSON_DEPTH

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = get_encoding(parser_context or {})  # DRF's: refuses bytes-to-bytes codecs
        try:
            text = stream.read().decode(encoding)
        except UnicodeDecodeError as error:
            raise ParseError(
                _("JSON parse error - the body is not valid %(encoding)s.") % {"encoding": encoding}
            ) from error
        if json_depth(text) > self.max_depth:
            raise ParseError(self._too_deep())
        try:
            parse_constant = json.strict_constant if self.strict else None  # as DRF's parser
            return json.loads(text, parse_constant=parse_constant)
        except RecursionError as error:
            raise ParseError(self._too_deep()) from error
        except ValueError as error:
            raise ParseError(_("JSON parse error - %(error)s") % {"error": error}) from error

    def _too_deep(self) -> str:
        return _("JSON parse error - nested deeper than %(depth)s levels.") % {"depth": self.max_depth}
