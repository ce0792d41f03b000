"""The recruiting workflow actions in the admin: each step's allowed and refused paths, GET-safe
confirmation pages, role and tenant checks, forged form posts, the candidate form through the
services, merging and the candidate timeline."""

import datetime

import pytest
from django.utils import timezone

from people.models import Employee
from people.roles import Role
from people.tenancy import tenant_context
from recruiting.models import (
    Application,
    ApplicationStatus,
    ApplicationStatusChange,
    BackgroundCheck,
    Candidate,
    CheckStatus,
    DocumentStatus,
    Interview,
    InterviewFeedback,
    InterviewParticipant,
    InterviewStatus,
    Offer,
    OfferStatus,
)
from recruiting.services import checks, interviews, offers, pipeline
from tests.conftest import login, make_member
from tests.people.factories import DepartmentFactory
from tests.recruiting.factories import (
    ApplicationFactory,
    BackgroundCheckDocumentFactory,
    BackgroundCheckFactory,
    CandidateFactory,
    InterviewFactory,
    JobPostingFactory,
    OfferFactory,
)

pytestmark = pytest.mark.django_db

S = ApplicationStatus
APPS = "/admin/recruiting/application/"
INTERVIEWS = "/admin/recruiting/interview/"
OFFERS = "/admin/recruiting/offer/"
CHECKS = "/admin/recruiting/backgroundcheck/"
CANDIDATES = "/admin/recruiting/candidate/"
DAY = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()


@pytest.fixture
def recruiter(tenant_a, user_a):
    return make_member(
        tenant_a, Role.RECRUITER, email="recruiter@tenant-a.test", first_name="Rita", last_name="Reyes"
    )


@pytest.fixture
def recruiter_client(client, tenant_a, recruiter):
    return login(client, recruiter, tenant_a)


@pytest.fixture
def viewer_client(client, tenant_a, user_a):
    return login(client, make_member(tenant_a, Role.VIEWER, email="viewer@tenant-a.test"), tenant_a)


def in_a(tenant_a, func, *args, **kwargs):
    with tenant_context(tenant_a):
        return func(*args, **kwargs)


def refreshed(tenant, obj):
    with tenant_context(tenant):
        obj.refresh_from_db()
    return obj


def text(response):
    return response.content.decode()


def errors(response):
    return response.context["form"].errors


# --- applications: move / reject / withdraw ------------------------------------------------------
def test_move_page_is_get_safe_and_offers_only_the_allowed_next_statuses(recruiter_client, tenant_a):
    application = in_a(tenant_a, ApplicationFactory, status=S.OFFER)
    response = recruiter_client.get(f"{APPS}{application.pk}/move/")
    assert response.status_code == 200
    offered = {value for value, _label in response.context["form"].fields["to_status"].choices if value}
    assert offered == {S.BACKGROUND_CHECK, S.REJECTED, S.WITHDRAWN}  # Hired is the Hire action's
    assert refreshed(tenant_a, application).status == S.OFFER
    with tenant_context(tenant_a):
        assert not ApplicationStatusChange.objects.exists()


def test_move_to_an_allowed_status_records_the_note(recruiter_client, tenant_a, recruiter):
    application = in_a(tenant_a, ApplicationFactory)
    response = recruiter_client.post(
        f"{APPS}{application.pk}/move/", {"to_status": S.PHONE_SCREEN, "note": "Strong CV"}, follow=True
    )
    assert "moved to Phone screening" in text(response)
    assert refreshed(tenant_a, application).status == S.PHONE_SCREEN
    with tenant_context(tenant_a):
        change = ApplicationStatusChange.objects.get(application=application)
    assert (change.to_status, change.note, change.changed_by) == (S.PHONE_SCREEN, "Strong CV", recruiter)


