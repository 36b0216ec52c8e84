"""Knowledge-base pages under /hotline/kb/: search with filters and highlights (agents and
everyone who works requests), an entry with its version history, and for data stewards the
edit form (each save a new version), import with a row-error report, and export.
Views parse, call one service (or ``search_knowledge``), render."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from yiwang.core.errors import DomainError, NotFound
from yiwang.hotline import knowledge_io, services
from yiwang.hotline.forms import EntryForm, ImportForm, SearchForm, SynonymForm, WordForm
from yiwang.hotline.knowledge import search_knowledge
from yiwang.hotline.models import DictionaryWord, KnowledgeEntry, SynonymGroup


def _denied(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "hotline/kb_denied.html",
        {"message": _("Your roles do not include this page.")},
        status=403,
    )


def _entry_or_404(pk: int) -> KnowledgeEntry:
    try:
        return services.get_entry(pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@login_required
def kb_search(request: HttpRequest) -> HttpResponse:
    if not services.can_read(request.user):
        return _denied(request)
    steward = services.can_edit(request.user)
    form = SearchForm(request.GET or None, steward=steward)
    hits: list[Any] = []
    searched = False
    error = ""
    page = None
    if form.is_valid() and form.cleaned_data.get("q"):
        searched = True
        data = form.cleaned_data
        try:
            hits = search_knowledge(
                data["q"],
                limit=20,
                category=data.get("category") or None,
                department=data.get("department") or None,
                area=data.get("area") or None,
                include_unpublished=bool(data.get("include_unpublished")),
            )
        except DomainError as exc:
            error = exc.message
            form.add_error("q" if exc.field == "q" else None, exc.message)
    elif not form.errors:
        qs = KnowledgeEntry.objects.select_related("category", "department").order_by(
            "-updated_at", "-pk"
        )
        if not steward:
            qs = qs.suggestible()
        page = Paginator(
            qs.only(
                "pk",
                "external_id",
                "question",
                "status",
                "updated_at",
                "category__code",
                "category__name",
                "department__name",
                "expires_on",
                "effective_from",
            ),
            25,
        ).get_page(request.GET.get("page"))
    return render(
        request,
        "hotline/kb_search.html",
        {
            "form": form,
            "hits": hits,
            "searched": searched,
            "error": error,
            "page": page,
            "steward": steward,
        },
    )


@login_required
def kb_entry(request: HttpRequest, pk: int) -> HttpResponse:
    if not services.can_read(request.user):
        return _denied(request)
    entry = _entry_or_404(pk)
    steward = services.can_edit(request.user)
    if not steward and not entry.is_suggestible():
        return _denied(request)
    versions = list(entry.versions.select_related("changed_by").order_by("-version"))
    return render(
        request,
        "hotline/kb_entry.html",
        {
            "entry": entry,
            "versions": versions,
            "steward": steward,
            "suggestible": entry.is_suggestible(),
            "today": timezone.localdate(),
        },
    )


def _form_errors(form: Any, exc: DomainError) -> None:
    fields = (exc.details or {}).get("fields") if isinstance(exc.details, dict) else None
    if fields:
        for name, message in fields.items():
            form.add_error(name if name in form.fields else None, message)
    else:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _initial(entry: KnowledgeEntry) -> dict[str, Any]:
    content = services.content_of(entry)
    content["policy_documents"] = "\n".join(content["policy_documents"])
    return {**content, "reference": entry.external_id, "version": entry.version}


@login_required
@require_http_methods(["GET", "POST"])
def kb_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    if not services.can_edit(request.user):
        return _denied(request)
    entry = _entry_or_404(pk) if pk is not None else None
    editing = entry is not None
    if request.method == "POST":
        form = EntryForm(request.POST, editing=editing)
        if form.is_valid():
            try:
                if entry is None:
                    entry = services.create_entry(
                        form.values(), actor=request.user, note=form.cleaned_data["note"]
                    )
                else:
                    entry = services.update_entry(
                        entry,
                        form.values(),
                        actor=request.user,
                        expected_version=form.cleaned_data.get("version"),
                        note=form.cleaned_data["note"],
                    )
                return HttpResponseRedirect(reverse("hotline:kb_entry", args=[entry.pk]))
            except DomainError as exc:
                _form_errors(form, exc)
    else:
        form = EntryForm(initial=_initial(entry) if entry else {"status": "draft"}, editing=editing)
    return render(
        request,
        "hotline/kb_edit.html",
        {"form": form, "entry": entry},
        status=422 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def kb_import(request: HttpRequest) -> HttpResponse:
    if not services.can_edit(request.user):
        return _denied(request)
    result = None
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > knowledge_io.MAX_FILE_BYTES:
                form.add_error("file", _("The file is larger than 20 MB."))
            else:
                rows, file_errors, row_errors = knowledge_io.read_upload(upload.name, upload.read())
                try:
                    result = services.import_rows(
                        rows,
                        actor=request.user,
                        file_errors=file_errors,
                        row_errors=row_errors,
                        skip_invalid=form.cleaned_data["skip_invalid"],
                        source_name=upload.name,
                    )
                except DomainError as exc:
                    form.add_error(None, exc.message)
    else:
        form = ImportForm()
    return render(request, "hotline/kb_import.html", {"form": form, "result": result})


@login_required
def kb_export(request: HttpRequest, fmt: str) -> HttpResponse | StreamingHttpResponse:
    if not services.can_edit(request.user):
        return _denied(request)
    if fmt not in ("xlsx", "jsonl"):
        raise Http404
    stamp = timezone.localdate().isoformat()
    if fmt == "xlsx":
        response = HttpResponse(
            knowledge_io.export_xlsx(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="knowledge-{stamp}.xlsx"'
        return response
    streaming = StreamingHttpResponse(
        knowledge_io.export_jsonl(), content_type="application/x-ndjson; charset=utf-8"
    )
    streaming["Content-Disposition"] = f'attachment; filename="knowledge-{stamp}.jsonl"'
    return streaming


@login_required
@require_http_methods(["GET", "POST"])
def kb_dictionary(request: HttpRequest) -> HttpResponse:
    """Synonym groups and dictionary words (also in the Django admin, for administrators)."""
    if not services.can_edit(request.user):
        return _denied(request)
    synonym_form = SynonymForm(prefix="syn")
    word_form = WordForm(prefix="word")
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "add-synonyms":
                synonym_form = SynonymForm(request.POST, prefix="syn")
                if synonym_form.is_valid():
                    group = SynonymGroup(terms=synonym_form.cleaned_data["terms"])
                    services.save_synonym_group(group, actor=request.user)
                    return HttpResponseRedirect(reverse("hotline:kb_dictionary"))
            elif action == "add-word":
                word_form = WordForm(request.POST, prefix="word")
                if word_form.is_valid():
                    word = DictionaryWord(word=word_form.cleaned_data["word"])
                    services.save_dictionary_word(word, actor=request.user)
                    return HttpResponseRedirect(reverse("hotline:kb_dictionary"))
            elif action in ("toggle-synonyms", "toggle-word"):
                model = SynonymGroup if action == "toggle-synonyms" else DictionaryWord
                pk = request.POST.get("id", "")
                obj = model.objects.filter(pk=int(pk)).first() if pk.isdigit() else None
                if obj is None:
                    raise Http404
                obj.is_active = not obj.is_active
                if isinstance(obj, SynonymGroup):
                    services.save_synonym_group(obj, actor=request.user)
                else:
                    services.save_dictionary_word(obj, actor=request.user)
                return HttpResponseRedirect(reverse("hotline:kb_dictionary"))
        except DomainError as exc:
            form = synonym_form if action == "add-synonyms" else word_form
            name = "terms" if action == "add-synonyms" else "word"
            form.add_error(name if exc.field == name else None, exc.message)
        status = 422
    return render(
        request,
        "hotline/kb_dictionary.html",
        {
            "synonym_form": synonym_form,
            "word_form": word_form,
            "groups": SynonymGroup.objects.order_by("terms"),
            "words": DictionaryWord.objects.order_by("word"),
        },
        status=status,
    )
