"""Recruiting imports and exports: jobs, candidates and applications.

Each resource: the sample file imports; a bad row is reported by row and column and the file
writes nothing; another tenant's rows are never found or changed; candidates are written in bulk
with their history and duplicates flagged; applications follow the pipeline's rules.
"""

from io import BytesIO
from pathlib import Path

import pytest
import tablib
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from import_export.formats.base_formats import CSV
from openpyxl import load_workbook

from people.models import ImportJob, ImportStatus
from people.resources import DepartmentResource, EmployeeResource
from people.tenancy import tenant_context
from recruiting.models import (
    Application,
    ApplicationStatus,
    ApplicationStatusChange,
    Candidate,
    JobPosting,
    JobStatus,
)
from recruiting.resources import ApplicationResource, CandidateResource, JobPostingResource
from tests.people.test_hr_resources import assert_clean, errors_by_row
from tests.people.test_imports import job_url, only_job, upload
from tests.recruiting.factories import ApplicationFactory, CandidateFactory, JobPostingFactory

pytestmark = pytest.mark.django_db

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
CANDIDATE_HEADERS = ("email", "first_name", "last_name", "phone", "source", "tags")
APPLICATION_HEADERS = ("candidate_email", "job_reference", "status", "source", "rejection_reason")


def sample(app, name):
    return CSV(encoding="utf-8").create_dataset((FIXTURES / app / name).read_text(encoding="utf-8"))


def dataset(headers, *rows):
    return tablib.Dataset(*rows, headers=list(headers))


def run(resource_class, tenant, data, user=None, **kwargs):
    return resource_class(tenant=tenant).import_data(data, user=user, **kwargs)


def count_in(tenant, model, **filters):
    with tenant_context(tenant):
        return model.objects.filter(**filters).count()


# --- sample files -----------------------------------------------------------------------------
def test_the_sample_files_import_into_an_empty_tenant(tenant_a, user_a):
    for resource_class, name in (
        (DepartmentResource, "departments.csv"),
        (EmployeeResource, "employees.csv"),
    ):
        assert_clean(run(resource_class, tenant_a, sample("people", name)))
    steps = [
        (JobPostingResource, "jobs.csv", JobPosting, 3),
        (CandidateResource, "candidates.csv", Candidate, 4),
        (ApplicationResource, "applications.csv", Application, 4),
    ]
    for resource_class, name, model, rows in steps:
        preview = run(resource_class, tenant_a, sample("recruiting", name), user_a, dry_run=True)
        assert_clean(preview)
        assert preview.totals["new"] == rows
        assert count_in(tenant_a, model) == 0, f"the dry run of {name} wrote rows"
        assert_clean(run(resource_class, tenant_a, sample("recruiting", name), user_a))
        assert count_in(tenant_a, model) == rows

    with tenant_context(tenant_a):
        job = JobPosting.objects.get(reference_code="ENG-101")
        assert (job.department.name, job.hiring_manager.employee_number) == ("Platform", "E00003")
        assert job.skills == ["python", "django", "postgresql"]
        assert job.status == JobStatus.PUBLISHED and job.published_at is not None
        assert job.published_on_career_page is True and job.closes_at.year == 2026
        alan = Candidate.objects.get(email="alan.turing@example.com")
        # 0044 20 7946 0001 is Ada's +44 20 7946 0001, earlier in the same file.
        assert alan.possible_duplicate_of.email == "ada.lovelace@example.com"
        assert Candidate.objects.get(email="ada.lovelace@example.com").tags == ["python", "senior"]
        rejected = Application.objects.get(candidate=alan)
        assert rejected.status == ApplicationStatus.REJECTED
        assert rejected.rejection_reason.startswith("Role needs")
        first = ApplicationStatusChange.objects.get(application=rejected)
        assert (first.from_status, first.to_status, first.changed_by) == (
            "",
            ApplicationStatus.REJECTED,
            user_a,
        )


# --- jobs ---------------------------------------------------------------------------------------
JOB_HEADERS = (
    "reference_code",
    "title",
    "salary_min",
    "salary_max",
    "salary_currency",
    "recruiter",
    "status",
)


