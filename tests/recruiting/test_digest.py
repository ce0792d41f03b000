"""The recruiters' daily digest: its content, who gets it, once per recruiter per day, per tenant."""

from datetime import datetime, time, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from people.roles import Role
from people.scheduling import declared_schedules
from people.tenancy import tenant_context
from recruiting.digest import send_recruiter_digests
from recruiting.models import (
    Application,
    ApplicationStatus,
    DigestDelivery,
    InterviewParticipant,
    InterviewStatus,
)
from tests.conftest import make_member
from tests.recruiting.factories import (
    ApplicationFactory,
    CandidateFactory,
    InterviewFactory,
    JobPostingFactory,
)

pytestmark = pytest.mark.django_db

S = ApplicationStatus


def at(day, hour):
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


def interview(application, start, *interviewers, status=InterviewStatus.SCHEDULED):
    created = InterviewFactory(application=application, scheduled_start=start, status=status)
    for user in interviewers:
        InterviewParticipant.objects.create(interview=created, interviewer=user)
    return created


def stick(application, *, days):
    Application.objects.filter(pk=application.pk).update(
        status_changed_at=timezone.now() - timedelta(days=days)
    )


@pytest.fixture
def people(tenant_a, user_a):
    return {
        "rita": make_member(tenant_a, Role.RECRUITER, email="rita@tenant-a.test", first_name="Rita"),
        "ivan": make_member(tenant_a, Role.RECRUITER, email="ivan@tenant-a.test", first_name="Ivan"),
        "idle": make_member(tenant_a, Role.RECRUITER, email="idle@tenant-a.test"),
        "hana": make_member(tenant_a, Role.HIRING_MANAGER, email="hana@tenant-a.test"),
    }


@pytest.fixture
def data(tenant_a, tenant_b, people, user_b):
    """Rita recruits for "Backend Engineer"; Ivan interviews for it; the owner (user_a) recruits
    for "Designer" without the recruiter role. Tenant B has a recruiter with the same kind of data."""
    today = timezone.localdate()
    with tenant_context(tenant_a):
        backend = JobPostingFactory(title="Backend Engineer", recruiter=people["rita"])
        designer = JobPostingFactory(title="Designer", recruiter=people["hana"])  # a hiring manager recruits
        grace = ApplicationFactory(
            job=backend, candidate=CandidateFactory(first_name="Grace", last_name="Stuck")
        )
        stick(grace, days=10)
        fresh = ApplicationFactory(
            job=backend, candidate=CandidateFactory(first_name="Fresh", last_name="Moved")
        )
        stick(fresh, days=3)
        closed = ApplicationFactory(
            job=backend, status=S.REJECTED, candidate=CandidateFactory(first_name="Closed", last_name="Case")
        )
        stick(closed, days=30)
        tara = ApplicationFactory(
            job=backend, candidate=CandidateFactory(first_name="Tara", last_name="Today")
        )
        interview(tara, at(today, 15), people["ivan"])
        interview(tara, at(today, 9), people["ivan"], status=InterviewStatus.CANCELLED)
        interview(tara, at(today + timedelta(days=1), 10), people["ivan"])
        dora = ApplicationFactory(
            job=designer, candidate=CandidateFactory(first_name="Dora", last_name="Design")
        )
        stick(dora, days=8)
    with tenant_context(tenant_b):
        rob = make_member(tenant_b, Role.RECRUITER, email="rob@tenant-b.test")
        job_b = JobPostingFactory(title="Secret B Job", recruiter=rob)
        other = ApplicationFactory(
            job=job_b, candidate=CandidateFactory(first_name="Bertha", last_name="Other")
        )
        stick(other, days=20)
        interview(other, at(today, 11), rob)
    return today


def run(tenant, django_capture_on_commit_callbacks, **kwargs):
    with tenant_context(tenant), django_capture_on_commit_callbacks(execute=True):
        return send_recruiter_digests(**kwargs)


def by_recipient():
    return {message.to[0]: message for message in mail.outbox}


