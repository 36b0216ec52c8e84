"""Hot topics: keywords that rise against the baseline, clusters that group similar requests."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from tests.opinion.conftest import client_for, dispatcher_elsewhere, file_orders
from tests.workorders.factories import City
from yiwang.opinion.clusters import cluster_texts
from yiwang.opinion.keywords import hot_keywords, log_likelihood
from yiwang.opinion.text import terms

PLANTED = {
    "lights": "{estate}小区门口路灯不亮，晚上出行很不方便，路灯不亮已经{n}天",
    "noise": "{estate}旁边建筑工地夜间施工噪音扰民，半夜施工噪音影响休息",
    "fumes": "{estate}楼下餐馆油烟直排，油烟扰民，餐饮油烟熏得窗户不能开",
}
ESTATES = ["文峰花园", "紫琅苑", "濠东新村", "和平新村", "永兴佳苑", "城东小区"]
OTHERS = [
    "咨询社保缴费年限怎么计算",
    "公积金提取需要什么材料",
    "孩子入学报名时间是什么时候",
    "老板拖欠工资三个月不给",
    "物业不作为电梯经常坏",
    "公交线路调整后出行不便",
    "自来水水质发黄有异味",
    "医院挂号排队时间太长",
    "快递丢件快递公司不赔偿",
    "宅基地审批流程咨询",
    "预付卡商家跑路无法退款",
    "出租车拒载绕路",
]


def _corpus(seed: int = 7) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    texts, truth = [], []
    for group, template in PLANTED.items():
        for _ in range(25):
            texts.append(template.format(estate=rng.choice(ESTATES), n=rng.randint(2, 9)))
            truth.append(group)
    for text in OTHERS * 3:
        texts.append(text)
        truth.append("other")
    return texts, truth


def test_clusters_group_planted_similar_requests() -> None:
    texts, truth = _corpus()
    docs = [terms(t) for t in texts]
    clusters = cluster_texts(
        docs,
        numbers=[f"N{i}" for i in range(len(docs))],
        titles=texts,
        day_index=[i % 7 for i in range(len(docs))],
        days=7,
    )
    by_group: dict[str, Counter[int]] = {g: Counter() for g in PLANTED}
    for index, cluster in enumerate(clusters):
        groups = Counter(truth[m] for m in cluster.members)
        # No cluster mixes planted topics, nor pads one with unrelated requests.
        (_top, top_count), *_ = groups.most_common()
        assert top_count / cluster.count >= 0.9, (cluster.label, groups)
        for group, n in groups.items():
            if group in by_group:
                by_group[group][index] += n
    for group, placed in by_group.items():
        # Each planted topic is one cluster, holding (nearly) all of its requests.
        index, n = placed.most_common(1)[0]
        assert n >= 22, (group, placed)
        assert clusters[index].count <= 27
    labels = " ".join(c.label for c in clusters)
    assert "路灯" in labels and "油烟" in labels and ("施工" in labels or "噪音" in labels)
    biggest = clusters[0]
    assert biggest.count >= 22 and len(biggest.examples) == 3
    assert sum(biggest.trend) == biggest.count  # the daily trend counts the same requests


def test_too_few_texts_make_no_clusters() -> None:
    assert cluster_texts([["路灯"]], numbers=["N1"], titles=["t"], day_index=[0], days=1) == []


def test_rising_keywords_are_the_ones_more_frequent_than_in_the_baseline() -> None:
    steady = [["垃圾", "清运"]] * 20 + [["路灯", "维修"]] * 20
    now = [["垃圾", "清运"]] * 10 + [["路灯", "维修"]] * 10 + [["停水", "自来水"]] * 10
    used, rising = hot_keywords(now, [0] * len(now), 1, steady)
    assert {k.term for k in used} >= {"垃圾", "路灯", "停水"}
    assert [k.term for k in rising][:2] == ["停水", "自来水"] or {k.term for k in rising[:2]} == {
        "停水",
        "自来水",
    }
    assert "垃圾" not in {k.term for k in rising}
    water = next(k for k in used if k.term == "停水")
    assert water.count == 10 and water.baseline == 0 and water.trend == [10]
    assert log_likelihood(10, 30, 0, 40) > 3.84 > log_likelihood(10, 30, 20, 40)


def test_request_boilerplate_is_not_a_keyword() -> None:
    assert terms("市民来电反映：希望相关部门尽快处理小区路灯问题") == ["路灯"]


@pytest.mark.django_db
def test_hot_topics_cover_only_what_the_user_may_see(city: City) -> None:
    from yiwang.opinion.analysis import hot_topics
    from yiwang.opinion.corpus import Period
    from yiwang.opinion.domains import get_domain

    file_orders(city, 6, days_ago=1, description="小区门口路灯不亮，晚上出行不便。")
    file_orders(
        city, 4, days_ago=2, description="工地夜间施工噪音扰民", point=city.other_county_point
    )
    far = dispatcher_elsewhere(city)
    period = Period.last_days(7)
    everything = hot_topics(city["leader"], period, get_domain("all"), use_cache=False)
    mine = hot_topics(city["county_dispatcher"], period, get_domain("all"), use_cache=False)
    theirs = hot_topics(far, period, get_domain("all"), use_cache=False)
    assert (everything.total, mine.total, theirs.total) == (10, 6, 4)
    assert any("路灯" in k.term for k in mine.keywords)
    assert not any("路灯" in k.term for k in theirs.keywords)
    assert sum(n for _d, n in mine.daily) == 6

    response = client_for(city["county_dispatcher"]).get("/api/v1/opinion/hot-topics?domain=all")
    assert response.status_code == 200
    assert response.json()["total"] == 6


@pytest.mark.django_db
def test_hot_topics_page_in_chinese(city: City) -> None:
    file_orders(city, 6, days_ago=1)
    page = client_for(city["leader"]).get("/opinion/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "热点话题" in html and "热词" in html and 'id="topics-total">6<' in html
    assert "政情民意" in html  # the main navigation's entry


@pytest.mark.django_db
def test_a_bad_period_is_named_beside_its_field(city: City) -> None:
    page = client_for(city["leader"]).get("/opinion/?domain=all&start=2026-05-02&end=2026-05-01")
    assert page.status_code == 400
    assert "开始日期不能晚于结束日期" in page.content.decode()
    api = client_for(city["leader"]).get("/api/v1/opinion/hot-topics?domain=nowhere")
    assert api.status_code == 422
    assert api.json()["error"]["details"] == {"field": "domain"}


@pytest.mark.django_db
def test_departments_and_grid_workers_have_no_opinion_pages(city: City) -> None:
    assert client_for(city["dept_handler"]).get("/opinion/").status_code == 403
    assert client_for(city["grid_worker"]).get("/api/v1/opinion/hot-topics").status_code == 403