def test_jobs_update_by_reference_code_and_report_bad_cells_by_column(tenant_a, user_a):
    with tenant_context(tenant_a):
        status = JobPostingFactory(reference_code="ENG-1", title="Old title").status
    result = run(
        JobPostingResource,
        tenant_a,
        dataset(
            JOB_HEADERS,
            ["ENG-1", "New title", "", "", "", user_a.email.upper(), ""],
            ["ENG-2", "Data Engineer", "90000", "70000", "eur", "", ""],
            ["ENG-3", "Analyst", "abc", "", "EUR", "", ""],
            ["ENG-4", "Designer", "", "", "", "nobody@example.com", "sometimes"],
        ),
    )
    errors = errors_by_row(result)
    assert set(errors) == {2, 3, 4}
    assert "below where it starts" in errors[2]["salary_max"][0]
    assert errors[2]["salary_max"][0].startswith("Column salary_max:")
    assert "'abc' is not an amount" in errors[3]["salary_min"][0]
    assert "no member of this company has the e-mail 'nobody@example.com'" in errors[4]["recruiter"][0]
    assert "'sometimes' is not one of" in errors[4]["status"][0]
    with tenant_context(tenant_a):
        assert JobPosting.objects.get().title == "Old title", "a file with bad rows wrote something"

    result = run(
        JobPostingResource,
        tenant_a,
        dataset(JOB_HEADERS, ["ENG-1", "New title", "", "", "", user_a.email.upper(), ""]),
    )
    assert_clean(result)
    with tenant_context(tenant_a):
        job = JobPosting.objects.get()
        # An empty status cell keeps the job's status.
        assert (job.title, job.recruiter, job.status) == ("New title", user_a, status)


def test_another_tenants_jobs_and_staff_are_never_found(tenant_a, tenant_b, user_b):
    with tenant_context(tenant_b):
        JobPostingFactory(reference_code="SHARED-1", title="B's job")
    result = run(
        JobPostingResource,
        tenant_a,
        dataset(JOB_HEADERS, ["SHARED-1", "A's job", "", "", "", user_b.email, ""]),
    )
    assert "no member of this company" in errors_by_row(result)[1]["recruiter"][0]
    assert_clean(
        run(JobPostingResource, tenant_a, dataset(JOB_HEADERS, ["SHARED-1", "A's job", "", "", "", "", ""]))
    )
    with tenant_context(tenant_b):
        assert JobPosting.objects.get().title == "B's job"
    with tenant_context(tenant_a):
        assert JobPosting.objects.get().title == "A's job"


# --- candidates ---------------------------------------------------------------------------------
def test_candidates_are_written_in_bulk_with_history_and_the_importing_user(
    tenant_a, user_a, django_assert_max_num_queries
):
    rows = [
        [f"person{i}@example.com", f"First{i}", f"Last{i}", f"+49 30 {1000 + i}", "linkedin", "a, b"]
        for i in range(300)
    ]
    # Lookups once per file and INSERTs of many rows (1,000 on PostgreSQL; SQLite's limit on query
    # parameters cuts them to about 45 rows each): not one INSERT, let alone two, per row.
    with django_assert_max_num_queries(30):
        result = run(CandidateResource, tenant_a, dataset(CANDIDATE_HEADERS, *rows), user_a)
    assert_clean(result)
    with tenant_context(tenant_a):
        assert Candidate.objects.count() == 300
        history = Candidate.history.filter(history_type="+")
        assert history.count() == 300
        assert set(history.values_list("history_user", flat=True)) == {user_a.pk}
        assert set(history.values_list("tenant_id", flat=True)) == {tenant_a.pk}
        person = Candidate.objects.get(email="person7@example.com")
        assert person.phone_normalized == "+49301007" and person.tags == ["a", "b"]


def test_a_known_email_in_any_case_updates_that_candidate(tenant_a, user_a):
    with tenant_context(tenant_a):
        known = CandidateFactory(email="ada@example.com", first_name="Ada", last_name="Byron")
    result = run(
        CandidateResource,
        tenant_a,
        dataset(CANDIDATE_HEADERS, ["ADA@Example.com", "Ada", "Lovelace", "", "", ""]),
        user_a,
    )
    assert_clean(result)
    assert result.totals["update"] == 1
    with tenant_context(tenant_a):
        known.refresh_from_db()
        assert known.last_name == "Lovelace" and Candidate.objects.count() == 1
        assert known.history.first().history_type == "~" and known.history.first().history_user == user_a


