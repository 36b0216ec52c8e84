"""The command-center console: dispatcher and department workbenches."""

from django.urls import path

from yiwang.console import views

app_name = "console"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("bulk-dispatch/", views.bulk_dispatch, name="bulk-dispatch"),
    path("views/", views.saved_view_create, name="saved-view-create"),
    path("views/<int:view_id>/delete/", views.saved_view_delete, name="saved-view-delete"),
    path("orders/<str:number>/", views.order_detail, name="order"),
    path("orders/<str:number>/<str:action>/", views.order_action, name="order-action"),
    path("boards/", views.board, name="boards"),
    path("boards/<str:kind>/", views.board, name="board"),
    path("department/", views.department, name="department"),
]
