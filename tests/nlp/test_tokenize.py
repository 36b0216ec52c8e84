"""The shared Chinese tokenizer."""

from concurrent.futures import ThreadPoolExecutor

from yiwang.nlp.tokenize import add_words, reset, tokenize


def test_domain_terms_are_kept_whole_and_their_parts_are_searchable():
    tokens = tokenize("住房公积金怎么提取？")
    assert "住房公积金" in tokens
    assert "公积金" in tokens
    assert "提取" in tokens


def test_lower_cases_and_drops_punctuation_and_stop_words():
    tokens = tokenize("请问，我的 WiFi 社保卡丢了怎么办！！")
    assert "wifi" in tokens
    assert "社保卡" in tokens
    for gone in ("，", "！", " ", "的", "请问", "我", "了"):
        assert gone not in tokens


def test_empty_and_stop_word_only_text_give_no_tokens():
    assert tokenize("") == []
    assert tokenize("   ") == []
    assert tokenize("请问一下，这个是什么？吗") == []


def test_full_width_text_is_normalised():
    assert tokenize("ＡＢＣ１２３") == ["abc123"]


def test_added_words_are_cut_whole():
    try:
        assert "濠河夜游卡" not in tokenize("濠河夜游卡怎么买")
        add_words(["濠河夜游卡"])
        assert "濠河夜游卡" in tokenize("濠河夜游卡怎么买")
    finally:
        reset()
    assert "濠河夜游卡" not in tokenize("濠河夜游卡怎么买")


def test_callable_from_many_threads_with_the_same_result():
    text = "失业保险金能领多久？电子居住证怎么申领"
    expected = tokenize(text)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: tokenize(text), range(200)))
    assert all(r == expected for r in results)
