import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from people.models import LOGO_MAX_BYTES, Tenant

pytestmark = pytest.mark.django_db


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(buffer, "PNG")
    return buffer.getvalue()


def test_tenant_logo_accepts_a_small_image(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    tenant = Tenant(name="Logo Co", slug="logo-co", logo=SimpleUploadedFile("logo.png", png_bytes()))
    tenant.full_clean()


def test_tenant_logo_refuses_a_large_file(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    big = SimpleUploadedFile("logo.png", png_bytes() + b"\0" * LOGO_MAX_BYTES)
    with pytest.raises(ValidationError, match="limit is 2"):
        Tenant(name="Logo Co", slug="logo-co", logo=big).full_clean()


def test_tenant_logo_refuses_a_non_image(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(ValidationError) as error:
        Tenant(name="Logo Co", slug="logo-co", logo=SimpleUploadedFile("logo.pdf", b"%PDF-1.4")).full_clean()
    assert "logo" in error.value.message_dict


def test_tenant_currency_must_be_a_three_letter_code():
    with pytest.raises(ValidationError) as error:
        Tenant(name="X", slug="x", default_currency="euro").full_clean()
    assert "default_currency" in error.value.message_dict
