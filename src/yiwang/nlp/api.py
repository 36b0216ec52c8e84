"""The nlp API under /api/v1/."""

from ninja import Router

router = Router(tags=["nlp"])
