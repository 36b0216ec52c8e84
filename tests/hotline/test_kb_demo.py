"""The demo knowledge base: the 84 real FAQ entries among generated ones, deterministic from
the seed, with some drafts and expired entries that search never suggests."""

from __future__ import annotations

from typing import Any

import pytest

from yiwang.geo.models import Region
from yiwang.hotline.demo import _generate, load_real_faq
from yiwang.hotline.knowledge import search_knowledge
from yiwang.hotline.models import EntryStatus, KnowledgeEntry, KnowledgeVersion

pytestmark = pytest.mark.django_db


def test_the_small_demo_has_the_real_entries_and_generated_ones(kb: Any) -> None:
    assert len(load_real_faq()) == 84
    real = KnowledgeEntry.objects.filter(external_id__startswith="faq-")
    assert real.count() == 84
    assert all(e.status == EntryStatus.PUBLISHED and e.source for e in real)
    assert real.filter(category__isnull=False).count() == 84
    generated = KnowledgeEntry.objects.filter(external_id__startswith="kb-demo-")
    assert generated.count() == 600
    assert KnowledgeVersion.objects.count() == 684
    assert generated.filter(status=EntryStatus.DRAFT).exists()
    hidden = {e.external_id for e in generated if not e.is_suggestible()}
    assert hidden
    hits = search_knowledge("热线 办理", limit=50)
    assert hits and not {h.reference for h in hits} & hidden


def test_generation_is_deterministic_from_the_seed(kb_city: Any) -> None:
    counties = list(Region.objects.filter(level="county").order_by("code"))
    first = [t for t, *_ in _generate(300, 7, counties)]
    again = [t for t, *_ in _generate(300, 7, counties)]
    other = [t for t, *_ in _generate(300, 8, counties)]
    assert first == again
    assert first != other
    assert len({t["question"] for t in first}) == 300
