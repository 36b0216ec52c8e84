"""The grid pages: the worker's app at /grid/, the centers at /grid/center/…."""

from django.urls import path

from yiwang.grid import views

app_name = "grid"

urlpatterns = [
    path("", views.app, name="app"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="sw"),
    path("center/", views.center, name="center"),
    path("center/orders/<str:number>/check/", views.check, name="check"),
    path("center/workers/", views.workers, name="workers"),
    path("center/workers.xlsx", views.workers_xlsx, name="workers-xlsx"),
    path("center/workers/assign/", views.workers_assign, name="workers-assign"),
    path("center/workers/leave/", views.workers_leave, name="workers-leave"),
    path("center/tasks/", views.task_create, name="task-create"),
    path("center/special/", views.special_unit, name="special-unit"),
    path("center/map/", views.grid_map, name="map"),
]
