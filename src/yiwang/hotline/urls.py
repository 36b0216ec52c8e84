"""The hotline pages: the knowledge base under /hotline/kb/ (the workbench has its own
``workbench_urls``)."""

from django.urls import path

from yiwang.hotline import views

app_name = "hotline"

urlpatterns = [
    path("kb/", views.kb_search, name="kb_search"),
    path("kb/new/", views.kb_edit, name="kb_new"),
    path("kb/import/", views.kb_import, name="kb_import"),
    path("kb/dictionary/", views.kb_dictionary, name="kb_dictionary"),
    path("kb/export.<str:fmt>", views.kb_export, name="kb_export"),
    path("kb/<int:pk>/", views.kb_entry, name="kb_entry"),
    path("kb/<int:pk>/edit/", views.kb_edit, name="kb_edit"),
]
