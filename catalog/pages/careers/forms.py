"""The careers pages' forms: the list's filters (read from the query string) and the apply form."""

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from people.models import EmploymentType
from recruiting import validators
from recruiting.models import RemotePolicy

SEARCH_MAX_CHARS = 200
COVER_LETTER_MAX_CHARS = 5000


class JobFilterForm(forms.Form):
    """The list's query string. A bad value (unknown choice, too long) is ignored, never an error
    page: `filters()` returns only the fields that validated."""

    q = forms.CharField(required=False)
    category = forms.CharField(required=False, max_length=80)
    location = forms.CharField(required=False, max_length=120)
    remote = forms.ChoiceField(required=False, choices=[("", _("Any"))] + RemotePolicy.choices)
    type = forms.ChoiceField(required=False, choices=[("", _("Any"))] + EmploymentType.choices)

    def clean_q(self):
        return " ".join(self.cleaned_data["q"].split())[:SEARCH_MAX_CHARS]

    def filters(self) -> dict:
        self.is_valid()  # fills cleaned_data with the valid fields only
        return {name: value for name, value in self.cleaned_data.items() if value}


class ApplyForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    cv = forms.FileField(
        label=_("CV"),
        validators=[validators.validate_cv],
        help_text=_("PDF, Word (.docx) or OpenDocument (.odt), at most 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.docx,.odt"}),
    )
    cover_letter = forms.CharField(
        label=_("Cover letter"),
        required=False,
        max_length=COVER_LETTER_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Optional, at most 5,000 characters."),
    )
    consent = forms.BooleanField(
        label=_("I agree that the company may process my data for this application.")
    )
    # Honeypot: hidden by CSS, left empty by people, filled by bots that fill every field.
    website = forms.CharField(label=_("Leave this field empty"), required=False)

    def __init__(self, *args, company: str = "", retention_days: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})
        if company:
            self.fields["consent"].label = _(
                "I agree that %(company)s may process my data for this application."
            ) % {"company": company}
        if retention_days:
            self.fields["consent"].help_text = _(
                "Your data is kept for %(days)s days after you apply, then anonymised."
            ) % {"days": retention_days}

    @property
    def honeypot_filled(self) -> bool:
        return bool((self.data.get("website") or "").strip())

    def cv_too_large(self):
        """Replace the "required" error of a CV the upload handler refused for its size."""
        self.errors.pop("cv", None)
        self.add_error(
            "cv", _("The CV is larger than %(limit)s; upload a smaller file.") % {"limit": cv_limit_label()}
        )


def cv_limit_label() -> str:
    return filesizeformat(validators.CV_MAX_BYTES)
