"""The URL map: the web pages, the REST API under /api/v1/, the admin, and language switching."""

from django.contrib import admin
from django.urls import include, path, re_path

from yiwang.config.api import api, api_not_found
from yiwang.web.views import favicon, login_view

urlpatterns = [
    path("api/v1/", api.urls),
    re_path(r"^api/", api_not_found),
    path("open311/v2/", include("yiwang.intake.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # Browsers ask for /favicon.ico on pages that name none (the admin's, for one).
    path("favicon.ico", favicon),
    path("accounts/login/", login_view, name="accounts-login"),
    path("console/", include("yiwang.console.urls")),
    path("cockpit/", include("yiwang.cockpit.urls")),
    path("hotline/", include("yiwang.hotline.workbench_urls")),
    path("hotline/", include("yiwang.hotline.urls")),
    path("opinion/", include("yiwang.opinion.urls")),
    path("grid/", include("yiwang.grid.urls")),
    path("exchange/", include("yiwang.exchange.urls")),
    path("nlp/", include("yiwang.nlp.urls")),
    path("", include("yiwang.web.urls")),
]