def test_a_move_the_status_does_not_allow_is_refused(recruiter_client, tenant_a):
    application = in_a(tenant_a, ApplicationFactory)
    response = recruiter_client.post(f"{APPS}{application.pk}/move/", {"to_status": S.OFFER})
    assert response.status_code == 200 and "Select a valid choice" in str(errors(response)["to_status"])
    assert refreshed(tenant_a, application).status == S.PENDING_REVIEW


def test_the_services_refusal_re_renders_the_move_form_on_its_field(recruiter_client, tenant_a):
    application = in_a(tenant_a, ApplicationFactory)
    response = recruiter_client.post(f"{APPS}{application.pk}/move/", {"to_status": S.REJECTED, "note": ""})
    assert response.status_code == 200 and "Say why the application is rejected" in str(
        errors(response)["note"]
    )
    assert refreshed(tenant_a, application).status == S.PENDING_REVIEW


def test_reject_needs_a_reason_and_keeps_it(recruiter_client, tenant_a):
    application = in_a(tenant_a, ApplicationFactory)
    url = f"{APPS}{application.pk}/reject/"
    response = recruiter_client.post(url, {"reason": "  "})
    assert response.status_code == 200 and "reason" in errors(response)
    assert refreshed(tenant_a, application).status == S.PENDING_REVIEW
    recruiter_client.post(url, {"reason": "No work permit"})
    application = refreshed(tenant_a, application)
    assert (application.status, application.rejection_reason) == (S.REJECTED, "No work permit")


def test_withdraw_and_a_closed_application_refuses_another_step(recruiter_client, tenant_a):
    application = in_a(tenant_a, ApplicationFactory)
    recruiter_client.post(f"{APPS}{application.pk}/withdraw/", {"note": "Took another job"})
    assert refreshed(tenant_a, application).status == S.WITHDRAWN
    response = recruiter_client.post(f"{APPS}{application.pk}/withdraw/", {"note": ""})
    assert response.status_code == 200 and "The application is closed (Withdrawn)" in text(response)
    # A closed application offers no step on its page.
    page = recruiter_client.get(f"{APPS}{application.pk}/change/")
    assert f"{APPS}{application.pk}/move/" not in text(page)


def test_bulk_reject_asks_for_the_reason_then_rejects_each(recruiter_client, tenant_a):
    first, second = in_a(tenant_a, ApplicationFactory), in_a(tenant_a, ApplicationFactory)
    data = {"action": "reject_selected", "_selected_action": [first.pk, second.pk]}
    response = recruiter_client.post(APPS, data)
    assert response.status_code == 200 and "reason" in response.context["form"].fields
    assert refreshed(tenant_a, first).status == S.PENDING_REVIEW
    recruiter_client.post(APPS, {**data, "post": "yes", "reason": "Position filled"})
    assert {refreshed(tenant_a, a).status for a in (first, second)} == {S.REJECTED}


# --- roles and tenants ---------------------------------------------------------------------------
def test_a_viewer_cannot_run_write_actions(viewer_client, tenant_a):
    application = in_a(tenant_a, ApplicationFactory)
    assert viewer_client.get(f"{APPS}{application.pk}/move/").status_code == 403
    response = viewer_client.post(f"{APPS}{application.pk}/move/", {"to_status": S.PHONE_SCREEN})
    assert response.status_code == 403
    assert refreshed(tenant_a, application).status == S.PENDING_REVIEW
    page = viewer_client.get(f"{APPS}{application.pk}/change/")
    assert page.status_code == 200 and f"{APPS}{application.pk}/move/" not in text(page)


@pytest.mark.parametrize(
    "path", ["move", "reject", "withdraw", "schedule-interview", "draft-offer", "request-check", "hire"]
)
def test_another_tenants_application_answers_404(recruiter_client, tenant_b, path):
    foreign = in_a(tenant_b, ApplicationFactory)
    assert recruiter_client.get(f"{APPS}{foreign.pk}/{path}/").status_code == 404
    assert recruiter_client.post(f"{APPS}{foreign.pk}/{path}/", {"reason": "x"}).status_code == 404
    assert refreshed(tenant_b, foreign).status == S.PENDING_REVIEW


