"""Background imports of large files: a file past settings.IMPORT_BACKGROUND_ROWS rows becomes an
ImportJob, validated (a dry run) by a task, imported by another once confirmed; all or nothing.

Tasks run inline (q2 sync mode, tests/conftest.py), through the same trampoline as in a worker.
"""

import datetime
from io import BytesIO

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from people import tasks
from people.models import Department, ImportJob, ImportStatus
from people.resources import DepartmentResource, HolidayResource
from people.roles import Role
from people.services import imports
from people.tenancy import tenant_context
from tests.conftest import login, make_member
from tests.people.factories import DepartmentFactory

pytestmark = pytest.mark.django_db

THRESHOLD = 5
DEPARTMENT_IMPORT = "/admin/people/department/import/"


@pytest.fixture(autouse=True)
def _small_threshold(settings):
    settings.IMPORT_BACKGROUND_ROWS = THRESHOLD


def department_csv(rows, header="name,parent,cost_center,head"):
    return (header + "\n" + "".join(f"{row}\n" for row in rows)).encode()


def good_rows(count=8, prefix="Dept"):
    return [f"{prefix} {n},,CC-{n:03d}," for n in range(1, count + 1)]


def upload(client, content, name="departments.csv", fmt="0", url=DEPARTMENT_IMPORT):
    content_type = "text/csv" if name.endswith(".csv") else "application/octet-stream"
    return client.post(
        url, {"format": fmt, "resource": "0", "import_file": SimpleUploadedFile(name, content, content_type)}
    )


def job_url(job, view="change"):
    return reverse(f"admin:people_importjob_{view}", args=[job.pk])


def only_job(tenant):
    with tenant_context(tenant):
        return ImportJob.objects.select_related("created_by", "confirmed_by").get()


def department_names(tenant):
    with tenant_context(tenant):
        return set(Department.objects.values_list("name", flat=True))


# --- the admin's import page routes large files to a job ----------------------------------------
def test_a_large_file_becomes_a_job_validated_in_the_background(client_a, tenant_a, user_a):
    response = upload(client_a, department_csv(good_rows(8)))
    job = only_job(tenant_a)
    assert response.status_code == 302 and response["Location"] == job_url(job)
    assert (job.status, job.total_rows, job.processed_rows) == (ImportStatus.VALIDATED, 8, 8)
    assert (job.new_count, job.invalid_count, job.error_count, job.errors) == (8, 0, 0, [])
    assert (job.resource, job.model_label, job.input_format) == (
        "people.resources.hr.DepartmentResource",
        "people.department",
        "csv",
    )
    assert job.original_name == "departments.csv" and job.created_by == user_a
    assert job.file.name.startswith(f"imports/tenant-{tenant_a.pk}/")
    assert department_names(tenant_a) == set()  # validation is a dry run

    page = client_a.get(job_url(job))
    assert page.status_code == 200
    content = page.content.decode()
    assert "8 of 8 rows" in content and "Confirm import" in content
    assert 'http-equiv="refresh"' not in content  # finished: no reload


def test_confirm_imports_the_file_and_history_names_the_people(client_a, tenant_a, user_a):
    upload(client_a, department_csv(good_rows(8)))
    job = only_job(tenant_a)
    confirm_url = job_url(job, "confirm_import")
    assert client_a.get(confirm_url).status_code == 200  # the confirmation page changes nothing
    assert department_names(tenant_a) == set()

    response = client_a.post(confirm_url, {"next": job_url(job)})
    assert response.status_code == 302
    job = only_job(tenant_a)
    assert (job.status, job.new_count, job.processed_rows) == (ImportStatus.IMPORTED, 8, 8)
    assert job.confirmed_by == user_a and job.finished_at is not None
    assert department_names(tenant_a) == {f"Dept {n}" for n in range(1, 9)}
    with tenant_context(tenant_a):
        statuses = list(job.history.order_by("history_id").values_list("status", "history_user_id"))
    assert statuses == [
        (ImportStatus.QUEUED_FOR_VALIDATION, user_a.pk),
        (ImportStatus.VALIDATING, user_a.pk),
        (ImportStatus.VALIDATED, user_a.pk),
        (ImportStatus.QUEUED_FOR_IMPORT, user_a.pk),
        (ImportStatus.IMPORTING, user_a.pk),
        (ImportStatus.IMPORTED, user_a.pk),
    ]
    # Confirming twice is refused with the reason, and imports nothing again.
    client_a.post(confirm_url)
    assert only_job(tenant_a).status == ImportStatus.IMPORTED


