"""Open311 GeoReport v2 wire format: XML (required) and JSON (the Spark convention), and the
spec's error shape. Views build plain Python structures; this module renders them."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET

from django.http import HttpResponse

XML_TYPE = "text/xml; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# The tag of each item inside a list, as in the spec's examples.
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}


def _element(tag: str, value: Any) -> ET.Element:
    element = ET.Element(tag)
    if isinstance(value, dict):
        for key, inner in value.items():
            element.append(_element(key, inner))
    elif isinstance(value, list):
        for item in value:
            element.append(_element(ITEM_TAGS[tag], item))
    else:
        element.text = _text(value)
    return element


def render(fmt: str, root: str, items: list[Any], status: int = 200) -> HttpResponse:
    """A list response: ``<root><item>…</item>…</root>`` in XML, a JSON array in JSON.

    Nested lists (a service definition's ``attributes`` and their ``values``) use the
    singular tag for their items, as the spec's examples do.
    """
    if fmt == "json":
        body = json.dumps(items, ensure_ascii=False)
        return HttpResponse(body, status=status, content_type=JSON_TYPE)
    return _xml_response(_element(root, items), status)


def render_object(fmt: str, root: str, value: dict[str, Any], status: int = 200) -> HttpResponse:
    """A single-object response (service definition, discovery): the root is dropped in JSON."""
    if fmt == "json":
        return HttpResponse(
            json.dumps(value, ensure_ascii=False), status=status, content_type=JSON_TYPE
        )
    return _xml_response(_element(root, value), status)


def _xml_response(element: ET.Element, status: int) -> HttpResponse:
    body = b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(element, encoding="utf-8")
    return HttpResponse(body, status=status, content_type=XML_TYPE)


def errors(fmt: str, status: int, *descriptions: str) -> HttpResponse:
    """The spec's error body: ``<errors><error><code/><description/></error></errors>``."""
    items = [{"code": status, "description": d} for d in descriptions]
    return render(fmt, "errors", items, status=status)
