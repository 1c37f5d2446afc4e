"""Links for many rows at once.

reverse() walks the URL patterns on every call; a page of a few hundred
rows with a link each spent more time there than in its query. A route
whose only argument is a public id is reversed once, with a marker in the
id's place, and each row's link is the id put between the two halves.
"""

from __future__ import annotations

from collections.abc import Callable

from django.urls import reverse

# Shaped like a public id (letters, digits, "_"): reverse() leaves such
# text as it is, so the halves around it are what any id would get.
_MARKER = "public_id_marker_0"


def url_by_public_id(viewname: str) -> Callable[[str], str]:
    """A function from a public id to reverse(viewname, args=[public_id]).

    Only for ids made by karma.lib.public_ids, which need no quoting.
    """
    prefix, suffix = reverse(viewname, args=[_MARKER]).split(_MARKER)
    return lambda public_id: f"{prefix}{public_id}{suffix}"