def test_a_bad_row_fails_validation_with_row_and_column_errors_and_writes_nothing(client_a, tenant_a):
    rows = good_rows(6) + ["Orphan,Nowhere,,", "Dept 2,,,"]
    upload(client_a, department_csv(rows))
    job = only_job(tenant_a)
    assert job.status == ImportStatus.VALIDATION_FAILED
    assert job.invalid_count == 2 and job.error_count == 2
    assert job.errors == [
        {
            "row": 7,
            "column": "parent",
            "message": "Column parent: no department named 'Nowhere' in this company or file.",
        },
        {
            "row": 8,
            "column": "name",
            "message": "Column name: Dept 2 is also on row 2 of this file; each may appear only once.",
        },
    ]
    content = client_a.get(job_url(job)).content.decode()
    assert "no department named" in content and "Confirm import" not in content
    # The service refuses, saying why, and nothing is written.
    with tenant_context(tenant_a), pytest.raises(imports.ImportNotAllowed, match="has errors"):
        imports.confirm_import(job=job, user=job.created_by)
    assert client_a.post(job_url(job, "confirm_import")).status_code == 302
    assert only_job(tenant_a).status == ImportStatus.VALIDATION_FAILED
    assert department_names(tenant_a) == set()


def test_an_xlsx_file_goes_to_the_background_too(client_a, tenant_a):
    book = Workbook()
    sheet = book.active
    sheet.append(["name", "parent", "cost_center", "head"])
    for n in range(1, 8):
        sheet.append([f"Team {n}", "", f"CC-{n}", ""])
    buffer = BytesIO()
    book.save(buffer)
    upload(client_a, buffer.getvalue(), name="teams.xlsx", fmt="1")
    job = only_job(tenant_a)
    assert (job.input_format, job.status, job.total_rows) == ("xlsx", ImportStatus.VALIDATED, 7)


def test_a_file_under_the_threshold_keeps_the_synchronous_preview(client_a, tenant_a):
    response = upload(client_a, department_csv(good_rows(THRESHOLD)))
    assert response.status_code == 200 and response.context["confirm_form"] is not None
    with tenant_context(tenant_a):
        assert not ImportJob.objects.exists()
    assert department_names(tenant_a) == set()


def test_a_model_with_the_default_resource_imports_in_the_background(client_a, tenant_a):
    """TimeOffType's admin has no resource_classes: the task rebuilds the model's resource."""
    header = "name,is_paid,unit,yearly_allowance,accrual,carry_over_cap,approval_chain"
    rows = [f"Leave {n},1,days,10,monthly,0,manager" for n in range(7)]
    upload(client_a, department_csv(rows, header=header), url="/admin/people/timeofftype/import/")
    job = only_job(tenant_a)
    assert job.resource == "people.resources.base.TenantResource"
    assert job.status == ImportStatus.VALIDATED, job.errors
    with tenant_context(tenant_a):
        imports.confirm_import(job=job, user=job.created_by)
        from people.models import TimeOffType

        assert TimeOffType.objects.count() == 7