def test_phone_duplicates_are_flagged_against_the_company_and_the_file(tenant_a):
    with tenant_context(tenant_a):
        existing = CandidateFactory(email="first@example.com", phone="+49 30 1234567")
    result = run(
        CandidateResource,
        tenant_a,
        dataset(
            CANDIDATE_HEADERS,
            ["second@example.com", "Second", "Person", "0049 30 1234567", "", ""],
            ["third@example.com", "Third", "Person", "+1 555 0100", "", ""],
            ["fourth@example.com", "Fourth", "Person", "+1 (555) 0100", "", ""],
        ),
    )
    assert_clean(result)
    with tenant_context(tenant_a):
        flagged = dict(Candidate.objects.values_list("email", "possible_duplicate_of__email"))
    assert flagged == {
        "first@example.com": None,
        "second@example.com": existing.email,
        "third@example.com": None,
        "fourth@example.com": "third@example.com",
    }


def test_bad_candidate_rows_are_reported_by_row_and_column_and_nothing_is_written(tenant_a):
    result = run(
        CandidateResource,
        tenant_a,
        dataset(
            CANDIDATE_HEADERS,
            ["good@example.com", "Good", "Row", "", "", ""],
            ["not-an-email", "Bad", "Email", "", "", ""],
            ["GOOD@example.com", "Same", "Email", "", "", ""],
            ["other@example.com", "", "No first name", "", "carrier pigeon", ""],
        ),
    )
    errors = errors_by_row(result)
    assert set(errors) == {2, 3, 4}
    assert errors[2]["email"] == ["Column email: Enter a valid email address."]
    assert "also on row 1 of this file" in errors[3]["email"][0]
    assert errors[4]["first_name"] == ["Column first_name: This field cannot be blank."]
    assert "'carrier pigeon' is not one of" in errors[4]["source"][0]
    assert count_in(tenant_a, Candidate) == 0
    assert count_in(tenant_a, Candidate.history.model) == 0


def test_a_large_file_skips_diffs_but_imports_the_same(tenant_a):
    rows = [[f"p{i}@example.com", "P", str(i), "", "", ""] for i in range(5)]
    progress = []
    resource = CandidateResource(tenant=tenant_a, large_file=True)
    resource.PROGRESS_EVERY = 2
    resource.on_progress = lambda done, total: progress.append((done, total))
    result = resource.import_data(dataset(CANDIDATE_HEADERS, *rows))
    assert_clean(result)
    assert count_in(tenant_a, Candidate) == 5
    assert progress == [(2, 5), (4, 5), (5, 5)]
    assert all(row.diff is None for row in result.rows)


def test_another_tenants_candidate_with_the_same_email_is_left_alone(tenant_a, tenant_b):
    with tenant_context(tenant_b):
        theirs = CandidateFactory(email="shared@example.com", first_name="Theirs")
    assert_clean(
        run(
            CandidateResource,
            tenant_a,
            dataset(CANDIDATE_HEADERS, ["shared@example.com", "Ours", "X", "", "", ""]),
        )
    )
    with tenant_context(tenant_b):
        theirs.refresh_from_db()
        assert theirs.first_name == "Theirs"
    assert count_in(tenant_a, Candidate, first_name="Ours") == 1


# --- applications -------------------------------------------------------------------------------
@pytest.fixture
def pipeline_a(tenant_a):
    with tenant_context(tenant_a):
        job = JobPostingFactory(reference_code="ENG-1")
        candidate = CandidateFactory(email="ada@example.com")
        return job, candidate


