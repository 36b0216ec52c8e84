"""Suggestions: from the published model above the threshold (category, unit from the
catalogue, calibrated confidence), from the catalogue's keywords below it or with no model;
publishing switches the version at once; bad text is refused naming the field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import override_settings

from yiwang.core.errors import ValidationFailed
from yiwang.nlp.models import LabelMapping, ModelStatus, RoutingModel
from yiwang.nlp.routing import suggest_routing
from yiwang.nlp.services import publish_model
from yiwang.workorders.models import Category

pytestmark = pytest.mark.django_db


def test_the_model_suggests_category_and_the_catalogues_unit(
    taxonomy: Any, trained: Callable[..., Any]
) -> None:
    model = trained()
    advice = suggest_routing("世纪大道那边一直断水，家里没水做饭了", k=3)
    assert advice.source == "model" and advice.model_version == model.version
    top = advice.suggestions[0]
    assert (top.category_code, top.category_name) == ("H0801", "停水")
    water = Category.objects.get(code="H0801").default_department
    assert (top.unit_code, top.unit_name, top.unit_id) == (water.code, water.name, water.pk)
    assert len(advice.suggestions) == 3
    confidences = [s.confidence for s in advice.suggestions]
    assert confidences == sorted(confidences, reverse=True)
    assert 0.5 < confidences[0] <= 1 and abs(sum(confidences) - 1) < 0.01


def test_below_the_threshold_the_catalogue_suggests(
    taxonomy: Any, trained: Callable[..., Any]
) -> None:
    model = trained()
    with override_settings(NLP_ROUTING_THRESHOLD=0.999):
        advice = suggest_routing("路口有个垃圾堆，生活垃圾没人清")
    assert advice.source == "catalogue" and advice.model_version == model.version
    assert advice.suggestions[0].category_code == "E0101"
    assert advice.suggestions[0].unit_name


def test_without_a_published_model_the_catalogue_suggests(taxonomy: Any) -> None:
    advice = suggest_routing("小区停水了")
    assert advice.source == "catalogue" and advice.model_version is None
    assert advice.suggestions[0].category_code == "H0801"
    assert suggest_routing("今天天气不错").suggestions == []


def test_publishing_switches_the_version_without_a_restart(
    taxonomy: Any, trained: Callable[..., Any]
) -> None:
    first = trained("first")
    assert suggest_routing("小区停水了").model_version == first.version
    second = trained("second", publish=False, seed=2)
    assert suggest_routing("小区停水了").model_version == first.version  # a draft waits
    publish_model(actor=None, version=second.version)
    assert suggest_routing("小区停水了").model_version == second.version
    statuses = dict(RoutingModel.objects.values_list("version", "status"))
    assert statuses == {first.version: ModelStatus.RETIRED, second.version: ModelStatus.PUBLISHED}


def test_labels_that_are_names_map_to_categories(
    taxonomy: Any, trained: Callable[..., Any]
) -> None:
    """History labelled with names (like the TipDM labels) maps by the mapping table, else
    by an active category's name (a class first), else stays a label without a category."""
    trained(labels={"H0801": "水电气暖", "H0501": "劳动和社会保障", "E0101": "脏乱"})
    by_label = {s.category_name: s for s in suggest_routing("工地欠薪，拖欠工资", k=3).suggestions}
    assert by_label["劳动和社会保障"].category_code == "H05"
    assert by_label["水电气暖"].category_code == "H08"
    assert by_label["脏乱"].category_code is None and by_label["脏乱"].unit_code is None
    LabelMapping.objects.create(label="脏乱", category=Category.objects.get(code="E0101"))
    top = suggest_routing("路边垃圾堆，乱扔垃圾").suggestions[0]
    assert (top.category_code, top.category_name) == ("E0101", "暴露垃圾") and top.unit_code


@pytest.mark.parametrize("text", ["", "   ", "字" * 4001, None])
def test_empty_or_overlong_text_is_refused(taxonomy: Any, text: Any) -> None:
    with pytest.raises(ValidationFailed) as refused:
        suggest_routing(text)
    assert refused.value.field == "text"


def test_k_and_half_a_place_are_refused(taxonomy: Any) -> None:
    with pytest.raises(ValidationFailed) as refused:
        suggest_routing("小区停水了", k=0)
    assert refused.value.field == "k"
    with pytest.raises(ValidationFailed) as refused:
        suggest_routing("小区停水了", lon=120.9)
    assert refused.value.field == "lat"


def test_a_model_that_cannot_be_loaded_leaves_the_catalogue_to_answer(
    taxonomy: Any, trained: Callable[..., Any]
) -> None:
    model = trained()
    RoutingModel.objects.filter(pk=model.pk).update(blob=b"not a model")
    advice = suggest_routing("小区停水了")
    assert advice.source == "catalogue" and advice.model_version is None
    assert advice.suggestions[0].category_code == "H0801"
