"""The BM25F index: ranking, field weights, filters, and single-document updates."""

from itertools import pairwise

import pytest

from yiwang.nlp.search import BM25Index
from yiwang.nlp.tokenize import tokenize


def _doc(question: str, answer: str) -> dict[str, list[str]]:
    return {"question": tokenize(question), "answer": tokenize(answer)}


@pytest.fixture
def index() -> BM25Index:
    idx = BM25Index({"question": 2.0, "answer": 1.0})
    idx.put(1, _doc("住房公积金怎么提取", "可以到公积金中心办理提取手续。"))
    idx.put(2, _doc("社保卡丢了怎么补办", "携带身份证到社保经办机构补办社保卡。"))
    idx.put(3, _doc("路灯不亮找谁", "路灯由城管部门维护。"))
    idx.put(4, _doc("办理居住证需要什么", "如需提取材料，请到派出所。住房证明也可以。"))
    return idx


def _q(text: str) -> dict[str, float]:
    return dict.fromkeys(tokenize(text), 1.0)


def test_ranks_the_document_about_the_query_first(index: BM25Index) -> None:
    hits = index.search(_q("公积金提取"), limit=3)
    assert hits[0].doc_id == 1
    assert [h.doc_id for h in index.search(_q("社保卡补办"), limit=1)] == [2]
    assert all(a.score >= b.score for a, b in pairwise(hits))


def test_a_word_in_the_question_counts_more_than_in_the_answer(index: BM25Index) -> None:
    index.put(5, _doc("材料清单", "办理居住证时带上户口本。"))
    hits = index.search(_q("居住证"), limit=2)
    assert [h.doc_id for h in hits] == [4, 5]


def test_no_match_gives_nothing(index: BM25Index) -> None:
    assert index.search(_q("无人机航拍"), limit=5) == []
    assert index.search({}, limit=5) == []


def test_accept_filters_without_losing_places(index: BM25Index) -> None:
    hits = index.search(_q("提取 补办 路灯"), limit=2, accept=lambda d: d != 2)
    assert 2 not in [h.doc_id for h in hits]
    assert len(hits) == 2


def test_put_replaces_and_remove_forgets_one_document(index: BM25Index) -> None:
    index.put(3, _doc("井盖缺失找谁", "井盖由市政部门维护。"))
    assert index.search(_q("路灯"), limit=5) == []
    assert [h.doc_id for h in index.search(_q("井盖"), limit=5)] == [3]
    assert index.remove(3) is True
    assert index.remove(3) is False
    assert index.search(_q("井盖"), limit=5) == []
    assert len(index) == 3
    index.put(6, _doc("井盖又丢了", "请拨打12345。"))  # reuses the freed slot
    assert [h.doc_id for h in index.search(_q("井盖"), limit=5)] == [6]


def test_the_same_result_as_a_fresh_build_after_updates(index: BM25Index) -> None:
    index.put(1, _doc("公积金贷款额度", "最高可贷60万元。"))
    fresh = BM25Index({"question": 2.0, "answer": 1.0})
    for doc_id, q, a in [
        (1, "公积金贷款额度", "最高可贷60万元。"),
        (2, "社保卡丢了怎么补办", "携带身份证到社保经办机构补办社保卡。"),
        (3, "路灯不亮找谁", "路灯由城管部门维护。"),
        (4, "办理居住证需要什么", "如需提取材料，请到派出所。住房证明也可以。"),
    ]:
        fresh.put(doc_id, _doc(q, a))
    for query in ("公积金", "补办 社保卡", "提取 材料", "住房"):
        a = [(h.doc_id, round(h.score, 6)) for h in index.search(_q(query), limit=4)]
        b = [(h.doc_id, round(h.score, 6)) for h in fresh.search(_q(query), limit=4)]
        assert a == b, query


def test_many_documents_grow_the_index() -> None:
    idx = BM25Index({"text": 1.0})
    for i in range(500):
        idx.put(i, {"text": [f"w{i}", "common"]})
    assert len(idx) == 500
    assert [h.doc_id for h in idx.search({"w321": 1.0}, limit=3)] == [321]
    assert len(idx.search({"common": 1.0}, limit=50)) == 50