def test_a_known_application_moves_only_where_the_pipeline_allows(tenant_a, user_a, pipeline_a):
    job, candidate = pipeline_a
    with tenant_context(tenant_a):
        application = ApplicationFactory(
            job=job, candidate=candidate, status=ApplicationStatus.PENDING_REVIEW
        )
    refused = run(
        ApplicationResource,
        tenant_a,
        dataset(APPLICATION_HEADERS, ["ada@example.com", "ENG-1", "final_interview_round", "", ""]),
        user_a,
    )
    [message] = errors_by_row(refused)[1]["status"]
    assert "cannot move from Pending review to Final interview" in message
    assert "Phone screening" in message  # names the allowed moves

    moved = run(
        ApplicationResource,
        tenant_a,
        dataset(APPLICATION_HEADERS, ["ADA@example.com", "ENG-1", "Phone screening", "", ""]),
        user_a,
    )
    assert_clean(moved)
    with tenant_context(tenant_a):
        application.refresh_from_db()
        assert application.status == ApplicationStatus.PHONE_SCREEN
        change = application.status_changes.get(to_status=ApplicationStatus.PHONE_SCREEN)
        assert (change.from_status, change.changed_by) == (ApplicationStatus.PENDING_REVIEW, user_a)


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (["ada@example.com", "ENG-1", "hired", "", ""], "status", "nobody is hired by a file"),
        (["ada@example.com", "ENG-1", "rejected", "", ""], "rejection_reason", "say why"),
        (["nobody@example.com", "ENG-1", "", "", ""], "candidate_email", "no candidate with the e-mail"),
        (["ada@example.com", "NOPE-9", "", "", ""], "job_reference", "no job with the reference code"),
    ],
)
def test_new_applications_refuse_what_the_pipeline_refuses(tenant_a, pipeline_a, row, column, message):
    result = run(ApplicationResource, tenant_a, dataset(APPLICATION_HEADERS, row))
    assert message in " ".join(errors_by_row(result)[1][column])
    assert count_in(tenant_a, Application) == 0


def test_applications_never_reach_another_tenants_candidates_or_jobs(tenant_a, tenant_b, pipeline_a):
    with tenant_context(tenant_b):
        JobPostingFactory(reference_code="B-1")
        CandidateFactory(email="bee@example.com")
    result = run(
        ApplicationResource,
        tenant_a,
        dataset(
            APPLICATION_HEADERS,
            ["bee@example.com", "ENG-1", "", "", ""],
            ["ada@example.com", "B-1", "", "", ""],
        ),
    )
    errors = errors_by_row(result)
    assert "no candidate" in errors[1]["candidate_email"][0] and "no job" in errors[2]["job_reference"][0]
    assert count_in(tenant_a, Application) == 0 and count_in(tenant_b, Application) == 0


# --- export through the admin ----------------------------------------------------------------------
@pytest.fixture
def risky_candidate(tenant_a, tenant_b):
    with tenant_context(tenant_a):
        CandidateFactory(
            email="evil@example.com", first_name='=HYPERLINK("http://x")', last_name="+1", phone=""
        )
    with tenant_context(tenant_b):
        CandidateFactory(email="other@example.com")


def export(client, file_format):
    selected = {f"candidateresource_{name}": "on" for name in CandidateResource._meta.fields}
    response = client.post(
        reverse("admin:recruiting_candidate_export"), {"format": file_format, "resource": "0", **selected}
    )
    assert response.status_code == 200
    return response.content


def test_the_xlsx_export_shows_formulae_as_text_and_stays_in_the_tenant(client_a, risky_candidate):
    sheet = load_workbook(BytesIO(export(client_a, "1"))).active
    assert [cell.value for cell in sheet[1]][:3] == ["email", "first_name", "last_name"]
    assert [row[0].value for row in sheet.iter_rows(min_row=2)] == ["evil@example.com"]
    first_name, last_name = sheet["B2"], sheet["C2"]
    assert first_name.value == '=HYPERLINK("http://x")' and last_name.value == "+1"  # shown as written
    assert first_name.data_type == "s" and first_name.quotePrefix  # text, never a formula
    assert last_name.data_type == "s" and last_name.quotePrefix


def test_the_csv_export_quotes_formulae_and_imports_back_unchanged(client_a, tenant_a, risky_candidate):
    content = export(client_a, "0").decode()
    assert "'=HYPERLINK" in content and ",'+1," in content and "other@example.com" not in content
    with tenant_context(tenant_a):
        Candidate.objects.all().delete()
    assert_clean(run(CandidateResource, tenant_a, CSV(encoding="utf-8").create_dataset(content)))
    with tenant_context(tenant_a):
        evil = Candidate.objects.get()
        assert (evil.first_name, evil.last_name) == ('=HYPERLINK("http://x")', "+1")


