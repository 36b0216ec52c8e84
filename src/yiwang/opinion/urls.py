"""The opinion pages under /opinion/."""

from django.urls import path

from yiwang.opinion import views

app_name = "opinion"

urlpatterns = [
    path("", views.home, name="home"),
    path("surges/", views.surges, name="surges"),
    path("surges/<int:alert_id>/acknowledge/", views.acknowledge, name="surge-acknowledge"),
    path("themes/", views.themes, name="themes"),
    path("reports/", views.reports, name="reports"),
    path("reports/<int:report_id>/", views.report_html, name="report-html"),
    path("reports/<int:report_id>/xlsx/", views.report_xlsx, name="report-xlsx"),
]
