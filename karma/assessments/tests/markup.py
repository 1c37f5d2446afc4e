"""Reading rendered quiz pages in tests: where a text sits in the markup."""

from __future__ import annotations

import re
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta"}
VOID |= {"source", "track", "wbr"}

# One word longer than any line, as a pasted link or a code would be.
LONG_WORD = "Unbroken" * 40

_MACHINE_TIMESTAMP = re.compile(r'datetime="[^"]*"')


class _Finder(HTMLParser):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
        self.open: list[tuple[str, set[str]]] = []
        self.found: list[bool] = []

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            classes = set((dict(attrs).get("class") or "").split())
            self.open.append((tag, classes))

    def handle_endtag(self, tag):
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index][0] == tag:
                del self.open[index:]
                return

    def handle_data(self, data):
        if self.text in data:
            self.found.append(any("text-break" in c for _, c in self.open))


def breaks_everywhere(html: str, text: str) -> bool:
    """Say whether `text` shows at least once, and wherever it shows as
    page text, inside an element that may break it (Bootstrap's
    `text-break`)."""
    finder = _Finder(text)
    finder.feed(html)
    return bool(finder.found) and all(finder.found)


def shown_text(html: str) -> str:
    """The page without its machine-readable timestamps: a `<time>`'s
    datetime holds microseconds, which may read ".00", so a check on how
    scores are written must not see it."""
    return _MACHINE_TIMESTAMP.sub("", html)