def test_history_of_rows_imported_by_a_task_names_who_confirmed(tenant_a, user_a, role_groups):
    """No request in a worker: the task gives simple-history the confirming user itself."""
    from people.models import Holiday

    hr = make_member(tenant_a, Role.HR, email="hr@tenant-a.test")
    content = b"date,name\n" + b"".join(f"2031-01-{day:02d},Day {day}\n".encode() for day in range(1, 8))
    with tenant_context(tenant_a):
        job = imports.start_import(
            admin_model_label="people.holiday",
            resource_class=HolidayResource,
            uploaded_file=SimpleUploadedFile("holidays.csv", content),
            input_format="csv",
            user=user_a,
        )
        imports.confirm_import(job=job, user=hr)
        assert set(Holiday.history.values_list("history_user_id", flat=True)) == {hr.pk}
    start(tenant_a, user_a, department_csv(good_rows(6)))
    with tenant_context(tenant_a):
        job = ImportJob.objects.get(model_label="people.department")
        imports.confirm_import(job=job, user=hr)
        assert set(Department.history.values_list("history_user_id", flat=True)) == {hr.pk}


# --- tasks: idempotent, progress, failures ------------------------------------------------------
def start(tenant, user, content, name="departments.csv"):
    with tenant_context(tenant):
        return imports.start_import(
            admin_model_label="people.department",
            resource_class=DepartmentResource,
            uploaded_file=SimpleUploadedFile(name, content),
            input_format="csv",
            user=user,
        )


def test_running_a_task_twice_does_nothing_the_second_time(tenant_a, user_a):
    job = start(tenant_a, user_a, department_csv(good_rows(8)))
    assert job.status == ImportStatus.VALIDATED
    with tenant_context(tenant_a):
        history_rows = job.history.count()
        assert tasks.validate_import_file(job.pk) is None  # a second delivery: already handled
        assert tasks.import_file(job.pk) is None  # not confirmed: the import task refuses too
        job = imports.confirm_import(job=job, user=user_a)
        assert job.status == ImportStatus.IMPORTED
        assert tasks.import_file(job.pk) is None  # rerun after success
        assert tasks.validate_import_file(job.pk) is None
        assert Department.objects.count() == 8
        assert job.history.count() == history_rows + 3  # queued, importing, imported: nothing more


def test_a_job_abandoned_by_a_dead_worker_is_claimed_again_after_the_timeout(tenant_a, user_a):
    job = start(tenant_a, user_a, department_csv(good_rows(6)))
    with tenant_context(tenant_a):
        # A worker claimed the import, then died: the job says "importing", nothing was written.
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.IMPORTING, started_at=timezone.now() - datetime.timedelta(seconds=30)
        )
        assert tasks.import_file(job.pk) is None  # it may still be running: leave it
        ImportJob.objects.filter(pk=job.pk).update(started_at=timezone.now() - datetime.timedelta(hours=1))
        assert tasks.import_file(job.pk) == ImportStatus.IMPORTED
        assert Department.objects.count() == 6


def test_progress_is_published_in_the_cache_while_the_task_runs(tenant_a, user_a, monkeypatch):
    monkeypatch.setattr(DepartmentResource, "PROGRESS_EVERY", 2)
    seen = []
    real_publish = imports.publish_progress

    def spy(job_id, **figures):
        real_publish(job_id, **figures)
        seen.append(cache.get(imports.progress_key(job_id)))

    monkeypatch.setattr(imports, "publish_progress", spy)
    job = start(tenant_a, user_a, department_csv(good_rows(7)))
    assert [(f["status"], f["processed"]) for f in seen] == [
        ("validating", 0),  # claimed
        ("validating", 0),  # file read
        ("validating", 2),
        ("validating", 4),
        ("validating", 6),
        ("validating", 7),  # the last row
    ]
    assert all(f["total"] == 7 for f in seen[1:])
    assert cache.get(imports.progress_key(job.pk)) is None  # finished: the row has the figures
    assert (job.processed_rows, job.total_rows) == (7, 7)


def test_the_detail_page_reads_progress_from_the_cache_while_running(client_a, tenant_a, user_a):
    job = start(tenant_a, user_a, department_csv(good_rows(8)))
    with tenant_context(tenant_a):
        ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.IMPORTING)
    imports.publish_progress(job.pk, status=ImportStatus.IMPORTING, processed=3, total=8)
    content = client_a.get(job_url(job)).content.decode()
    assert "3 of 8 rows" in content and "width: 37%" in content
    assert 'http-equiv="refresh"' in content
    listing = client_a.get(reverse("admin:people_importjob_changelist")).content.decode()
    assert "3 / 8 (37%)" in listing


