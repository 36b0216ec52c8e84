"""Chinese tokenisation shared by search, routing and opinion analytics.

``tokenize(text)`` cuts text with jieba in search mode (a long word and the dictionary words
inside it: 住房公积金 → 住房, 公积金, 住房公积金), lower-cases it, and drops whitespace,
punctuation, symbols and Chinese stop words. It is deterministic and may be called from any
thread.

The jieba dictionary is jieba's own plus a domain dictionary of government terms bundled here
(``DOMAIN_TERMS``) and the category names and keywords of the work-order catalogue
(``workorders/data/categories.json``). It is loaded once per process, on first use. More words
can be added at run time with :func:`add_words` (the knowledge base adds the words that data
stewards maintain in the admin); a word once added stays until :func:`reset` .
"""

from __future__ import annotations

import json
import logging
import re
import threading
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import jieba

__all__ = ["DOMAIN_TERMS", "STOP_WORDS", "add_words", "is_stop_word", "reset", "tokenize"]

# Government and city-service terms jieba's general dictionary cuts badly or not at all. Each
# is added with a high frequency so that it wins over a split into shorter words.
DOMAIN_TERMS: tuple[str, ...] = (
    # social insurance and employment
    "社保",
    "社保卡",
    "社会保险",
    "社会保障卡",
    "养老保险",
    "医疗保险",
    "失业保险",
    "工伤保险",
    "生育保险",
    "失业保险金",
    "失业金",
    "养老金",
    "退休金",
    "医保",
    "医保卡",
    "城乡居民医保",
    "城乡居民养老保险",
    "企业职工基本养老保险",
    "基本养老保险",
    "缴费年限",
    "最低缴费年限",
    "补缴",
    "异地就医",
    "大病救助",
    "大病保险",
    "丧葬补助金",
    "抚恤金",
    "创业担保贷款",
    "就业补贴",
    "社保补贴",
    "灵活就业",
    "灵活就业人员",
    "劳动合同",
    "劳动仲裁",
    "劳动监察",
    "拖欠工资",
    "农民工工资",
    "欠薪",
    "人社局",
    # housing
    "公积金",
    "住房公积金",
    "公积金贷款",
    "公积金提取",
    "商品房",
    "二手房",
    "公租房",
    "廉租房",
    "保障房",
    "人才公寓",
    "购房补贴",
    "房屋租赁",
    "租赁备案",
    "登记备案",
    "不动产登记",
    "不动产权证",
    "房产证",
    "公摊面积",
    "物业费",
    "物业公司",
    "业主委员会",
    "维修基金",
    "专项维修资金",
    "拆迁",
    "征收补偿",
    "违章建筑",
    "违法建设",
    "群租房",
    # household registration and IDs
    "户籍",
    "户口",
    "落户",
    "入户",
    "积分制",
    "积分制入户",
    "积分落户",
    "随迁",
    "户口迁移",
    "户口迁移证",
    "迁移证",
    "准迁证",
    "居住证",
    "电子居住证",
    "身份证",
    "临时身份证",
    "护照",
    "港澳通行证",
    "出入境",
    "派出所",
    # transport and vehicles
    "驾驶证",
    "行驶证",
    "机动车",
    "电动自行车",
    "电动车",
    "上牌",
    "年检",
    "免检",
    "车管所",
    "科目三",
    "科目二",
    "公交车",
    "公交站",
    "网约车",
    "共享单车",
    "停车位",
    "占道停车",
    "乱停车",
    # city management
    "12345",
    "12345热线",
    "数字城管",
    "网格员",
    "占道经营",
    "流动摊贩",
    "暴露垃圾",
    "垃圾分类",
    "建筑垃圾",
    "渣土车",
    "井盖",
    "窨井盖",
    "路灯",
    "噪音扰民",
    "噪声扰民",
    "油烟扰民",
    "餐饮油烟",
    "广场舞",
    "绿化带",
    "行道树",
    "积水",
    "下水道",
    "化粪池",
    "自来水",
    "停水",
    "停电",
    "燃气",
    "天然气",
    "供暖",
    # social services
    "老年人优待卡",
    "优待卡",
    "低保",
    "最低生活保障",
    "特困供养",
    "残疾人证",
    "高龄津贴",
    "养老服务",
    "居家养老",
    "独生子女",
    "独生子女证",
    "计划生育",
    "出生医学证明",
    "义务教育",
    "入学通知书",
    "学区房",
    "学位",
    "校外培训",
    "营业执照",
    "个体工商户",
    "市场监管",
    "食品安全",
    "消费投诉",
    "知识产权",
    "专利",
    "危险化学品",
    "经营许可",
    "安全生产",
    "移民后期扶持",
    "后扶",
    "政务服务",
    "一网通办",
    "政务服务中心",
)