# --- large files (the background import's path) -----------------------------------------------------
# A background import runs CandidateResource(large_file=True): a leaner row loop (columns planned once
# per file, model validation with quick checks), no per-row results kept, and on PostgreSQL the rows
# and their history written by COPY (people/resources/bulk.py). It must write and refuse exactly what
# the admin's synchronous import does.
FULL_HEADERS = (
    "email",
    "first_name",
    "last_name",
    "phone",
    "location",
    "current_title",
    "current_company",
    "employment_status",
    "visa_sponsorship_status",
    "source",
    "tags",
    "consent_given_at",
    "retention_until",
)


def full_row(email, first="Ada", phone="", **cells):
    values = {
        "email": email,
        "first_name": first,
        "last_name": "Lovelace",
        "phone": phone,
        "location": "London",
        "current_title": "Engineer",
        "current_company": "Engines",
        "employment_status": "actively_looking",
        "visa_sponsorship_status": "not_required",
        "source": "linkedin",
        "tags": "python, senior",
        "consent_given_at": "2026-10-01 09:30",
        "retention_until": "2027-10-01",
        **cells,
    }
    return [values[h] for h in FULL_HEADERS]


def candidates_file():
    """New candidates, an update of a stored one (e-mail in another case), phone duplicates of a
    stored candidate and of an earlier row, a formula quote, every date spelling."""
    return dataset(
        FULL_HEADERS,
        full_row("new1@example.com", phone="+49 30 111"),
        full_row("STORED@example.com", first="Updated", phone="+44 20 999"),
        full_row("new2@example.com", phone="0049 30 111", tags=""),  # dup of row 1
        full_row("new3@example.com", phone="+44 (20) 999"),  # dup of the stored candidate
        full_row("new4@example.com", phone="'+1 555 0100", first="'=cmd"),  # quotes dropped
        full_row("new5@example.com", consent_given_at="2026-10-01", retention_until=""),
        full_row("new6@example.com", consent_given_at="2026-10-01T09:30:15", source="Job board"),
        full_row("new7@example.com", consent_given_at="2026-1-2 9:05", retention_until="2027-1-2"),
        full_row("new8@example.com", employment_status="", visa_sponsorship_status=""),
    )


def stored_candidate(tenant):
    with tenant_context(tenant):
        return CandidateFactory(
            email="stored@example.com", first_name="Stored", last_name="Person", phone="+44 20 999"
        )


def snapshot(tenant):
    """What an import left in a tenant: candidates and their history rows, without ids or times."""
    names = [f for f in FULL_HEADERS if f != "email"] + ["phone_normalized", "anonymized_at", "cv"]
    with tenant_context(tenant):
        candidates = sorted(
            (c.email, *(str(getattr(c, n)) for n in names), getattr(c.possible_duplicate_of, "email", None))
            for c in Candidate.objects.select_related("possible_duplicate_of")
        )
        history = sorted(
            (
                h.email,
                h.history_type,
                h.history_user_id,
                h.history_change_reason,
                h.tenant_id == tenant.pk,
                h.id == Candidate.objects.get(email=h.email).pk,
                h.created_at is not None and h.updated_at is not None,
                *(str(getattr(h, n)) for n in names),
            )
            for h in Candidate.history.all()
        )
    return candidates, history


