"""The nlp pages."""

from django.urls import path

from yiwang.nlp import views

app_name = "nlp"

urlpatterns = [
    path("models/", views.model_list, name="models"),
    path("models/<str:version>/", views.model_detail, name="model"),
    path("models/<str:version>/publish/", views.publish, name="publish"),
]
