import os

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from config import health
from people.private_files import PUBLIC_MEDIA, private_file

urlpatterns = [
    path("health/", health.health, name="health"),
    path("ready/", health.ready, name="ready"),
    path("admin/", admin.site.urls),
    path("billing/", include("billing.urls")),
    # Public, anonymous pages fed by the catalogs (catalog/pages/).
    path("careers/", include("catalog.pages.careers.urls")),
    path("browse-freelancers/", include("catalog.pages.freelancers.urls")),
    # CVs, check documents and reports: checked against the active tenant and the user's role.
    path("files/<path:path>", private_file, name="private_file"),
    # Invited members set their first password through Django's password-reset views.
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(success_url="/accounts/reset/done/"),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"
    ),
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    # Only the public folders: private files go through /files/ (people/private_files.py).
    for folder in PUBLIC_MEDIA:
        urlpatterns += static(
            settings.MEDIA_URL + folder, document_root=os.path.join(settings.MEDIA_ROOT, folder)
        )