@pytest.mark.parametrize("large_file", [False, True])
def test_a_file_imports_the_same_with_and_without_copy(
    tenant_a, tenant_b, user_a, user_b, monkeypatch, large_file
):
    """On PostgreSQL rows and history rows are written by COPY; the Django path (simple-history's
    bulk writes, as on SQLite) must give the same rows. On SQLite both runs take the Django path."""
    from people.resources import bulk

    stored_candidate(tenant_a), stored_candidate(tenant_b)
    copied = CandidateResource(tenant=tenant_a, large_file=large_file).import_data(
        candidates_file(), user=user_a
    )
    assert_clean(copied)
    monkeypatch.setattr(bulk, "_copy_supported", lambda *args, **kwargs: False)
    django = CandidateResource(tenant=tenant_b, large_file=large_file).import_data(
        candidates_file(), user=user_b
    )
    assert_clean(django)
    assert copied.totals == django.totals and (copied.totals["new"], copied.totals["update"]) == (8, 1)
    ours, theirs = snapshot(tenant_a), snapshot(tenant_b)
    # The only difference: the user named in the history rows of each tenant's import.
    assert ours[0] == theirs[0]
    assert [h[:2] + h[3:] for h in ours[1]] == [h[:2] + h[3:] for h in theirs[1]]
    assert {h[2] for h in ours[1] if (h[0], h[1]) != ("stored@example.com", "+")} == {user_a.pk}

    with tenant_context(tenant_a):
        by_email = {c.email: c for c in Candidate.objects.all()}
        history = Candidate.history.filter(history_user=user_a)
        assert history.filter(history_type="+").count() == 8 and history.filter(history_type="~").count() == 1
    assert by_email["stored@example.com"].first_name == "Updated"
    assert by_email["new2@example.com"].possible_duplicate_of == by_email["new1@example.com"]
    assert by_email["new3@example.com"].possible_duplicate_of == by_email["stored@example.com"]
    assert (by_email["new4@example.com"].phone, by_email["new4@example.com"].first_name) == (
        "+1 555 0100",
        "=cmd",
    )
    assert (
        by_email["new1@example.com"].tags == ["python", "senior"] and by_email["new2@example.com"].tags == []
    )
    assert by_email["new6@example.com"].source == "job_board"
    assert by_email["new8@example.com"].employment_status == "actively_looking"  # the default kept
    consent = by_email["new7@example.com"].consent_given_at
    assert (consent.month, consent.day, consent.hour, consent.minute) == (1, 2, 9, 5)
    assert str(by_email["new7@example.com"].retention_until) == "2027-01-02"


BAD_ROWS = (
    full_row("ok@example.com"),
    full_row("not-an-email"),
    full_row("OK@example.com"),  # the same e-mail twice
    full_row("x@example.com", first="", source="carrier pigeon", tags="a" * 0),
    full_row("y@example.com", consent_given_at="01/10/2026", retention_until="2027-02-30"),
    full_row("z@example.com", first="F" * 101, employment_status="retired"),
    full_row("w@example.com", phone="+49 " + "1" * 40),
    full_row("anon@example.com"),  # an anonymised candidate
    full_row("v@example.com", consent_given_at="2026-10-01 25:00", retention_until="20271001"),
)


def test_a_large_file_refuses_what_the_admin_refuses_and_writes_nothing(tenant_a, tenant_b, user_a):
    for tenant in (tenant_a, tenant_b):
        with tenant_context(tenant):
            CandidateFactory(email="anon@example.com", anonymized_at=timezone.now())
    small = CandidateResource(tenant=tenant_a).import_data(dataset(FULL_HEADERS, *BAD_ROWS), user=user_a)
    large = CandidateResource(tenant=tenant_b, large_file=True).import_data(
        dataset(FULL_HEADERS, *BAD_ROWS), user=user_a
    )
    errors = errors_by_row(large)
    assert errors == errors_by_row(small)
    assert set(errors) == {2, 3, 4, 5, 6, 7, 8, 9}
    assert errors[2] == {"email": ["Column email: Enter a valid email address."]}
    assert "also on row 1 of this file" in errors[3]["email"][0]
    assert errors[4]["first_name"] == ["Column first_name: This field cannot be blank."]
    assert "'carrier pigeon' is not one of" in errors[4]["source"][0]
    assert (
        "'01/10/2026' is not a date and time; write it as YYYY-MM-DD HH:MM."
        in errors[5]["consent_given_at"][0]
    )
    assert "'2027-02-30' is not a date; write it as YYYY-MM-DD" in errors[5]["retention_until"][0]
    assert errors[6]["first_name"] == [
        "Column first_name: Ensure this value has at most 100 characters (it has 101)."
    ]
    assert "'retired' is not one of" in errors[6]["employment_status"][0]
    assert errors[7] == {"phone": ["Column phone: Ensure this value has at most 40 characters (it has 44)."]}
    assert "belongs to an anonymised candidate" in errors[8]["email"][0]
    assert set(errors[9]) == {"consent_given_at", "retention_until"}
    assert large.totals == small.totals and large.totals["invalid"] == 8
    for tenant in (tenant_a, tenant_b):
        assert count_in(tenant, Candidate) == 1, "a file with bad rows wrote something"
        with tenant_context(tenant):
            assert Candidate.history.count() == 1  # the anonymised candidate's own
    assert large.rows == [row for row in large.rows if not row.is_valid()]  # no result per good row


