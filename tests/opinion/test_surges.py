"""Surge detection: a planted surge raises exactly one alert, once; steady counts raise none."""

from __future__ import annotations

from typing import Any

import pytest

from tests.opinion.conftest import client_for, dispatcher_elsewhere, file_orders
from tests.workorders.factories import City
from yiwang.core.errors import PermissionDenied
from yiwang.core.models import AuditRecord
from yiwang.opinion.models import OpinionAlert
from yiwang.opinion.services import acknowledge_alert, detect_surges
from yiwang.opinion.surges import check_surge


def test_a_count_far_above_a_steady_baseline_is_a_surge() -> None:
    check = check_surge(30, [10, 11, 9, 10, 12, 8, 10] * 4, z=3, min_count=5)
    assert check.is_surge and check.mean == 10 and check.threshold < 30


def test_ordinary_swings_are_not_surges() -> None:
    baseline = [10, 14, 6, 12, 8, 11, 9] * 4
    assert not check_surge(max(baseline), baseline, z=3, min_count=5).is_surge
    assert not check_surge(17, baseline, z=3, min_count=5).is_surge


def test_a_quiet_subject_needs_the_minimum_count() -> None:
    # Four requests where there is usually none: unusual, but too few to call the centre.
    assert not check_surge(4, [0] * 28, z=3, min_count=5).is_surge
    assert check_surge(7, [0] * 28, z=3, min_count=5).is_surge


def test_chance_among_thousands_of_subjects_is_not_a_surge() -> None:
    # Seven where 1.6 a week is usual passes mean + 3σ, yet one subject in a few hundred
    # does that by chance every week; with thousands of subjects it is not news.
    baseline = [1, 2, 1, 3, 2, 1, 2, 1]
    check = check_surge(7, baseline, z=3, min_count=5)
    assert check.count > check.threshold and not check.is_surge
    assert check_surge(14, baseline, z=3, min_count=5).is_surge


def _steady(city: City, per_day: int = 2, days: int = 28) -> None:
    for days_ago in range(1, days + 1):
        file_orders(city, per_day, days_ago=days_ago, category=city.category)


@pytest.mark.django_db
def test_a_planted_surge_raises_exactly_one_alert_once(city: City) -> None:
    _steady(city)
    file_orders(city, 15, days_ago=0, category=city.category)

    alerts = detect_surges()

    assert len(alerts) == 1
    alert = alerts[0]
    # The most specific subject that explains it: the test category in the grid worker's town.
    assert alert.window == "day" and alert.category == city.category
    assert alert.region.level == "town" and alert.count == 15
    assert alert.subject.endswith("测试小类")
    assert AuditRecord.objects.filter(action="opinion.surge_raised").count() == 1
    # Detected again (the worker runs every 15 minutes), and with two more requests: no new alert.
    file_orders(city, 2, days_ago=0, category=city.category)
    assert detect_surges() == []
    assert OpinionAlert.objects.count() == 1


@pytest.mark.django_db
def test_steady_counts_raise_no_alert(city: City) -> None:
    _steady(city)
    file_orders(city, 2, days_ago=0, category=city.category)
    assert detect_surges() == []
    assert not OpinionAlert.objects.exists()


@pytest.mark.django_db
def test_dispatchers_see_and_acknowledge_alerts_of_their_region_only(city: City) -> None:
    _steady(city, per_day=1, days=28)
    file_orders(city, 12, days_ago=0, category=city.category)
    (alert,) = detect_surges()

    county = client_for(city["county_dispatcher"]).get("/opinion/surges/")
    assert county.status_code == 200
    assert alert.subject in county.content.decode()
    assert 'id="open-alerts"' in county.content.decode()  # the badge in the page header
    # The alert is in 崇川区; a dispatcher of another county does not see it.
    far = dispatcher_elsewhere(city)
    assert OpinionAlert.objects.visible_to(city["county_dispatcher"]).count() == 1
    assert not OpinionAlert.objects.visible_to(far).exists()
    assert alert.subject not in client_for(far).get("/opinion/surges/").content.decode()
    assert client_for(far).post(f"/opinion/surges/{alert.pk}/acknowledge/").status_code == 404

    with pytest.raises(PermissionDenied):
        acknowledge_alert(alert, actor=city["leader"])
    response = client_for(city["town_dispatcher"]).post(f"/opinion/surges/{alert.pk}/acknowledge/")
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.state == "acknowledged" and alert.acknowledged_by == city["town_dispatcher"]
    page = client_for(city["county_dispatcher"]).get("/opinion/surges/").content.decode()
    assert 'id="open-alerts"' not in page
    assert AuditRecord.objects.filter(action="opinion.surge_acknowledged").count() == 1


@pytest.mark.django_db
def test_the_command_runs_the_detection(city: City, capsys: Any) -> None:
    from django.core.management import call_command

    _steady(city, per_day=1, days=28)
    file_orders(city, 12, days_ago=0, category=city.category)
    call_command("opinion", "surges")
    assert "1 new surge alert(s)." in capsys.readouterr().out
