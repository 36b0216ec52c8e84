"""AI routing: the training history (imported rows of a city's past requests) and the routing
model versions trained from it (the fitted pipeline stored in the database with its labels and
metrics; exactly one published version answers suggestions)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

TEXT_MAX_LENGTH = 4000
LABEL_MAX_LENGTH = 64


class TrainingExample(models.Model):
    """One labelled request from a city's history, imported from XLSX or JSON Lines.

    ``category_label`` is the label as the history gives it: a category code of this city's
    taxonomy, or a name from another scheme (a model keeps its own label set and maps it to
    categories when it suggests). ``unit_label`` is the owning unit's code or name, when known.
    """

    source = models.CharField(_("source"), max_length=64, db_index=True)
    external_id = models.CharField(_("external id"), max_length=64, blank=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    text = models.TextField(_("text"), max_length=TEXT_MAX_LENGTH)
    category_label = models.CharField(_("category label"), max_length=LABEL_MAX_LENGTH)
    unit_label = models.CharField(_("unit label"), max_length=LABEL_MAX_LENGTH, blank=True)
    imported_at = models.DateTimeField(_("imported"))
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["source", "id"]
        verbose_name = _("training example")
        verbose_name_plural = _("training examples")

    def __str__(self) -> str:
        return f"{self.source} {self.category_label}: {self.text[:30]}"


class ModelStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


class RoutingModel(models.Model):
    """One trained version of the routing classifier.

    ``blob`` is the fitted scikit-learn pipeline (joblib), written only by
    ``nlp.services.train_model``; ``labels`` its classes in the pipeline's order;
    ``label_units`` the most frequent unit of each label in the training rows; ``metrics`` the
    cross-validated figures on the training rows and every evaluation on a test file.
    """

    version = models.CharField(_("version"), max_length=32, unique=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ModelStatus.choices, default=ModelStatus.DRAFT
    )
    algorithm = models.CharField(_("algorithm"), max_length=120)
    sources = models.JSONField(_("training sources"), default=list)
    labels = models.JSONField(_("labels"), default=list)
    label_units = models.JSONField(_("unit of each label"), default=dict, blank=True)
    examples = models.PositiveIntegerField(_("training examples"), default=0)
    metrics = models.JSONField(_("metrics"), default=dict, blank=True)
    blob = models.BinaryField(_("fitted model"))
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("routing model")
        verbose_name_plural = _("routing models")
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status="published"),
                name="nlp_one_published_model",
            )
        ]

    def __str__(self) -> str:
        return self.version


class LabelMapping(models.Model):
    """Where a model label that is not a category code of this city goes: a category (and,
    optionally, a unit that overrides the catalogue). Data stewards keep it in the admin."""

    label = models.CharField(_("label"), max_length=LABEL_MAX_LENGTH, unique=True)
    category = models.ForeignKey(
        "workorders.Category", on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    department = models.ForeignKey(
        "org.Department", on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )

    class Meta:
        ordering = ["label"]
        verbose_name = _("label mapping")
        verbose_name_plural = _("label mappings")

    def __str__(self) -> str:
        return self.label