def test_a_large_file_reports_a_row_error_under_its_own_number(tenant_a, monkeypatch):
    def broken(self, value, row=None, **kwargs):
        if value == "boom":
            raise RuntimeError("the widget broke")
        return value

    monkeypatch.setattr(type(CandidateResource.fields["location"].widget), "clean", broken)
    rows = [full_row(f"p{i}@example.com", location="boom" if i == 3 else "Berlin") for i in range(1, 6)]
    result = CandidateResource(tenant=tenant_a, large_file=True).import_data(dataset(FULL_HEADERS, *rows))
    assert result.has_errors() and [number for number, _ in result.row_errors()] == [3]
    assert "the widget broke" in str(result.row_errors()[0][1][0].error)
    assert count_in(tenant_a, Candidate) == 0


def test_a_large_file_flags_phone_duplicates_like_a_small_one(tenant_a, tenant_b):
    rows = [
        ["a@example.com", "A", "X", "+49 30 1", "", ""],
        ["b@example.com", "B", "X", "0049 30 1", "", ""],
        ["c@example.com", "C", "X", "+49 (30) 1", "", ""],
        ["d@example.com", "D", "X", "+1 2", "", ""],
        ["e@example.com", "E", "X", "", "", ""],
        ["f@example.com", "F", "X", "", "", ""],
    ]
    for tenant, large_file in ((tenant_a, False), (tenant_b, True)):
        with tenant_context(tenant):
            CandidateFactory(email="old@example.com", phone="+1 2")
        resource = CandidateResource(tenant=tenant, large_file=large_file)
        assert_clean(resource.import_data(dataset(CANDIDATE_HEADERS, *rows)))
    flags = []
    for tenant in (tenant_a, tenant_b):
        with tenant_context(tenant):
            flags.append(dict(Candidate.objects.values_list("email", "possible_duplicate_of__email")))
    assert flags[0] == flags[1]
    assert flags[1] == {
        "old@example.com": None,
        "a@example.com": None,
        "b@example.com": "a@example.com",
        "c@example.com": "a@example.com",
        "d@example.com": "old@example.com",
        "e@example.com": None,
        "f@example.com": None,
    }


def test_a_large_candidate_file_imports_through_the_admin_in_the_background(
    client_a, tenant_a, user_a, settings
):
    """The admin's path for a large file: an ImportJob, validated (a dry run) then imported by tasks
    that run CandidateResource(large_file=True); the history names the confirming user."""
    settings.IMPORT_BACKGROUND_ROWS = 5
    stored_candidate(tenant_a)
    content = CSV(encoding="utf-8").export_data(candidates_file()).encode()
    upload(client_a, content, name="candidates.csv", url=reverse("admin:recruiting_candidate_import"))
    job = only_job(tenant_a)
    assert (job.status, job.new_count, job.updated_count, job.errors) == (ImportStatus.VALIDATED, 8, 1, [])
    assert count_in(tenant_a, Candidate) == 1  # validation is a dry run
    client_a.post(job_url(job, "confirm_import"), {"next": job_url(job)})
    job = only_job(tenant_a)
    assert (job.status, job.new_count, job.updated_count) == (ImportStatus.IMPORTED, 8, 1), job.errors
    with tenant_context(tenant_a):
        assert Candidate.objects.count() == 9
        history = Candidate.history.exclude(history_type="+", email="stored@example.com")
        assert sorted(history.values_list("history_type", "history_user_id")) == [("+", user_a.pk)] * 8 + [
            ("~", user_a.pk)
        ]
        assert (
            Candidate.objects.get(email="new3@example.com").possible_duplicate_of.email
            == "stored@example.com"
        )

    bad = CSV(encoding="utf-8").export_data(dataset(FULL_HEADERS, *BAD_ROWS)).encode()
    with tenant_context(tenant_a):
        CandidateFactory(email="anon@example.com", anonymized_at=timezone.now())
        ImportJob.objects.all().delete()
    upload(client_a, bad, name="bad.csv", url=reverse("admin:recruiting_candidate_import"))
    job = only_job(tenant_a)
    assert job.status == ImportStatus.VALIDATION_FAILED and job.invalid_count == 8
    assert {
        "row": 2,
        "column": "email",
        "message": "Column email: Enter a valid email address.",
    } in job.errors
