"""CV files are checked by their content, not only their name: PDF, DOCX or ODT, at most 10 MB."""

import zipfile

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat

CV_MAX_BYTES = 10 * 1024 * 1024
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"


def sniff_document_type(file) -> str | None:
    """ "pdf", "docx", "odt" or None, from the file's bytes."""
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        file.seek(0)
        head = file.read(8)
        if head.startswith(b"%PDF-"):
            return "pdf"
        if head.startswith(b"PK\x03\x04"):
            file.seek(0)
            try:
                with zipfile.ZipFile(file) as archive:
                    names = set(archive.namelist())
                    if "word/document.xml" in names:
                        return "docx"
                    if "mimetype" in names and archive.read("mimetype").strip() == ODT_MIMETYPE:
                        return "odt"
            except zipfile.BadZipFile:
                return None
        return None
    finally:
        file.seek(position)


def validate_cv(file) -> None:
    if file.size > CV_MAX_BYTES:
        raise ValidationError(
            "The CV is %(size)s; the limit is 10 MB.",
            params={"size": filesizeformat(file.size)},
            code="too_large",
        )
    kind = sniff_document_type(file)
    if kind is None:
        raise ValidationError(
            "Upload the CV as a PDF, Word (.docx) or OpenDocument (.odt) file.", code="type"
        )
    extension = file.name.rsplit(".", 1)[-1].lower() if "." in file.name else ""
    if extension != kind:
        raise ValidationError(
            "The file's content is %(kind)s but its name ends in .%(extension)s; rename it or upload the right file.",
            params={"kind": kind.upper(), "extension": extension or "(nothing)"},
            code="mismatch",
        )