def test_another_tenants_interview_offer_and_check_answer_404(recruiter_client, tenant_b):
    with tenant_context(tenant_b):
        interview, offer, check = InterviewFactory(), OfferFactory(), BackgroundCheckFactory()
    assert recruiter_client.post(f"{INTERVIEWS}{interview.pk}/confirm/").status_code == 404
    assert recruiter_client.post(f"{OFFERS}{offer.pk}/send/").status_code == 404
    assert recruiter_client.post(f"{CHECKS}{check.pk}/cancel/").status_code == 404
    assert refreshed(tenant_b, offer).status == OfferStatus.DRAFT


# --- applications: interviews --------------------------------------------------------------------
def schedule_data(*interviewers, start="10:00", end="11:00"):
    return {
        "interview_type": "technical_assessment",
        "start_0": DAY,
        "start_1": start,
        "end_0": DAY,
        "end_1": end,
        "interviewers": [user.pk for user in interviewers],
        "location": "Room 1",
        "meeting_link": "meet.example.com/abc",
    }


def test_schedule_interview_books_the_members(recruiter_client, tenant_a, recruiter):
    application = in_a(tenant_a, ApplicationFactory)
    response = recruiter_client.get(f"{APPS}{application.pk}/schedule-interview/")
    offered = set(response.context["form"].fields["interviewers"].queryset)
    assert recruiter in offered
    response = recruiter_client.post(
        f"{APPS}{application.pk}/schedule-interview/", schedule_data(recruiter), follow=True
    )
    assert "Scheduled:" in text(response)
    with tenant_context(tenant_a):
        interview = Interview.objects.get(application=application)
        assert list(interview.interviewers.all()) == [recruiter]
    assert interview.meeting_link == "https://meet.example.com/abc"


def test_a_clash_re_renders_the_schedule_form_naming_the_other_interview(
    recruiter_client, tenant_a, recruiter
):
    with tenant_context(tenant_a):
        booked = ApplicationFactory(candidate=CandidateFactory(first_name="Dana", last_name="Dee"))
        application = ApplicationFactory()
    recruiter_client.post(f"{APPS}{booked.pk}/schedule-interview/", schedule_data(recruiter))
    response = recruiter_client.post(
        f"{APPS}{application.pk}/schedule-interview/", schedule_data(recruiter, start="10:30", end="11:30")
    )
    assert response.status_code == 200
    message = " ".join(response.context["form"].non_field_errors())
    assert "Rita Reyes is already booked" in message and "Dana Dee" in message
    with tenant_context(tenant_a):
        assert not Interview.objects.filter(application=application).exists()


def test_a_forged_interviewer_of_another_tenant_is_refused(recruiter_client, tenant_a, user_b):
    application = in_a(tenant_a, ApplicationFactory)
    response = recruiter_client.post(f"{APPS}{application.pk}/schedule-interview/", schedule_data(user_b))
    assert response.status_code == 200 and "Select a valid choice" in str(errors(response)["interviewers"])
    with tenant_context(tenant_a):
        assert not Interview.objects.exists()


# --- applications: offers, checks, hire ----------------------------------------------------------
def test_draft_offer_defaults_to_the_jobs_currency_and_drafts(recruiter_client, tenant_a):
    with tenant_context(tenant_a):
        application = ApplicationFactory(job=JobPostingFactory(salary_currency="CHF"), status=S.ONSITE_1)
    url = f"{APPS}{application.pk}/draft-offer/"
    assert recruiter_client.get(url).context["form"].fields["currency"].initial == "CHF"
    recruiter_client.post(url, {"salary": "70000", "currency": "CHF", "start_date": DAY})
    with tenant_context(tenant_a):
        offer = Offer.objects.get(application=application)
    assert (offer.status, offer.salary, offer.currency) == (OfferStatus.DRAFT, 70000, "CHF")


