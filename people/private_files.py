"""Private files (CVs, check documents, financial reports): never a public media URL.

A FileField declares `storage=private_storage`; its files stay under MEDIA_ROOT, but their URL is
`/files/<path>`, served by `private_file` only to a logged-in user whose active tenant has a row
pointing at that file (found through the scoped ORM, so another tenant's file is a 404) and who
may view that row's model. In DEBUG, /media/ serves only the public folders (PUBLIC_MEDIA).
"""

from __future__ import annotations

from functools import cache

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils.deconstruct import deconstructible

from people.tenancy import active_tenant_or_none, is_tenant_owned

# Folders of MEDIA_ROOT that are public by design (shown on public pages).
PUBLIC_MEDIA = ("tenants/logos/", "marketplace/avatars/")


@deconstructible(path="people.private_files.PrivateFileStorage")
class PrivateFileStorage(FileSystemStorage):
    """MEDIA_ROOT's files, addressed through the checked view instead of /media/."""

    def url(self, name):
        return reverse("private_file", kwargs={"path": name})


_storage = PrivateFileStorage()


def private_storage():
    """The storage of private FileFields (a callable keeps migrations free of settings)."""
    return _storage


@cache
def private_file_fields() -> list[tuple[type[models.Model], str]]:
    return [
        (model, field.name)
        for model in apps.get_models()
        if is_tenant_owned(model)
        for field in model._meta.concrete_fields
        if isinstance(field, models.FileField) and isinstance(field.storage, PrivateFileStorage)
    ]


@login_required
def private_file(request, path: str):
    if active_tenant_or_none() is None:
        raise Http404
    for model, field in private_file_fields():
        opts = model._meta
        if model.objects.filter(**{field: path}).exists():  # scoped: the active tenant's rows only
            if not request.user.has_perm(f"{opts.app_label}.view_{opts.model_name}"):
                raise Http404
            try:
                stored = _storage.open(path)
            except (FileNotFoundError, SuspiciousFileOperation):
                raise Http404 from None
            return FileResponse(stored, as_attachment=True, filename=path.rsplit("/", 1)[-1])
    raise Http404
