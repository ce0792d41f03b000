"""The candidates admin. The add and change forms write through `recruiting.services.candidates`
(duplicate e-mail refused on the field, a shared phone flagged with a warning), "Merge into…"
folds a duplicate into another record, and the change page shows the candidate's timeline."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html
from unfold.contrib.filters.admin import ChoicesDropdownFilter
from unfold.decorators import action, display
from unfold.paginator import InfinitePaginator

from people.admin_base import TenantOwnedAdmin
from people.admin_workflow import Step, StepForm, WorkflowActionsMixin, add_service_error
from recruiting.admin.timeline import candidate_timeline
from recruiting.models import Candidate
from recruiting.resources import CandidateResource
from recruiting.services import candidates as candidate_services
from recruiting.services.errors import RecruitingError

# A recruiter may correct the duplicate flag by hand (through `set_duplicate_flag`).
DUPLICATE_FLAG = "possible_duplicate_of"


class CandidateServiceForm(forms.ModelForm):
    """Writes through the service, which checks every rule (duplicate e-mail, phone flag, the CV)
    in one transaction; a refusal becomes this form's error and nothing is written."""

    by = None  # the acting user, set per request by CandidateAdmin.get_form

    # No Meta: the admin builds the form per request (inside the tenant) with model and fields.

    def _post_clean(self):
        # The service is this form's model validation; it runs once every field is valid.
        if self._errors:
            return
        adding = self.instance.pk is None
        names = self.fields if adding else self.changed_data
        fields = {
            name: self._value(name)
            for name in names
            if name in candidate_services.CANDIDATE_FIELDS
            and not (adding and name == "cv" and not self.cleaned_data[name])
        }
        instance = self.instance
        try:
            with transaction.atomic():  # a refused flag correction undoes the other changes too
                if adding:
                    self.instance = candidate_services.create_candidate(by=self.by, **fields)
                elif fields:
                    self.instance = candidate_services.update_candidate(
                        candidate_id=self.instance.pk, by=self.by, **fields
                    )
                if DUPLICATE_FLAG in self.changed_data:
                    flag = self.cleaned_data[DUPLICATE_FLAG]
                    self.instance = candidate_services.set_duplicate_flag(
                        candidate_id=self.instance.pk, duplicate_of_id=flag and flag.pk, by=self.by
                    )
        except RecruitingError as exc:
            self.instance = instance  # nothing was written
            add_service_error(self, exc)

    def _value(self, name):
        value = self.cleaned_data[name]
        return "" if name == "cv" and value is False else value  # False: "clear" was ticked


class MergeForm(StepForm):
    keep = forms.ModelChoiceField(label="Keep this candidate", queryset=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["keep"]
        field.queryset = Candidate.objects.filter(anonymized_at__isnull=True)  # scoped to the tenant
        if self.obj is not None:
            field.queryset = field.queryset.exclude(pk=self.obj.pk)
        field.widget = AutocompleteSelect(
            Candidate._meta.get_field("possible_duplicate_of"),
            admin.site,
            attrs={"class": "unfold-admin-autocomplete admin-autocomplete"},
        )
        field.widget.choices = field.choices


MERGE = Step(
    "merge_into",
    "Merge into…",
    "Merge this candidate into another record? Their applications move to the kept candidate, "
    "empty fields are filled from this one, and this record is deleted.",
    lambda c, user, d: candidate_services.merge_candidates(keep_id=d["keep"].pk, merge_id=c.pk, by=user),
    MergeForm,
    done=lambda c, kept: f"{c} was merged into {kept} (#{kept.pk}).",
    back_label="Keep both",
)


@admin.register(Candidate)
class CandidateAdmin(WorkflowActionsMixin, TenantOwnedAdmin):
    resource_classes = [CandidateResource]
    list_display = [
        "full_name",
        "email",
        "phone",
        "current_title",
        "source",
        "employment_status",
        "application_count",
        "duplicate_flag",
        "created_at",
    ]
    list_display_links = ["full_name", "email"]
    list_filter = [
        ("source", ChoicesDropdownFilter),
        ("employment_status", ChoicesDropdownFilter),
        ("visa_sponsorship_status", ChoicesDropdownFilter),
    ]
    list_filter_submit = True
    search_fields = ["first_name", "last_name", "email", "phone", "current_company", "current_title"]
    list_select_related = ["possible_duplicate_of"]
    autocomplete_fields = ["possible_duplicate_of", "employee"]
    readonly_fields = ["anonymized_at", "employee"]
    date_hierarchy = "created_at"
    ordering = ["last_name", "first_name", "pk"]
    paginator = InfinitePaginator
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": ["first_name", "last_name", "email", "phone", "location"]}),
        (
            "Profile",
            {
                "fields": [
                    "current_title",
                    "current_company",
                    "employment_status",
                    "visa_sponsorship_status",
                    "source",
                    "tags",
                    "cv",
                ]
            },
        ),
        ("Consent and retention", {"fields": ["consent_given_at", "retention_until", "anonymized_at"]}),
        ("Links", {"fields": ["possible_duplicate_of", "employee"]}),
    ]
    change_form_after_template = "admin/recruiting/candidate_timeline.html"
    workflow_steps = (MERGE,)
    actions_detail = [MERGE.name]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_applications=Count("applications"))

    # --- the form: through the services ------------------------------------------------------
    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, form=CandidateServiceForm, **kwargs)
        return type(form.__name__, (form,), {"by": request.user})

    def save_model(self, request, obj, form, change):
        # The form's service calls have written the candidate, a hand-corrected flag included.
        if (
            DUPLICATE_FLAG not in form.changed_data
            and obj.possible_duplicate_of_id
            and (not change or "phone" in form.changed_data)
        ):
            duplicate = obj.possible_duplicate_of
            url = reverse("admin:recruiting_candidate_change", args=[duplicate.pk])
            self.message_user(
                request,
                format_html(
                    '{} has the same phone number as <a href="{}">{}</a> (#{}): possibly the same person. '
                    "If so, use “Merge into…”; otherwise clear “possible duplicate of”.",
                    obj,
                    url,
                    duplicate,
                    duplicate.pk,
                ),
                messages.WARNING,
            )

    # --- the change page: the timeline -------------------------------------------------------
    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self._get_object_or_404(request, object_id)
        extra_context = {**(extra_context or {}), "timeline": candidate_timeline(obj)}
        return super().change_view(request, object_id, form_url, extra_context)

    # --- merge -----------------------------------------------------------------------------
    def has_workflow_permission(self, request, obj=None):
        """Merging deletes the merged record: it needs the change and the delete permission."""
        return self.has_change_permission(request) and self.has_delete_permission(request)

    def allowed_step_names(self, request, obj):
        return set() if obj.anonymized_at else {MERGE.name}

    def step_success_url(self, request, step, obj, result, back_url):
        return reverse("admin:recruiting_candidate_change", args=[result.pk])  # the merged one is gone

    @action(description="Merge into…", url_path="merge", icon="merge", permissions=["workflow"])
    def merge_into(self, request, object_id):
        return self._step_view(request, object_id, MERGE)

    # --- the list ----------------------------------------------------------------------------
    @display(description="Name", ordering="last_name")
    def full_name(self, obj):
        return obj.full_name

    @display(description="Applications", ordering="n_applications")
    def application_count(self, obj):
        return obj.n_applications

    @display(description="Possible duplicate of")
    def duplicate_flag(self, obj):
        return str(obj.possible_duplicate_of) if obj.possible_duplicate_of_id else "–"