def test_draft_offer_is_refused_before_the_onsite_round(recruiter_client, tenant_a):
    application = in_a(tenant_a, ApplicationFactory)
    response = recruiter_client.post(
        f"{APPS}{application.pk}/draft-offer/", {"salary": "70000", "currency": "EUR", "start_date": DAY}
    )
    assert response.status_code == 200 and "offers are made from" in text(response)
    with tenant_context(tenant_a):
        assert not Offer.objects.exists()


def test_request_background_check_splits_the_document_list(recruiter_client, tenant_a):
    application = in_a(tenant_a, ApplicationFactory, status=S.OFFER)
    url = f"{APPS}{application.pk}/request-check/"
    data = {"provider": "Checkr", "package": "Basic", "document_types": "Passport, Right to work,"}
    recruiter_client.post(url, data)
    with tenant_context(tenant_a):
        check = BackgroundCheck.objects.get(application=application)
        assert [d.document_type for d in check.documents.all()] == ["Passport", "Right to work"]
    assert refreshed(tenant_a, application).status == S.BACKGROUND_CHECK
    response = recruiter_client.post(url, data)  # one running check at a time
    assert response.status_code == 200 and "is already in progress" in text(response)


def test_hire_without_an_accepted_offer_shows_the_message(recruiter_client, tenant_a):
    with tenant_context(tenant_a):
        application = ApplicationFactory(status=S.OFFER)
        OfferFactory(application=application, status=OfferStatus.SENT)
    response = recruiter_client.post(f"{APPS}{application.pk}/hire/", {"start_date": ""})
    assert response.status_code == 200 and "has no accepted offer" in text(response)
    assert refreshed(tenant_a, application).status == S.OFFER
    with tenant_context(tenant_a):
        assert not Employee.objects.exists()


def test_hire_creates_the_employee_and_links_to_it(recruiter_client, tenant_a):
    with tenant_context(tenant_a):
        job = JobPostingFactory(department=DepartmentFactory(name="Data"))
        application = ApplicationFactory(job=job, status=S.OFFER)
        OfferFactory(application=application, status=OfferStatus.ACCEPTED)
    response = recruiter_client.post(f"{APPS}{application.pk}/hire/", {"start_date": ""}, follow=True)
    with tenant_context(tenant_a):
        employee = Employee.objects.get()
    assert f'href="/admin/people/employee/{employee.pk}/change/"' in text(response)
    assert refreshed(tenant_a, application).status == S.HIRED


# --- application changelist filters --------------------------------------------------------------
def test_stuck_and_department_filters(recruiter_client, tenant_a):
    with tenant_context(tenant_a):
        data = DepartmentFactory(name="Data")
        stuck = ApplicationFactory(job=JobPostingFactory(department=data))
        fresh = ApplicationFactory()
        closed = ApplicationFactory(status=S.REJECTED)
        long_ago = timezone.now() - datetime.timedelta(days=8)
        Application.objects.filter(pk__in=[stuck.pk, closed.pk]).update(status_changed_at=long_ago)

    def listed(query):
        return {a.pk for a in recruiter_client.get(APPS + query).context["cl"].result_list}

    assert listed("?stuck=7d") == {stuck.pk}
    assert listed(f"?job__department__id__exact={data.pk}") == {stuck.pk}
    assert fresh.pk in listed("")


# --- interviews ----------------------------------------------------------------------------------
def past_interview(tenant, *interviewers):
    with tenant_context(tenant):
        start = timezone.now() - datetime.timedelta(hours=3)
        interview = InterviewFactory(scheduled_start=start, scheduled_end=start + datetime.timedelta(hours=1))
        for user in interviewers:
            InterviewParticipant.objects.create(interview=interview, interviewer=user)
    return interview