def test_a_crash_marks_the_job_failed_and_is_not_retried(tenant_a, user_a, monkeypatch):
    def explode(self, dataset, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(DepartmentResource, "import_data", explode)
    job = start(tenant_a, user_a, department_csv(good_rows(6)))
    assert job.status == ImportStatus.FAILED
    assert job.failure_message == "RuntimeError: disk on fire" and job.finished_at is not None
    with tenant_context(tenant_a):
        assert tasks.validate_import_file(job.pk) is None  # failed is final
        with pytest.raises(imports.ImportNotAllowed, match="failed"):
            imports.confirm_import(job=job, user=user_a)


def test_errors_stored_on_the_job_are_capped_but_counted(tenant_a, user_a, monkeypatch):
    monkeypatch.setattr(imports, "MAX_STORED_ERRORS", 3)
    rows = [f"Bad {n},Nowhere,," for n in range(1, 8)]
    job = start(tenant_a, user_a, department_csv(rows))
    assert job.status == ImportStatus.VALIDATION_FAILED
    assert (len(job.errors), job.error_count, job.more_errors) == (3, 7, 4)
    assert [error["row"] for error in job.errors] == [1, 2, 3]


def test_start_import_refuses_other_formats_and_non_tenant_resources(tenant_a, user_a):
    from import_export.resources import ModelResource

    with tenant_context(tenant_a):
        with pytest.raises(imports.ImportNotAllowed, match="CSV or XLSX"):
            imports.start_import(
                admin_model_label="people.department",
                resource_class=DepartmentResource,
                uploaded_file=SimpleUploadedFile("a.json", b"[]"),
                input_format="json",
                user=user_a,
            )
        with pytest.raises(imports.ImportNotAllowed, match="tenant resource"):
            imports.start_import(
                admin_model_label="people.department",
                resource_class=ModelResource,
                uploaded_file=SimpleUploadedFile("a.csv", b"name\n"),
                input_format="csv",
                user=user_a,
            )
        assert not ImportJob.objects.exists()


# --- isolation and who sees which jobs ----------------------------------------------------------
def test_another_tenants_job_and_its_file_answer_404(client_a, tenant_a, tenant_b, user_a, user_b):
    own = start(tenant_a, user_a, department_csv(good_rows(6)))
    foreign = start(tenant_b, user_b, department_csv(good_rows(6, prefix="Secret")))
    assert client_a.get(job_url(own, "file")).status_code == 200
    for view in ("change", "history", "file", "confirm_import"):
        assert client_a.get(job_url(foreign, view)).status_code == 404, view
    assert client_a.post(job_url(foreign, "confirm_import")).status_code == 404
    listing = client_a.get(reverse("admin:people_importjob_changelist"))
    assert [job.pk for job in listing.context["cl"].result_list] == [own.pk]
    assert department_names(tenant_b) == set()


def test_the_file_downloads_through_the_admin_only(client_a, tenant_a, user_a):
    content = department_csv(good_rows(6))
    job = start(tenant_a, user_a, content)
    response = client_a.get(job_url(job, "file"))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Disposition"] == 'attachment; filename="departments.csv"'
    page = client_a.get(job_url(job)).content.decode()
    assert job.file.url not in page  # never a media URL


def test_jobs_are_seen_by_roles_that_may_import_the_model(tenant_a, user_a, role_groups):
    from django.test import Client

    job = start(tenant_a, user_a, department_csv(good_rows(6)))
    hr = login(Client(), make_member(tenant_a, Role.HR, email="hr@tenant-a.test"), tenant_a)
    viewer = login(Client(), make_member(tenant_a, Role.VIEWER, email="viewer@tenant-a.test"), tenant_a)
    recruiter = login(
        Client(), make_member(tenant_a, Role.RECRUITER, email="recruiter@tenant-a.test"), tenant_a
    )
    assert hr.get(job_url(job)).status_code == 200
    assert hr.get(job_url(job, "file")).status_code == 200
    for client in (viewer, recruiter):  # may not import departments: nothing to see
        assert client.get(job_url(job)).status_code == 404
        assert client.get(job_url(job, "file")).status_code == 404
    listing = recruiter.get(reverse("admin:people_importjob_changelist"))
    assert listing.status_code == 200 and list(listing.context["cl"].result_list) == []
    # Only who may import the model may confirm.
    hr_confirm = hr.post(job_url(job, "confirm_import"))
    assert hr_confirm.status_code == 302
    assert only_job(tenant_a).status == ImportStatus.IMPORTED


def test_jobs_cannot_be_added_changed_or_deleted_in_the_admin(client_a, tenant_a, user_a):
    job = start(tenant_a, user_a, department_csv(good_rows(6)))
    assert client_a.get(reverse("admin:people_importjob_add")).status_code == 403
    assert client_a.post(job_url(job), {"status": "imported"}).status_code == 403
    assert client_a.get(job_url(job, "delete")).status_code == 403
    assert client_a.get("/admin/people/importjob/import/").status_code == 403


def test_the_list_filters_by_status_and_model(client_a, tenant_a, user_a):
    good = start(tenant_a, user_a, department_csv(good_rows(6)))
    bad = start(tenant_a, user_a, department_csv(["X,Nowhere,,"] * 6))
    url = reverse("admin:people_importjob_changelist")
    by_status = client_a.get(url, {"status": ImportStatus.VALIDATION_FAILED})
    assert [job.pk for job in by_status.context["cl"].result_list] == [bad.pk]
    by_model = client_a.get(url, {"model": "people.department"})
    assert {job.pk for job in by_model.context["cl"].result_list} == {good.pk, bad.pk}
    assert not client_a.get(url, {"model": "people.employee"}).context["cl"].result_list


# --- clean-up -------------------------------------------------------------------------------------
def test_old_jobs_and_their_files_are_deleted_after_30_days(tenant_a, user_a):
    old = start(tenant_a, user_a, department_csv(good_rows(6)))
    recent = start(tenant_a, user_a, department_csv(good_rows(6)))
    storage = old.file.storage
    old_name = old.file.name
    with tenant_context(tenant_a):
        ImportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=31))
        DepartmentFactory()  # unrelated data stays
        assert tasks.delete_old_imports() == 1
        assert tasks.delete_old_imports() == 0  # idempotent
        assert list(ImportJob.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not storage.exists(old_name) and storage.exists(recent.file.name)


def test_jobs_whose_task_died_are_marked_failed(tenant_a, tenant_b, user_a, user_b):
    stalled = start(tenant_a, user_a, department_csv(good_rows(6)))
    running = start(tenant_b, user_b, department_csv(good_rows(6)))
    long_ago = timezone.now() - imports.stalled_after() - datetime.timedelta(minutes=1)
    with tenant_context(tenant_a):
        ImportJob.objects.filter(pk=stalled.pk).update(status=ImportStatus.IMPORTING, started_at=long_ago)
    with tenant_context(tenant_b):
        ImportJob.objects.filter(pk=running.pk).update(
            status=ImportStatus.VALIDATING, started_at=timezone.now()
        )
    assert tasks.fail_stalled_imports() == 1
    assert tasks.fail_stalled_imports() == 0  # idempotent
    stalled, running = only_job(tenant_a), only_job(tenant_b)
    assert stalled.status == ImportStatus.FAILED and "worker stopped" in stalled.failure_message
    assert running.status == ImportStatus.VALIDATING


def test_the_clean_ups_are_declared_schedules():
    from people.schedules import SCHEDULES

    specs = {spec.name: spec for spec in SCHEDULES}
    assert specs["people.delete_old_imports"].per_tenant
    assert specs["people.delete_old_imports"].func == "people.tasks.delete_old_imports"
    assert not specs["people.fail_stalled_imports"].per_tenant  # global: one query finds the tenants
