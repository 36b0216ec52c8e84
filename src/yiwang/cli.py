"""The ``yiwang`` console command: Django's management commands under one friendly name.

yiwang serve            run the multi-worker web server (gunicorn, static files served)
yiwang demo load        load the Nantong-scale demo data and accounts
yiwang migrate          create or update the database
yiwang user create …    create an account with a role
yiwang token create U   print a new API token for user U
yiwang audit verify     check the audit log's hash chain
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["yiwang", *args])


if __name__ == "__main__":
    main()