def test_confirm_then_complete_is_refused_for_a_future_interview(recruiter_client, tenant_a):
    interview = in_a(tenant_a, InterviewFactory)
    assert recruiter_client.get(f"{INTERVIEWS}{interview.pk}/confirm/").status_code == 200
    assert refreshed(tenant_a, interview).status == InterviewStatus.SCHEDULED  # GET changes nothing
    recruiter_client.post(f"{INTERVIEWS}{interview.pk}/confirm/")
    assert refreshed(tenant_a, interview).status == InterviewStatus.CONFIRMED
    response = recruiter_client.post(f"{INTERVIEWS}{interview.pk}/complete/", follow=True)
    assert "it can be marked completed once it has started" in text(response)
    assert refreshed(tenant_a, interview).status == InterviewStatus.CONFIRMED


def test_complete_no_show_and_cancel(recruiter_client, tenant_a):
    done, missed = past_interview(tenant_a), past_interview(tenant_a)
    future = in_a(tenant_a, InterviewFactory)
    recruiter_client.post(f"{INTERVIEWS}{done.pk}/complete/")
    recruiter_client.post(f"{INTERVIEWS}{missed.pk}/no-show/")
    recruiter_client.post(f"{INTERVIEWS}{future.pk}/cancel/", {"reason": "Candidate ill"})
    assert refreshed(tenant_a, done).status == InterviewStatus.COMPLETED
    assert refreshed(tenant_a, missed).status == InterviewStatus.NO_SHOW
    assert refreshed(tenant_a, future).status == InterviewStatus.CANCELLED
    response = recruiter_client.post(f"{INTERVIEWS}{future.pk}/cancel/", {"reason": ""})
    assert "it cannot become cancelled" in text(response)


def test_reschedule_refuses_a_clash(recruiter_client, tenant_a, recruiter):
    with tenant_context(tenant_a):
        other = ApplicationFactory(candidate=CandidateFactory(first_name="Olga", last_name="Orr"))
        application = ApplicationFactory()
    recruiter_client.post(f"{APPS}{other.pk}/schedule-interview/", schedule_data(recruiter))
    recruiter_client.post(
        f"{APPS}{application.pk}/schedule-interview/", schedule_data(recruiter, start="12:00", end="13:00")
    )
    interview = in_a(tenant_a, Interview.objects.get, application=application)
    url = f"{INTERVIEWS}{interview.pk}/reschedule/"
    response = recruiter_client.post(
        url, {"start_0": DAY, "start_1": "10:30", "end_0": DAY, "end_1": "11:30"}
    )
    assert response.status_code == 200 and "Olga Orr" in text(response)
    response = recruiter_client.post(
        url, {"start_0": DAY, "start_1": "14:00", "end_0": DAY, "end_1": "13:00"}
    )
    assert "must end after it starts" in str(errors(response)["end"])
    recruiter_client.post(url, {"start_0": DAY, "start_1": "14:00", "end_0": DAY, "end_1": "15:00"})
    assert refreshed(tenant_a, interview).scheduled_start.hour == 14


FEEDBACK = {
    "communication": "4",
    "technical": "5",
    "problem_solving": "3",
    "culture": "4",
    "recommendation": "yes",
    "notes": "Solid",
}


def test_a_participant_submits_their_feedback(recruiter_client, tenant_a, recruiter):
    interview = past_interview(tenant_a, recruiter)
    page = recruiter_client.get(f"{INTERVIEWS}{interview.pk}/change/")
    assert f"{INTERVIEWS}{interview.pk}/feedback/" in text(page)
    recruiter_client.post(f"{INTERVIEWS}{interview.pk}/feedback/", FEEDBACK)
    with tenant_context(tenant_a):
        feedback = InterviewFeedback.objects.get(interview=interview)
    assert feedback.interviewer == recruiter and feedback.scores == {
        "communication": 4,
        "technical": 5,
        "problem_solving": 3,
        "culture": 4,
    }
    response = recruiter_client.post(f"{INTERVIEWS}{interview.pk}/feedback/", FEEDBACK)
    assert "already submitted feedback" in text(response)


