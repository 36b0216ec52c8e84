"""The leadership cockpit, its thematic maps and the KPI rankings."""

from django.urls import path

from yiwang.cockpit import views

app_name = "cockpit"

urlpatterns = [
    path("", views.cockpit, name="home"),
    path("data.json", views.cockpit_data, name="data"),
    path("map/towns/<str:code>/grids.json", views.town_grids_view, name="town-grids"),
    path("urgent/<str:number>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("themes/", views.theme_list, name="themes"),
    path("themes/<slug:slug>/", views.theme_detail, name="theme"),
    path("rankings/", views.rankings, name="rankings"),
]