# Function words, pronouns, politeness and generic question words that say nothing about what a
# text is about. Words that do (多少, 多久, 哪里, 条件, 材料) are deliberately not here.
_STOP_TEXT = """
    的 地 得 了 着 过 吗 呢 吧 啊 呀 哦 嘛 哈 啦 么 呗 喔 哇 嗯 哎 唉
    是 在 有 和 与 及 或 或者 以及 并 并且 而 而且 但 但是 可是 然而 如果 假如 因为 所以 因此 于是
    就 都 也 还 又 才 再 只 很 太 更 最 挺 非常 特别 已经 曾经 正在
    将 会 能 能够 可以 可 要 想 需 应 应该
    把 被 让 给 对 对于 向 从 自 自从 到 于 以 为 为了 由 由于 按 按照 根据 关于 通过 除了 比
    我 你 您 他 她 它 我们 你们 您们 他们 她们 它们 咱 咱们 自己 本人 大家 人家 别人
    这 那 这个 那个 这些 那些 这样 那样 这么 那么 这里 那里 这儿 那儿 此 其 其他 其它 某 某些 每 各
    个 一个 一些 一下 一点 一种 一直 有些 有点 些
    什么 怎么 怎样 怎么样 如何 为何 为什么 哪个 是否 是不是
    有没有 能不能 可不可以 请问 问 问一下 咨询 想问
    请 您好 你好 谢谢 感谢 麻烦 领导 尊敬 老师 同志 师傅 喂
    啥 咋 呃 等 等等 之 之后 之前 以后 以前 以上 以下 上 下 中 里 内 外 时 时候 后 前
    没 没有 不 不是 不能 不会 非 无 否
    该 所 所有 还是 就是 也是 只是 然后 另外 此外 即 即可 则 若 若是 虽然 尽管 即使
    目前 现在 今天 一般 通常 其中 相关 有关 进行 一样 情况
"""
STOP_WORDS: frozenset[str] = frozenset(_STOP_TEXT.split())

_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None
_extra_words: set[str] = set()

_CATEGORIES = Path(__file__).resolve().parent.parent / "workorders" / "data" / "categories.json"

jieba.setLogLevel(logging.WARNING)


def _catalogue_terms() -> list[str]:
    try:
        data = json.loads(_CATEGORIES.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    words: list[str] = []
    for category in data.get("categories", []):
        words.append(str(category.get("name", "")))
        words.extend(str(k) for k in category.get("keywords", []))
    return [w for w in words if 2 <= len(w) <= 8 and "其他" not in w]


def _build() -> jieba.Tokenizer:
    tk = jieba.Tokenizer()
    tk.initialize()
    for word in (*_catalogue_terms(), *DOMAIN_TERMS, *sorted(_extra_words)):
        _add(tk, word)
    return tk


def _add(tk: jieba.Tokenizer, word: str) -> None:
    word = word.strip().lower()
    if word and not any(ch.isspace() for ch in word):
        # A frequency high enough that the word is kept whole; jieba then still emits its
        # dictionary sub-words in search mode.
        tk.add_word(word, freq=max(tk.suggest_freq(word, tune=False), 2000))


def _get() -> jieba.Tokenizer:
    global _tokenizer
    tk = _tokenizer
    if tk is None:
        with _lock:
            if _tokenizer is None:
                _tokenizer = _build()
            tk = _tokenizer
    return tk


def add_words(words: Iterable[str]) -> int:
    """Teach the tokenizer more words (e.g. the knowledge base's dictionary words). Returns
    how many were new. Safe to call from any thread; later calls of ``tokenize`` see them."""
    tk = _get()
    new = 0
    with _lock:
        for word in words:
            w = word.strip().lower()
            if w and w not in _extra_words:
                _extra_words.add(w)
                _add(tk, w)
                new += 1
        if new:
            _run_tokens.cache_clear()
    return new


def reset() -> None:
    """Forget the words added with :func:`add_words` (the next call rebuilds the tokenizer)."""
    global _tokenizer
    with _lock:
        _extra_words.clear()
        _tokenizer = None
        _run_tokens.cache_clear()


def _is_word_char(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return cat[0] in "LN" or ch == "_"


def is_stop_word(token: str) -> bool:
    return token in STOP_WORDS


# jieba cuts each run of these characters on its own (its ``re_han_default``), so a text's
# tokens are its runs' tokens in order; runs repeat a lot (templates, boilerplate), so each is
# cut once and remembered.
_RUN = re.compile(r"([\u4E00-\u9FD5a-zA-Z0-9+#&._%\-]+)")


@lru_cache(maxsize=200_000)
def _run_tokens(run: str) -> tuple[str, ...]:
    tokens = []
    for raw in _get().cut_for_search(run, HMM=False):
        token = "".join(ch for ch in raw if _is_word_char(ch))
        if token and token not in STOP_WORDS:
            tokens.append(token)
    return tuple(tokens)


def tokenize(text: str) -> list[str]:
    """The search tokens of ``text``: lower-cased, no punctuation, no stop words, in text
    order (a long word right after its dictionary sub-words, as jieba emits them).
    Empty for empty text or text of stop words only."""
    if not text:
        return []
    text = unicodedata.normalize("NFKC", text).lower()
    tokens: list[str] = []
    for i, part in enumerate(_RUN.split(text)):
        if i % 2:
            tokens.extend(_run_tokens(part))
        else:
            # Between runs jieba yields single characters; letters outside the runs' range
            # (rare CJK extensions, other scripts) are kept as tokens.
            tokens.extend(ch for ch in part if _is_word_char(ch) and ch not in STOP_WORDS)
    return tokens
