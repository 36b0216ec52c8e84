"""Cache keys for figures computed over a user's scope.

Users with the same scope see the same figures, so the key is the scope, not the user: every
city-wide leader and city dispatcher shares one entry. A regional scope still includes the
orders its user filed (``Scope.workorders``), so it carries the user id.
"""

from __future__ import annotations

import hashlib
from typing import Any

from yiwang.core.scoping import scope_of


def scope_key(user: Any) -> str:
    scope = scope_of(user)
    if scope.everything:
        return "city"
    raw = "|".join(
        [
            ",".join(scope.region_paths),
            ",".join(str(i) for i in sorted(scope.department_ids)),
            ",".join(str(i) for i in sorted(scope.grid_ids)),
            str(scope.user_id or ""),
        ]
    )
    return hashlib.sha256(raw.encode()).hexdigest()[:24]