def test_a_non_participant_cannot_submit_feedback(recruiter_client, tenant_a, user_a):
    interview = past_interview(tenant_a, user_a)
    page = recruiter_client.get(f"{INTERVIEWS}{interview.pk}/change/")
    assert f"{INTERVIEWS}{interview.pk}/feedback/" not in text(page)
    response = recruiter_client.post(f"{INTERVIEWS}{interview.pk}/feedback/", FEEDBACK)
    assert response.status_code == 200 and "is not an interviewer of this interview" in text(response)
    with tenant_context(tenant_a):
        assert not InterviewFeedback.objects.exists()


def test_interview_page_shows_participants_and_feedback(recruiter_client, tenant_a, recruiter):
    interview = past_interview(tenant_a, recruiter)
    recruiter_client.post(f"{INTERVIEWS}{interview.pk}/feedback/", FEEDBACK)
    page = text(recruiter_client.get(f"{INTERVIEWS}{interview.pk}/change/"))
    assert "recruiter@tenant-a.test" in page or "Rita Reyes" in page
    assert "Solid" in page


# --- offers --------------------------------------------------------------------------------------
def test_offer_send_accept_and_refusals(recruiter_client, tenant_a):
    with tenant_context(tenant_a):
        application = ApplicationFactory(status=S.FINAL)
        offer = OfferFactory(application=application)
    response = recruiter_client.post(f"{OFFERS}{offer.pk}/accept/", follow=True)
    assert "you cannot accept it" in text(response)
    assert refreshed(tenant_a, offer).status == OfferStatus.DRAFT
    recruiter_client.post(f"{OFFERS}{offer.pk}/send/")
    assert refreshed(tenant_a, offer).status == OfferStatus.SENT
    assert refreshed(tenant_a, application).status == S.OFFER
    recruiter_client.post(f"{OFFERS}{offer.pk}/accept/")
    assert refreshed(tenant_a, offer).status == OfferStatus.ACCEPTED


def test_offer_decline_and_withdraw(recruiter_client, tenant_a):
    with tenant_context(tenant_a):
        sent = OfferFactory(application=ApplicationFactory(status=S.FINAL))
        offers.send_offer(offer_id=sent.pk)
        draft = OfferFactory()
    recruiter_client.post(f"{OFFERS}{sent.pk}/decline/")
    recruiter_client.post(f"{OFFERS}{draft.pk}/withdraw/")
    assert refreshed(tenant_a, sent).status == OfferStatus.DECLINED
    assert refreshed(tenant_a, draft).status == OfferStatus.WITHDRAWN


# --- background checks ---------------------------------------------------------------------------
def test_verify_and_reject_documents_and_cancel_a_check(recruiter_client, tenant_a):
    with tenant_context(tenant_a):
        check = BackgroundCheckFactory(status=CheckStatus.IN_PROGRESS)
        passport = BackgroundCheckDocumentFactory(background_check=check)
        diploma = BackgroundCheckDocumentFactory(background_check=check, document_type="Diploma")
        other = BackgroundCheckFactory(status=CheckStatus.IN_PROGRESS)
        foreign_doc = BackgroundCheckDocumentFactory(background_check=other)
    page = recruiter_client.get(f"{CHECKS}{check.pk}/change/")
    assert "Diploma" in text(page)
    # Only this check's pending documents are offered.
    response = recruiter_client.post(f"{CHECKS}{check.pk}/verify-document/", {"document": foreign_doc.pk})
    assert "Select a valid choice" in str(errors(response)["document"])
    recruiter_client.post(f"{CHECKS}{check.pk}/verify-document/", {"document": passport.pk})
    assert refreshed(tenant_a, passport).status == DocumentStatus.VERIFIED
    response = recruiter_client.post(f"{CHECKS}{check.pk}/reject-document/", {"document": diploma.pk})
    assert "reason" in errors(response)
    recruiter_client.post(
        f"{CHECKS}{check.pk}/reject-document/", {"document": diploma.pk, "reason": "Forged"}
    )
    check = refreshed(tenant_a, check)
    assert check.status == CheckStatus.CONSIDER and "Forged" in check.result
    response = recruiter_client.post(f"{CHECKS}{check.pk}/cancel/", {"reason": ""})
    assert "a finished check cannot be cancelled" in text(response)
    recruiter_client.post(f"{CHECKS}{other.pk}/cancel/", {"reason": "Not needed"})
    assert refreshed(tenant_a, other).status == CheckStatus.CANCELLED


