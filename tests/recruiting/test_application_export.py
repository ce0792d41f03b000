"""The fast XLSX export of applications: the changelist action and the export URL (filters and
search of the changelist, tenant isolation, audit line, export permission, constant queries)."""

import datetime
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from people.reports import XLSX_CONTENT_TYPE
from people.roles import Role
from people.tenancy import tenant_context
from recruiting.models import Application, ApplicationStatus, Source
from tests.conftest import login, make_member
from tests.recruiting.factories import ApplicationFactory, CandidateFactory, JobPostingFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/recruiting/application/"
EXPORT_URL = "/admin/recruiting/application/export-xlsx/"
HEADERS = (
    "Job reference",
    "Job title",
    "First name",
    "Last name",
    "E-mail",
    "Phone",
    "Source",
    "Status",
    "Applied at",
    "In status since",
    "Days in status",
    "Hired at",
)


@pytest.fixture
def recruiter_client(client, tenant_a, user_a):
    return login(client, make_member(tenant_a, Role.RECRUITER, email="recruiter@tenant-a.test"), tenant_a)


@pytest.fixture
def applications(tenant_a, tenant_b):
    """Three applications in tenant A (one in technical assessment, 3 days in it), one in B."""
    with tenant_context(tenant_b):
        ApplicationFactory(candidate=CandidateFactory(first_name="Bianca", email="bianca@b.example"))
    with tenant_context(tenant_a):
        job = JobPostingFactory(title="Data Engineer")
        review = [
            ApplicationFactory(job=job, candidate=CandidateFactory(first_name=name, last_name="Doe"))
            for name in ("Ann", "Ben")
        ]
        technical = ApplicationFactory(
            job=job,
            status=ApplicationStatus.TECHNICAL,
            source=Source.LINKEDIN,
            candidate=CandidateFactory(first_name="=cmd|'/c calc'!A1", last_name="Evil", phone="+49 30 555"),
        )
        Application.objects.filter(pk=technical.pk).update(
            status_changed_at=timezone.now() - datetime.timedelta(days=3)
        )
    return {"job": job, "review": review, "technical": technical}


def workbook_rows(response) -> list[tuple]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"].startswith('attachment; filename="applications-tenant-a-')
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content)))["Applications"]
    return list(sheet.iter_rows(values_only=True))


def test_export_url_writes_the_twelve_columns_of_the_tenant_rows_only(recruiter_client, applications):
    rows = workbook_rows(recruiter_client.get(EXPORT_URL))
    assert rows[0] == HEADERS
    assert len(rows) == 4 and all(len(row) == 12 for row in rows)  # header + tenant A's three
    assert "Bianca" not in {row[2] for row in rows}
    evil = next(row for row in rows if row[3] == "Evil")
    job = applications["job"]
    assert evil[:2] == (job.reference_code, "Data Engineer")
    assert evil[2] == "=cmd|'/c calc'!A1" and evil[5] == "+49 30 555"  # text, not formulae
    assert evil[6:8] == ("LinkedIn", "Technical assessment")  # labels, not stored values
    assert isinstance(evil[8], datetime.datetime) and isinstance(evil[9], datetime.datetime)
    assert evil[10] == 3 and evil[11] is None


def test_export_url_follows_the_changelist_filters_and_search(recruiter_client, applications):
    rows = workbook_rows(recruiter_client.get(EXPORT_URL, {"status__exact": ApplicationStatus.TECHNICAL}))
    assert [row[3] for row in rows[1:]] == ["Evil"]
    rows = workbook_rows(recruiter_client.get(EXPORT_URL, {"q": "Ben"}))
    assert [row[2] for row in rows[1:]] == ["Ben"]


def test_applied_date_range_includes_both_whole_days(recruiter_client, applications, tenant_a):
    ann, ben = applications["review"]
    day = timezone.localdate() - datetime.timedelta(days=10)
    late_on_day = timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 30)))
    with tenant_context(tenant_a):
        Application.objects.filter(pk=ann.pk).update(applied_at=late_on_day)
        Application.objects.filter(pk=ben.pk).update(applied_at=late_on_day + datetime.timedelta(hours=1))
    params = {"applied_at_from": day.strftime("%Y-%m-%d"), "applied_at_to": day.strftime("%Y-%m-%d")}
    assert [row[2] for row in workbook_rows(recruiter_client.get(EXPORT_URL, params))[1:]] == ["Ann"]
    response = recruiter_client.get(CHANGELIST, params)
    assert [app.pk for app in response.context["cl"].result_list] == [ann.pk]


