"""Searching the knowledge base as an agent does: ranked, filtered, highlighted, never an
expired or draft entry, and the index follows every change without a rebuild."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from yiwang.core.errors import ValidationFailed
from yiwang.hotline import knowledge
from yiwang.hotline.knowledge import search_knowledge
from yiwang.hotline.models import EntryStatus, KnowledgeEntry, SynonymGroup
from yiwang.hotline.services import create_entry, save_synonym_group, update_entry

pytestmark = pytest.mark.django_db


def _entry(steward: Any, ref: str, q: str, a: str, **extra: Any) -> KnowledgeEntry:
    return create_entry(
        {"reference": ref, "question": q, "answer": a, "status": "published", **extra},
        actor=steward,
    )


def test_the_real_faq_answer_comes_first_with_highlights(kb: Any) -> None:
    hits = search_knowledge("失业保险金能领多久", limit=3)
    assert hits[0].question == "失业保险金能领多久？"
    assert hits[0].question_html == "<mark>失业保险金</mark>能领<mark>多久</mark>？"
    assert hits[0].category == "H0504"
    assert hits[0].department  # the category's default department, by name
    assert hits[0].score > hits[-1].score or len(hits) == 1


def test_highlights_escape_the_text(steward: Any) -> None:
    _entry(steward, "x-1", "井盖<script>丢了怎么办", "井盖 & 路灯由市政维护。")
    hit = search_knowledge("井盖", limit=1)[0]
    assert hit.question_html == "<mark>井盖</mark>&lt;script&gt;丢了怎么办"
    assert "&amp;" in hit.answer_html


def test_drafts_expired_and_out_of_date_entries_are_never_suggested(steward: Any) -> None:
    today = timezone.localdate()
    _entry(steward, "ok", "公积金提取条件", "答复。")
    _entry(steward, "draft", "公积金提取材料", "答复。", status="draft")
    _entry(steward, "expired", "公积金提取流程", "答复。", status="expired")
    _entry(steward, "past", "公积金提取时间", "答复。", expires_on=str(today - timedelta(days=1)))
    _entry(steward, "future", "公积金提取地点", "答复。", effective_from=str(today + timedelta(1)))
    assert [h.reference for h in search_knowledge("公积金提取", limit=10)] == ["ok"]
    everything = search_knowledge("公积金提取", limit=10, include_unpublished=True)
    shown = {h.reference for h in everything}
    assert {"ok", "draft", "expired"} <= shown


def test_filters_by_category_department_and_area(kb: Any) -> None:
    sample = (
        KnowledgeEntry.objects.suggestible()
        .filter(external_id__startswith="kb-demo", answer__contains="热线")
        .select_related("category")
        .order_by("external_id")[3]
    )
    code = sample.category.code
    by_category = search_knowledge("热线", limit=10, category=code)
    assert by_category and all(h.category == code for h in by_category)
    assert len(search_knowledge("热线", limit=10)) == 10
    by_class = search_knowledge("热线", limit=10, category=code[:3])
    assert by_class and all(h.category and h.category.startswith(code[:3]) for h in by_class)
    some = by_category[0]
    by_department = search_knowledge("热线", limit=10, department=some.department)
    assert by_department and all(h.department == some.department for h in by_department)
    from yiwang.geo.models import Region

    county = Region.objects.filter(level="county").order_by("code").first()
    other = Region.objects.filter(level="county").exclude(pk=county.pk).first()
    query = f"{other.name} 热线"
    anywhere = KnowledgeEntry.objects.in_bulk([h.id for h in search_knowledge(query, limit=20)])
    assert any(e.area_id == other.pk for e in anywhere.values())
    in_area = search_knowledge(query, limit=20, area=county.code)
    entries = KnowledgeEntry.objects.in_bulk([h.id for h in in_area])
    assert len(in_area) == 20
    assert all(entries[h.id].area_id in (None, county.pk) for h in in_area)
    with pytest.raises(ValidationFailed) as exc:
        search_knowledge("井盖", area="nowhere")
    assert exc.value.field == "area"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "请输入要搜索的内容"),
        ("   ", "请输入要搜索的内容"),
        ("请问一下，这个是什么？", "只有常用词"),
    ],
)
def test_bad_queries_are_refused_with_a_reason(db: Any, query: str, message: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        search_knowledge(query)
    assert exc.value.field == "q"
    assert message in exc.value.message


def test_an_over_long_query_is_refused(db: Any) -> None:
    with pytest.raises(ValidationFailed, match="过长"):
        search_knowledge("公积金" * 200)


def test_synonyms_from_the_admin_find_the_other_word(steward: Any) -> None:
    _entry(steward, "taxi", "出租车多收费怎么办", "可向交通运输部门投诉。")
    _entry(steward, "lamp", "路灯不亮找谁", "由城管部门维护。")
    assert search_knowledge("的士", limit=5) == []
    save_synonym_group(SynonymGroup(terms="出租车，的士"), actor=steward)
    hits = search_knowledge("的士", limit=5)
    assert [h.reference for h in hits] == ["taxi"]
    assert hits[0].question_html == "<mark>出租车</mark>多收费怎么办"


def test_the_default_synonyms_are_loaded(steward: Any) -> None:
    _entry(steward, "gjj", "住房公积金贷款额度", "最高可贷60万元。")
    assert {"公积金 住房公积金", "社保 社会保险"} <= set(
        SynonymGroup.objects.values_list("terms", flat=True)
    )
    assert search_knowledge("公积金", limit=1)[0].reference == "gjj"


def test_an_edit_is_searchable_at_once_without_a_rebuild(steward: Any) -> None:
    entry = _entry(steward, "lamp", "路灯不亮找谁", "由城管部门维护。")
    assert search_knowledge("路灯", limit=1)[0].reference == "lamp"
    state = knowledge._current()
    update_entry(entry, {"question": "井盖缺失找谁"}, actor=steward)
    assert search_knowledge("井盖", limit=1)[0].reference == "lamp"
    with pytest.raises(ValidationFailed):
        search_knowledge("的")
    assert search_knowledge("路灯不亮", limit=5) == []
    assert knowledge._current() is state  # updated in place, not rebuilt
    update_entry(entry, {"status": EntryStatus.EXPIRED}, actor=steward)
    assert search_knowledge("井盖", limit=5) == []


def test_another_process_catches_up_from_the_shared_version(steward: Any) -> None:
    entry = _entry(steward, "lamp", "路灯不亮找谁", "由城管部门维护。")
    state = knowledge._current()
    # Another process saves: the row changes and the shared version moves; this process's
    # index has not seen the save.
    KnowledgeEntry.objects.filter(pk=entry.pk).update(
        question="燃气泄漏怎么办", updated_at=timezone.now()
    )
    knowledge._announce(knowledge.ENTRIES_VERSION_KEY)
    state.fresh_until = 0.0
    assert search_knowledge("燃气泄漏", limit=1)[0].reference == "lamp"
    assert knowledge._current() is state


def test_a_dictionary_word_from_the_admin_is_cut_whole(steward: Any) -> None:
    from yiwang.hotline.models import DictionaryWord
    from yiwang.hotline.services import save_dictionary_word
    from yiwang.nlp.tokenize import tokenize

    _entry(steward, "card", "濠河夜游卡怎么办理", "到游客中心办理。")
    search_knowledge("办理", limit=1)  # the index exists before the word does
    assert "濠河夜游卡" not in tokenize("濠河夜游卡")
    save_dictionary_word(DictionaryWord(word="濠河夜游卡"), actor=steward)
    hit = search_knowledge("濠河夜游卡", limit=1)[0]
    assert hit.reference == "card"
    assert hit.question_html.startswith("<mark>濠河夜游卡</mark>")
    assert "濠河夜游卡" in tokenize("濠河夜游卡")
    with pytest.raises(ValidationFailed):
        save_dictionary_word(DictionaryWord(word="两个 词"), actor=steward)