# --- candidates: the form through the services ---------------------------------------------------
def candidate_data(**overrides):
    return {
        "first_name": "Ann",
        "last_name": "Lee",
        "email": "ann@mail.example",
        "phone": "",
        "employment_status": "actively_looking",
        "visa_sponsorship_status": "not_required",
        "source": "other",
        "tags": "[]",
        **overrides,
    }


def test_candidate_create_refuses_a_duplicate_email_on_the_field(recruiter_client, tenant_a):
    existing = in_a(tenant_a, CandidateFactory, email="ann@mail.example", first_name="Annie", last_name="L")
    response = recruiter_client.post(f"{CANDIDATES}add/", candidate_data(email="ANN@mail.example"))
    assert response.status_code == 200
    email_errors = " ".join(response.context["adminform"].form.errors["email"])
    assert f"Annie L (candidate #{existing.pk}) already has the e-mail" in email_errors
    with tenant_context(tenant_a):
        assert Candidate.objects.count() == 1


def test_candidate_create_flags_a_shared_phone_with_a_warning(recruiter_client, tenant_a, recruiter):
    existing = in_a(tenant_a, CandidateFactory, phone="+49 30 1234567")
    response = recruiter_client.post(
        f"{CANDIDATES}add/", candidate_data(phone="0049 30 1234567"), follow=True
    )
    assert "has the same phone number as" in text(response)
    with tenant_context(tenant_a):
        created = Candidate.objects.get(email="ann@mail.example")
        assert created.possible_duplicate_of == existing
        assert created.history.first().history_user == recruiter


def test_candidate_change_goes_through_the_service(recruiter_client, tenant_a):
    with tenant_context(tenant_a):
        CandidateFactory(email="taken@mail.example")
        candidate = CandidateFactory(email="ann@mail.example", first_name="Ann", last_name="Lee", phone="")
    url = f"{CANDIDATES}{candidate.pk}/change/"
    response = recruiter_client.post(url, candidate_data(email="taken@mail.example"))
    assert "already has the e-mail" in " ".join(response.context["adminform"].form.errors["email"])
    recruiter_client.post(url, candidate_data(current_title="Analyst"))
    assert refreshed(tenant_a, candidate).current_title == "Analyst"


# --- candidates: merge ---------------------------------------------------------------------------
def test_merge_into_moves_the_applications_and_deletes_the_duplicate(recruiter_client, tenant_a):
    with tenant_context(tenant_a):
        keep, duplicate = CandidateFactory(), CandidateFactory()
        application = ApplicationFactory(candidate=duplicate)
    url = f"{CANDIDATES}{duplicate.pk}/merge/"
    assert recruiter_client.get(url).status_code == 200
    with tenant_context(tenant_a):
        assert Candidate.objects.filter(pk=duplicate.pk).exists()  # GET changed nothing
    response = recruiter_client.post(url, {"keep": keep.pk})
    assert response.status_code == 302 and response.url == f"{CANDIDATES}{keep.pk}/change/"
    with tenant_context(tenant_a):
        assert not Candidate.objects.filter(pk=duplicate.pk).exists()
        assert Application.objects.get(pk=application.pk).candidate_id == keep.pk


