"""The `karma` command: every management task, with hyphenated names.

`karma bulk-enroll` runs the `bulk_enroll` management command, so the names
people type match the docs while Python modules keep valid names.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "karma.config.settings")

    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    argv[0] = "karma"
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
