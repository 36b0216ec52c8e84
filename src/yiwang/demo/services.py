"""Loading the Nantong-scale demo: geography, organisation, one account per role, the
work-order taxonomy and dispatch catalogue, and the demo Open311 client."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from yiwang.core.audit import record_audit
from yiwang.core.progress import ProgressCallback
from yiwang.demo.accounts import (
    DEMO_OPEN311_CLIENT,
    DEMO_OPEN311_KEY,
    DEMO_PASSWORD,
    create_demo_accounts,
)
from yiwang.geo.generate import generate_nantong
from yiwang.geo.models import Region
from yiwang.geo.services import load_geography
from yiwang.intake.services import create_open311_client
from yiwang.org.demo import load_organisation
from yiwang.workorders.taxonomy import load_taxonomy

# Nantong's figures from the seed; "small" keeps every region but few grids, for fast tests.
SCALES: dict[str, dict[str, int]] = {
    "full": {"towns_total": 96, "comprehensive_total": 8450, "special_total": 845},
    "small": {"towns_total": 96, "comprehensive_total": 192, "special_total": 20},
}
DEFAULT_SEED = 320600


@dataclass(frozen=True)
class DemoResult:
    loaded: bool
    regions: int
    grids: int
    accounts: int


def demo_loaded() -> bool:
    return Region.objects.exists()


def load_demo(
    *,
    actor: Any | None = None,
    scale: str = "full",
    seed: int = DEFAULT_SEED,
    password: str = DEMO_PASSWORD,
    progress: ProgressCallback | None = None,
) -> DemoResult:
    """Generate and store the demo city in one transaction: all of it, or nothing."""
    if scale not in SCALES:
        from yiwang.core.errors import ValidationFailed

        raise ValidationFailed(f"scale must be one of {', '.join(SCALES)}", field="scale")
    report = progress or (lambda stage, done, total: None)
    report("Generating geography", 0, 1)
    geography = generate_nantong(seed, **SCALES[scale])
    report("Generating geography", 1, 1)
    with transaction.atomic():
        load_geography(geography, actor=actor, source=f"demo:{scale}:{seed}", progress=progress)
        load_organisation(actor=actor, progress=progress)
        report("Demo accounts", 0, 1)
        users = create_demo_accounts(actor=actor, password=password)
        report("Demo accounts", 1, 1)
        load_taxonomy(actor=actor, progress=progress)
        create_open311_client(actor=actor, name=DEMO_OPEN311_CLIENT, key=DEMO_OPEN311_KEY)
        from yiwang.geo.models import Grid

        result = DemoResult(
            loaded=True,
            regions=Region.objects.count(),
            grids=Grid.objects.count(),
            accounts=len(users),
        )
        record_audit(
            "demo.loaded",
            actor=actor,
            object_type="demo",
            after={"scale": scale, "seed": seed, "regions": result.regions, "grids": result.grids},
        )
    return result
