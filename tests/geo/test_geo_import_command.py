"""``yiwang geo_import``: imports a file, or names each bad feature and writes nothing."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from yiwang.geo.generate import Geography, geojson_geometry
from yiwang.geo.models import Region

pytestmark = pytest.mark.django_db


def _write(tmp_path: Path, geo: Geography, levels: tuple[str, ...]) -> tuple[Path, list[Any]]:
    features = [
        {
            "type": "Feature",
            "properties": {
                "code": r.code,
                "name": r.name,
                "level": r.level,
                "kind": r.kind,
                "parent_code": r.parent_code,
            },
            "geometry": geojson_geometry(r.geometry),
        }
        for r in geo.regions
        if r.level in levels
    ]
    path = tmp_path / "regions.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    return path, features


def test_imports_a_valid_file(tmp_path: Path, small_geo: Geography) -> None:
    path, _ = _write(tmp_path, small_geo, ("city", "county"))
    out = StringIO()
    call_command("geo_import", str(path), "--level", "region", stdout=out, stderr=StringIO())
    assert "Imported 11 regions and 0 grids" in out.getvalue()
    assert Region.objects.count() == 11


def test_rejects_a_self_intersecting_polygon_naming_the_feature(
    tmp_path: Path, small_geo: Geography
) -> None:
    path, features = _write(tmp_path, small_geo, ("city", "county"))
    features[4]["geometry"] = {
        "type": "Polygon",
        "coordinates": [
            [[120.9, 32.0], [121.0, 32.1], [121.0, 32.0], [120.9, 32.1], [120.9, 32.0]]
        ],
    }
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    err = StringIO()
    with pytest.raises(CommandError, match="1 of 11 features are invalid"):
        call_command("geo_import", str(path), "--level", "region", stdout=StringIO(), stderr=err)
    code = features[4]["properties"]["code"]
    assert f"feature 4 (code {code}): invalid geometry: Self-intersection" in err.getvalue()
    assert not Region.objects.exists()


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No such file"):
        call_command(
            "geo_import",
            str(tmp_path / "nope.geojson"),
            "--level",
            "grid",
            stdout=StringIO(),
            stderr=StringIO(),
        )
