"""The web pages as a browser-less client sees them: sign in, sign out, the home page."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from tests.conftest import DEMO_TEST_PASSWORD
from yiwang.geo.models import Grid, Region
from yiwang.org.models import CommandCenter, Department, Stationing
from yiwang.org.services import assign_role

pytestmark = pytest.mark.django_db

LOGIN = "/login/"
HOME = "/"


# --- a tiny city: 2 counties, 3 towns, 3 communities, 6 grids, 3 departments, 6 centers ---


def _square(lon: float, lat: float, size: float) -> dict[str, Any]:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def _bounds(lon: float, lat: float, size: float) -> dict[str, Any]:
    return {
        "geometry": _square(lon, lat, size),
        "min_lon": lon,
        "min_lat": lat,
        "max_lon": lon + size,
        "max_lat": lat + size,
        "centroid_lon": lon + size / 2,
        "centroid_lat": lat + size / 2,
        "area_km2": round(size * size * 10000, 1),
    }


def _region(
    code: str, name: str, level: str, kind: str, parent: Region | None, lon: float, size: float
) -> Region:
    return Region.objects.create(
        code=code,
        name=name,
        level=level,
        kind=kind,
        parent=parent,
        path=f"{parent.path if parent else ''}{code}/",
        **_bounds(lon, 32.0, size),
    )


def _grid(community: Region, seq: int, *, site_type: str = "") -> Grid:
    town = community.parent
    assert town is not None and town.parent is not None
    county = town.parent
    return Grid.objects.create(
        code=f"{county.code}{town.code[-3:]}{community.code[-3:]}{seq:03d}",
        name=f"{community.name}第{seq}网格",
        kind="special" if site_type else "comprehensive",
        site_type=site_type,
        county=county,
        town=town,
        community=community,
        path=community.path,
        **_bounds(community.min_lon + seq * 0.001, 32.0, 0.001),
    )


@dataclass
class City:
    city: Region
    chongchuan: Region
    tongzhou: Region
    city_center: CommandCenter
    chongchuan_center: CommandCenter


@pytest.fixture
def city(db: Any) -> City:
    nantong = _region("320600", "南通市", "city", "city", None, 120.0, 2.0)
    chongchuan = _region("320613", "崇川区", "county", "district", nantong, 120.8, 0.4)
    tongzhou = _region("320612", "通州区", "county", "district", nantong, 121.0, 0.4)
    heping = _region("320613001", "和平桥街道", "town", "street", chongchuan, 120.8, 0.1)
    chengdong = _region("320613002", "城东街道", "town", "street", chongchuan, 120.9, 0.1)
    jinsha = _region("320612001", "金沙街道", "town", "street", tongzhou, 121.0, 0.1)
    communities = [
        _region(f"{town.code}001", f"{town.name}一社区", "community", "community", town, lon, 0.05)
        for town, lon in ((heping, 120.8), (chengdong, 120.9), (jinsha, 121.0))
    ]
    for seq in (1, 2):
        _grid(communities[0], seq)
    _grid(communities[1], 1)
    _grid(communities[1], 2, site_type="school")
    for seq in (1, 2):
        _grid(communities[2], seq)

    police = Department.objects.create(
        code="CITY-GA",
        name="南通市公安局",
        short_name="市公安局",
        kind="bureau",
        tier="city",
        region=nantong,
        duties="社会治安",
    )
    cc_police = Department.objects.create(
        code="CC-GA",
        name="崇川公安分局",
        short_name="崇川分局",
        kind="bureau",
        tier="county",
        region=chongchuan,
        parent=police,
        duties="社会治安",
    )
    Department.objects.create(
        code="TZ-GA",
        name="通州公安分局",
        short_name="通州分局",
        kind="bureau",
        tier="county",
        region=tongzhou,
        parent=police,
        duties="社会治安",
    )

    city_center = CommandCenter.objects.create(name="南通市指挥中心", tier="city", region=nantong)
    cc_center = CommandCenter.objects.create(
        name="崇川区指挥中心", tier="county", region=chongchuan, parent=city_center
    )
    tz_center = CommandCenter.objects.create(
        name="通州区指挥中心", tier="county", region=tongzhou, parent=city_center
    )
    for town, parent in ((heping, cc_center), (chengdong, cc_center), (jinsha, tz_center)):
        CommandCenter.objects.create(
            name=f"{town.name}指挥中心", tier="town", region=town, parent=parent
        )
    Stationing.objects.create(center=city_center, department=police, staff_count=3)
    Stationing.objects.create(center=cc_center, department=cc_police, staff_count=2)
    return City(nantong, chongchuan, tongzhou, city_center, cc_center)


@pytest.fixture
def city_dispatcher(make_user: Any, city: City) -> Any:
    user = make_user("dispatcher", full_name="王调度")
    assign_role(user, "city_dispatcher", actor=None, center=city.city_center)
    return user


@pytest.fixture
def county_dispatcher(make_user: Any, city: City) -> Any:
    user = make_user("chongchuan", full_name="李调度")
    assign_role(user, "county_dispatcher", actor=None, center=city.chongchuan_center)
    return user


def _login(
    client: Client,
    username: str,
    password: str = DEMO_TEST_PASSWORD,
    *,
    next_url: str | None = None,
    address: str = "127.0.0.1",
) -> Any:
    data = {"username": username, "password": password}
    if next_url is not None:
        data["next"] = next_url
    return client.post(LOGIN, data, REMOTE_ADDR=address)


# --- the login page ---


def test_login_page_is_in_chinese_by_default(client: Client) -> None:
    response = client.get(LOGIN)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "登录" in html
    assert "用户名" in html


def test_the_language_switcher_turns_the_page_english(client: Client) -> None:
    switched = client.post(reverse("set_language"), {"language": "en", "next": LOGIN})
    assert switched.status_code == 302
    assert switched["Location"] == LOGIN
    html = client.get(LOGIN).content.decode()
    assert '<html lang="en">' in html
    assert "Sign in" in html
    assert "登录" not in html


def test_the_language_cookie_alone_chooses_english(client: Client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Username" in client.get(LOGIN).content.decode()


def test_a_wrong_password_shows_the_error_and_keeps_the_username(
    client: Client, make_user: Any
) -> None:
    make_user("frank")
    response = _login(client, "frank", "not-the-password")
    assert response.status_code == 200
    html = response.content.decode()
    assert "用户名或密码错误" in html
    assert 'value="frank"' in html
    assert 'name="password"' in html
    assert "not-the-password" not in html
    assert "_auth_user_id" not in client.session


def test_repeated_wrong_passwords_lock_the_account(client: Client, make_user: Any) -> None:
    make_user("grace")
    for _ in range(settings.LOGIN_MAX_FAILURES):
        assert "用户名或密码错误" in _login(client, "grace", "wrong").content.decode()
    # Now even the right password is refused, and the page says why.
    response = _login(client, "grace")
    assert "锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_right_password_signs_in_and_goes_home(client: Client, make_user: Any) -> None:
    user = make_user("heidi")
    response = _login(client, "heidi")
    assert response.status_code == 302
    assert response["Location"] == HOME
    assert client.session["_auth_user_id"] == str(user.pk)


def test_next_is_followed_only_on_this_site(client: Client, make_user: Any) -> None:
    make_user("ivan")
    assert _login(client, "ivan", next_url="/admin/")["Location"] == "/admin/"
    client.logout()
    assert _login(client, "ivan", next_url="https://evil.example/")["Location"] == HOME


def test_the_login_form_carries_next_from_the_query(client: Client) -> None:
    html = client.get(LOGIN, {"next": "/admin/"}).content.decode()
    assert 'name="next" value="/admin/"' in html


def test_a_signed_in_user_is_sent_home_from_the_login_page(client: Client, make_user: Any) -> None:
    client.force_login(make_user("judy"))
    response = client.get(LOGIN)
    assert response.status_code == 302
    assert response["Location"] == HOME


def test_login_posts_need_the_csrf_token(make_user: Any) -> None:
    make_user("mallory")
    strict = Client(enforce_csrf_checks=True)
    refused = strict.post(LOGIN, {"username": "mallory", "password": DEMO_TEST_PASSWORD})
    assert refused.status_code == 403

    strict.get(LOGIN)  # sets the CSRF cookie, as a browser would
    token = strict.cookies[settings.CSRF_COOKIE_NAME].value
    accepted = strict.post(
        LOGIN, {"username": "mallory", "password": DEMO_TEST_PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert accepted.status_code == 302


@override_settings(RATE_LIMIT_LOGIN="3/m")
def test_login_posts_are_rate_limited_per_address(client: Client, make_user: Any) -> None:
    codes = [
        _login(client, f"nobody{i}", "wrong", address="10.0.0.7").status_code for i in range(4)
    ]
    assert codes == [200, 200, 200, 429]
    limited = _login(client, "nobody9", "wrong", address="10.0.0.7")
    assert limited["Retry-After"] == "60"
    html = limited.content.decode()
    assert "尝试登录次数过多" in html
    assert 'value="nobody9"' in html
    # Another address is not held back.
    assert _login(client, "nobody9", "wrong", address="10.0.0.8").status_code == 200


@override_settings(RATE_LIMIT_LOGIN="3/m")
def test_login_posts_are_rate_limited_per_username(client: Client, make_user: Any) -> None:
    make_user("oscar")
    codes = [_login(client, "oscar", "wrong", address=f"10.0.1.{i}").status_code for i in range(3)]
    assert codes == [200, 200, 200]
    # A fourth guess from a fresh address is refused before the password is even checked.
    response = _login(client, "Oscar", address="10.0.1.99")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_demo_hint_appears_only_when_configured(client: Client) -> None:
    assert "yw-hint" not in client.get(LOGIN).content.decode()
    with override_settings(DEMO_LOGIN_HINT="演示账号：city_dispatcher"):
        assert "演示账号：city_dispatcher" in client.get(LOGIN).content.decode()


# --- signing out ---


def test_sign_out_is_post_only(client: Client, make_user: Any) -> None:
    client.force_login(make_user("kim"))
    assert client.get("/logout/").status_code == 405
    assert "_auth_user_id" in client.session

    response = client.post("/logout/")
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert "_auth_user_id" not in client.session
    assert client.get(HOME).status_code == 302


# --- the home page ---


def test_home_needs_a_signed_in_user(client: Client) -> None:
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/"


def test_home_counts_the_whole_city_for_a_city_dispatcher(
    client: Client, city_dispatcher: Any
) -> None:
    client.force_login(city_dispatcher)
    response = client.get(HOME)
    assert response.status_code == 200
    counts = response.context["counts"]
    assert (counts.counties, counts.towns, counts.communities) == (2, 3, 3)
    assert (counts.comprehensive_grids, counts.special_grids) == (5, 1)
    assert (counts.city_departments, counts.county_departments) == (1, 2)
    assert (counts.city_centers, counts.county_centers, counts.town_centers) == (1, 2, 3)
    assert (counts.stationed_departments, counts.stationed_staff) == (2, 5)

    html = response.content.decode()
    assert "王调度" in html
    assert "市级指挥中心调度员" in html
    assert "全市" in html  # the scope
    assert "综合网格" in html
    rows = {row.name: row for row in response.context["county_rows"]}
    assert set(rows) == {"崇川区", "通州区"}
    assert (rows["崇川区"].towns, rows["崇川区"].comprehensive_grids) == (2, 3)
    assert rows["崇川区"].special_grids == 1
    assert (rows["通州区"].towns, rows["通州区"].comprehensive_grids) == (1, 2)


def test_home_passes_chart_and_map_data_as_json(client: Client, city_dispatcher: Any) -> None:
    client.force_login(city_dispatcher)
    html = client.get(HOME).content.decode()
    chart = json.loads(_json_block(html, "grid-chart-data"))
    assert chart["counties"] == ["通州区", "崇川区"]  # ordered by code: 320612, 320613
    assert [s["name"] for s in chart["series"]] == ["综合网格", "专属网格"]
    assert chart["series"][0]["data"] == [2, 3]
    assert chart["series"][1]["data"] == [0, 1]
    labels = json.loads(_json_block(html, "map-labels"))
    assert {label["name"] for label in labels} == {"崇川区", "通州区"}
    assert 'data-county-url="/api/v1/geo/boundaries?level=county"' in html
    assert 'data-town-url="/api/v1/geo/boundaries?level=town"' in html


def test_home_counts_only_what_a_county_dispatcher_may_see(
    client: Client, county_dispatcher: Any
) -> None:
    client.force_login(county_dispatcher)
    response = client.get(HOME)
    counts = response.context["counts"]
    assert (counts.counties, counts.towns, counts.communities) == (1, 2, 2)
    assert (counts.comprehensive_grids, counts.special_grids) == (3, 1)
    # Plus the city's departments and center above it, where it escalates to.
    assert (counts.city_departments, counts.county_departments) == (1, 1)
    assert (counts.city_centers, counts.county_centers, counts.town_centers) == (1, 1, 2)
    assert (counts.stationed_departments, counts.stationed_staff) == (2, 5)
    assert [row.name for row in response.context["county_rows"]] == ["崇川区"]

    html = response.content.decode()
    assert "县级指挥中心调度员" in html
    assert "崇川区指挥中心" in html
    assert "通州区" not in html
    assert response.context["scope"].places == ["崇川区"]


def test_home_for_a_grid_worker_counts_their_grids_and_towns_once(
    client: Client, make_user: Any, city: City
) -> None:
    worker = make_user("gridworker", full_name="赵网格")
    grids = list(Grid.objects.filter(town__code="320613001"))
    assert len(grids) == 2
    assign_role(worker, "grid_worker", actor=None, grids=grids)
    client.force_login(worker)
    response = client.get(HOME)
    counts = response.context["counts"]
    # The town is reached through both grids, and is still one town.
    assert (counts.counties, counts.towns, counts.comprehensive_grids) == (0, 1, 2)
    rows = response.context["county_rows"]
    assert [(r.name, r.towns, r.comprehensive_grids) for r in rows] == [("崇川区", 1, 2)]
    assert response.context["map_labels"] == []
    assert response.context["scope"].places == ["2 个网格"]
    html = response.content.decode()
    assert "网格员" in html
    assert "和平桥街道" in html


def test_home_for_someone_without_a_role_shows_nothing_and_says_why(
    client: Client, make_user: Any, city: City
) -> None:
    client.force_login(make_user("newcomer"))
    response = client.get(HOME)
    assert response.status_code == 200
    assert response.context["counts"].grids == 0
    assert "尚未为您分配角色" in response.content.decode()


def test_home_in_english(client: Client, city_dispatcher: Any) -> None:
    client.force_login(city_dispatcher)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(HOME).content.decode()
    assert "Organisation at a glance" in html
    assert "City center dispatcher" in html
    assert "the whole city" in html


def test_home_sends_the_csp_and_has_no_inline_script(client: Client, city_dispatcher: Any) -> None:
    client.force_login(city_dispatcher)
    response = client.get(HOME)
    assert "script-src 'self'" in response["Content-Security-Policy"]
    html = response.content.decode()
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, flags=re.DOTALL)
    assert len(scripts) >= 5  # echarts, two page scripts, two json_script blocks
    for attributes, body in scripts:
        if 'type="application/json"' in attributes:
            continue
        assert "src=" in attributes, attributes
        assert body.strip() == "", body[:80]
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler"
    assert "javascript:" not in html


def test_home_needs_few_queries(
    client: Client, city_dispatcher: Any, django_assert_max_num_queries: Any
) -> None:
    client.force_login(city_dispatcher)
    # session + user (2), role assignments for the header (1), scope (2), the page's figures
    # (8), saving the sliding session (3).
    with django_assert_max_num_queries(16):
        assert client.get(HOME).status_code == 200


def test_home_query_count_does_not_grow_with_the_city(
    client: Client, county_dispatcher: Any, city: City, django_assert_max_num_queries: Any
) -> None:
    client.force_login(county_dispatcher)
    for town in Region.objects.filter(level="town"):
        community = town.children.get()
        for seq in range(10, 20):
            _grid(community, seq)
    with django_assert_max_num_queries(16):
        assert client.get(HOME).status_code == 200


# --- error pages ---


def test_unknown_pages_get_the_styled_404(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "页面不存在" in html
    assert "yiwang.css" in html


def test_the_500_page_renders_without_a_request_context(rf: Any) -> None:
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert "服务器错误" in html
    assert "yiwang.css" in html


def _json_block(html: str, element_id: str) -> str:
    match = re.search(
        rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.DOTALL
    )
    assert match, element_id
    return match.group(1)