def test_export_url_with_a_bad_filter_goes_back_to_the_changelist(recruiter_client, applications):
    response = recruiter_client.get(EXPORT_URL, {"applied_at__nonsense": "x"})
    assert response.status_code == 302 and response["Location"] == f"{CHANGELIST}?e=1"


def test_changelist_export_button_carries_the_filters(recruiter_client, applications):
    response = recruiter_client.get(CHANGELIST, {"q": "Ben", "p": "1"})
    paths = [item["path"] for item in response.context["actions_list"]]
    assert f"{EXPORT_URL}?q=Ben" in paths


def test_export_action_writes_the_selected_rows(recruiter_client, applications):
    selected = [applications["review"][0].pk, applications["technical"].pk]
    response = recruiter_client.post(
        CHANGELIST, {"action": "export_xlsx_selected", "_selected_action": selected}
    )
    rows = workbook_rows(response)
    assert rows[0] == HEADERS
    assert sorted(row[2] for row in rows[1:]) == ["=cmd|'/c calc'!A1", "Ann"]


def test_export_action_cannot_reach_another_tenants_rows(recruiter_client, applications, tenant_b):
    with tenant_context(tenant_b):
        other = Application.objects.get()
    response = recruiter_client.post(
        CHANGELIST,
        {"action": "export_xlsx_selected", "_selected_action": [other.pk, applications["technical"].pk]},
    )
    assert [row[3] for row in workbook_rows(response)[1:]] == ["Evil"]


def test_export_is_audit_logged(recruiter_client, applications, tenant_a, caplog):
    with caplog.at_level("INFO", logger="audit"):
        workbook_rows(recruiter_client.get(EXPORT_URL))
    record = next(r for r in caplog.records if r.name == "audit" and r.getMessage() == "admin export")
    user = recruiter_client.session["_auth_user_id"]
    assert (str(record.user_id), record.tenant_id, record.model, record.rows) == (
        user,
        tenant_a.pk,
        "recruiting.Application",
        3,
    )


def test_export_needs_the_export_permission(client, tenant_a, user_a, applications):
    finance = login(client, make_member(tenant_a, Role.FINANCE, email="finance@tenant-a.test"), tenant_a)
    assert finance.get(EXPORT_URL).status_code == 403
    response = finance.post(
        CHANGELIST, {"action": "export_xlsx_selected", "_selected_action": [applications["technical"].pk]}
    )
    assert response.status_code == 403


def test_the_action_is_offered_to_roles_that_may_export(recruiter_client, applications):
    response = recruiter_client.get(CHANGELIST)
    assert "export_xlsx_selected" in dict(response.context["action_form"].fields["action"].choices)


@pytest.mark.parametrize("count", [10, 200])
def test_export_runs_a_constant_number_of_queries(
    recruiter_client, tenant_a, count, django_assert_max_num_queries
):
    with tenant_context(tenant_a):
        job = JobPostingFactory()
        for candidate in CandidateFactory.create_batch(count):
            Application.objects.create(job=job, candidate=candidate)
    with django_assert_max_num_queries(7):
        rows = workbook_rows(recruiter_client.get(EXPORT_URL))
    assert len(rows) == count + 1


def test_export_reads_back_the_same_in_read_only_mode_with_a_bold_frozen_header(
    recruiter_client, applications
):
    content = b"".join(recruiter_client.get(EXPORT_URL).streaming_content)
    sheet = load_workbook(BytesIO(content))["Applications"]
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1]) and not any(cell.font.bold for cell in sheet[2])
    evil = next(row for row in sheet.iter_rows(min_row=2) if row[3].value == "Evil")
    assert evil[2].data_type == "s" and evil[2].quotePrefix  # stays text when edited in Excel
    assert evil[8].is_date and evil[10].data_type == "n"
    fast = load_workbook(BytesIO(content), read_only=True)["Applications"]
    assert list(fast.iter_rows(values_only=True)) == list(sheet.iter_rows(values_only=True))