def test_digest_lists_interviews_today_and_stuck_applications(
    tenant_a, data, django_capture_on_commit_callbacks
):
    sent = run(tenant_a, django_capture_on_commit_callbacks)

    messages = by_recipient()
    assert sent == 3 and set(messages) == {"rita@tenant-a.test", "ivan@tenant-a.test", "hana@tenant-a.test"}
    rita = messages["rita@tenant-a.test"].body
    assert "Tara Today for Backend Engineer" in rita and "15:00" in rita  # an interview for her job
    assert "Grace Stuck for Backend Engineer: Pending review for 10 days" in rita
    assert "Fresh Moved" not in rita and "Closed Case" not in rita  # 3 days; closed
    assert "09:00" not in rita and "10:00" not in rita  # cancelled; tomorrow
    assert "1 interview(s) today, 1 stuck application(s)" in messages["rita@tenant-a.test"].subject
    ivan = messages["ivan@tenant-a.test"].body
    assert "Tara Today" in ivan and "Grace Stuck" not in ivan  # interviewer, not the job's recruiter
    hana = messages["hana@tenant-a.test"].body
    assert "Dora Design for Designer" in hana and "Tara" not in hana
    assert "idle@tenant-a.test" not in messages  # nothing to report: no e-mail
    for message in mail.outbox:  # tenant B's data never appears
        assert "Bertha" not in message.body and "Secret B Job" not in message.body
    with tenant_context(tenant_a):
        assert DigestDelivery.objects.count() == 3


def test_digest_is_sent_once_a_day_and_again_the_next_day(tenant_a, data, django_capture_on_commit_callbacks):
    assert run(tenant_a, django_capture_on_commit_callbacks) == 3
    assert run(tenant_a, django_capture_on_commit_callbacks) == 0
    assert len(mail.outbox) == 3

    assert run(tenant_a, django_capture_on_commit_callbacks, day=data + timedelta(days=1)) == 3
    assert len(mail.outbox) == 6
    with tenant_context(tenant_a):
        assert DigestDelivery.objects.filter(day=data).count() == 3
        assert DigestDelivery.objects.filter(day=data + timedelta(days=1)).count() == 3


@pytest.mark.django_db(transaction=True)  # real commits: on_commit runs as in a worker
def test_a_crash_before_the_commit_sends_nothing_and_the_retry_sends_once(tenant_a, data):
    from django.db import transaction

    with pytest.raises(RuntimeError), tenant_context(tenant_a), transaction.atomic():
        assert send_recruiter_digests() == 3
        raise RuntimeError("worker died before the commit")
    assert mail.outbox == []
    with tenant_context(tenant_a):
        assert not DigestDelivery.objects.exists()
        assert send_recruiter_digests() == 3
        assert send_recruiter_digests() == 0
    assert len(mail.outbox) == 3


@pytest.mark.django_db(transaction=True)
def test_a_mail_server_error_leaves_no_delivery_so_the_retry_sends_it(tenant_a, data, monkeypatch):
    from django.core.mail import EmailMessage

    real_send = EmailMessage.send

    def refuse_rita(self, **kwargs):
        if self.to == ["rita@tenant-a.test"]:
            raise OSError("SMTP refused")
        return real_send(self, **kwargs)

    monkeypatch.setattr(EmailMessage, "send", refuse_rita)
    with pytest.raises(OSError), tenant_context(tenant_a):
        send_recruiter_digests()  # rita comes first and fails; the task fails and is retried
    with tenant_context(tenant_a):
        assert not DigestDelivery.objects.exists()
    monkeypatch.setattr(EmailMessage, "send", real_send)
    with tenant_context(tenant_a):
        assert send_recruiter_digests() == 3
    assert sorted(m.to[0] for m in mail.outbox) == [
        "hana@tenant-a.test",
        "ivan@tenant-a.test",
        "rita@tenant-a.test",
    ]


def test_tenant_b_recruiter_gets_only_tenant_b_data(tenant_b, data, django_capture_on_commit_callbacks):
    assert run(tenant_b, django_capture_on_commit_callbacks) == 1
    (message,) = mail.outbox
    assert message.to == ["rob@tenant-b.test"]
    assert "Bertha Other for Secret B Job" in message.body and "11:00" in message.body
    for name in ("Tara", "Grace", "Dora", "Backend Engineer", "Tenant A"):
        assert name not in message.body and name not in message.subject


def test_the_daily_schedule_is_declared_per_tenant():
    spec = next(s for s in declared_schedules() if s.name == "recruiting.send_recruiter_digests")
    assert spec.per_tenant and spec.func == "recruiting.tasks.send_recruiter_digests"


def test_the_task_runs_in_each_tenant_through_the_fan_out(
    tenant_a, tenant_b, data, django_capture_on_commit_callbacks
):
    from people.background import fan_out

    with django_capture_on_commit_callbacks(execute=True):
        assert fan_out("recruiting.tasks.send_recruiter_digests") >= 2
    assert {m.to[0] for m in mail.outbox} == {
        "rita@tenant-a.test",
        "ivan@tenant-a.test",
        "hana@tenant-a.test",
        "rob@tenant-b.test",
    }