def test_merge_refuses_a_candidate_of_another_tenant_and_the_services_refusal(
    recruiter_client, tenant_a, tenant_b
):
    foreign = in_a(tenant_b, CandidateFactory)
    with tenant_context(tenant_a):
        job = JobPostingFactory(title="Analyst")
        keep, duplicate = CandidateFactory(), CandidateFactory()
        ApplicationFactory(candidate=keep, job=job)
        ApplicationFactory(candidate=duplicate, job=job)
    url = f"{CANDIDATES}{duplicate.pk}/merge/"
    response = recruiter_client.post(url, {"keep": foreign.pk})
    assert "Select a valid choice" in str(errors(response)["keep"])
    response = recruiter_client.post(url, {"keep": keep.pk})
    assert response.status_code == 200 and "a candidate can apply to a job only once" in text(response)
    with tenant_context(tenant_a):
        assert Candidate.objects.count() == 2


def test_a_viewer_cannot_merge(viewer_client, tenant_a):
    with tenant_context(tenant_a):
        keep, duplicate = CandidateFactory(), CandidateFactory()
    assert viewer_client.post(f"{CANDIDATES}{duplicate.pk}/merge/", {"keep": keep.pk}).status_code == 403
    with tenant_context(tenant_a):
        assert Candidate.objects.count() == 2


# --- candidates: the timeline --------------------------------------------------------------------
def build_history(candidate, user, rounds):
    """Per round: an application moved to on-site, an interview, a sent offer and a check."""
    for n in range(rounds):
        application = ApplicationFactory(candidate=candidate, job=JobPostingFactory(title=f"Job {n}"))
        pipeline.move_application(
            application_id=application.pk, to_status=S.PHONE_SCREEN, by=user, note="Fit"
        )
        pipeline.move_application(application_id=application.pk, to_status=S.ONSITE_1, by=user)
        start = timezone.now() + datetime.timedelta(days=1 + n)
        interviews.schedule_interview(
            application_id=application.pk,
            interview_type="in_person_round_1",
            start=start,
            end=start + datetime.timedelta(hours=1),
            interviewer_ids=[user.pk],
        )
        offer = offers.draft_offer(
            application_id=application.pk, salary="60000", currency="EUR", start_date=timezone.localdate()
        )
        offers.send_offer(offer_id=offer.pk, by=user)
        checks.request_background_check(
            application_id=application.pk, provider="Checkr", document_types=["ID"]
        )


# The change page with its timeline: session, user, tenant, permissions, the candidate, the form's
# choices, and one query per kind of timeline record, whatever their number.
TIMELINE_PAGE_QUERIES = 16


def test_the_timeline_lists_the_events_in_order(recruiter_client, tenant_a, recruiter):
    with tenant_context(tenant_a):
        candidate = CandidateFactory()
        build_history(candidate, recruiter, 1)
    response = recruiter_client.get(f"{CANDIDATES}{candidate.pk}/change/")
    texts = [event.text for event in response.context["timeline"]]
    # Relative order only: events created in the same microsecond may come in either order.
    assert (
        texts.index("Applied (Other)")
        < texts.index("Pending review → Phone screening")
        < texts.index("Phone screening → In person, round 1")
    )
    assert texts.index("Offer drafted (60,000.00 EUR)") < texts.index("Offer sent (60,000.00 EUR)")
    assert set(texts[-2:]) == {"Checkr background check requested", "Offer → Background check"}
    whens = [event.when for event in response.context["timeline"]]
    assert whens == sorted(whens)
    page = text(response)
    assert page.index("Applied (Other)") < page.index("Offer sent") < page.index("background check requested")
    assert "Fit" in page and "by Rita Reyes" in page


@pytest.mark.parametrize("rounds", [1, 6])
def test_the_timeline_runs_a_constant_number_of_queries(
    recruiter_client, tenant_a, recruiter, rounds, django_assert_max_num_queries
):
    """The same bound holds for 1 round of events and for 6 (each round adds 9 events)."""
    with tenant_context(tenant_a):
        candidate = CandidateFactory()
        build_history(candidate, recruiter, rounds)
    with django_assert_max_num_queries(TIMELINE_PAGE_QUERIES):
        response = recruiter_client.get(f"{CANDIDATES}{candidate.pk}/change/")
    assert len(response.context["timeline"]) == 9 * rounds
