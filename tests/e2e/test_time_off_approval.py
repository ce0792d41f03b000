"""End to end in a real browser: HR decides time off from the pending approvals page."""

from datetime import date

from people.models import ApprovalChain, RequestStatus, TimeOffRequest
from people.roles import Role
from people.services.timeoff import submit_time_off_request
from people.tenancy import tenant_context
from tests.conftest import make_member
from tests.e2e.marks import E2E
from tests.people.factories import EmployeeFactory, TimeOffTypeFactory, grant

pytestmark = E2E


def test_hr_approves_one_request_and_rejects_another_with_a_reason(page, live_server, tenant_a, user_a):
    hr = make_member(tenant_a, Role.HR, email="hr@tenant-a.test", password="e2e-pass-2026")
    with tenant_context(tenant_a):
        vacation = TimeOffTypeFactory(name="Vacation", approval_chain=ApprovalChain.HR)
        ann, bob = (
            EmployeeFactory(first_name="Ann", last_name="Archer"),
            EmployeeFactory(first_name="Bob", last_name="Baker"),
        )
        for person in (ann, bob):
            grant(person, vacation, 10)
        to_approve = submit_time_off_request(
            employee_id=ann.pk,
            time_off_type_id=vacation.pk,
            start_date=date(2026, 3, 2),
            end_date=date(2026, 3, 3),
        )
        to_reject = submit_time_off_request(
            employee_id=bob.pk,
            time_off_type_id=vacation.pk,
            start_date=date(2026, 3, 9),
            end_date=date(2026, 3, 9),
        )

    page.goto(f"{live_server.url}/admin/login/?next=/admin/people/pending-time-off/")
    page.fill("input[name=username]", hr.email)
    page.fill("input[name=password]", "e2e-pass-2026")
    page.click("button[type=submit]")
    page.wait_for_selector(f'[data-request="{to_approve.pk}"]')

    with page.expect_navigation():
        page.locator(f'[data-request="{to_approve.pk}"] button:has-text("Approve")').click()
    with page.expect_navigation():
        page.locator(f'[data-request="{to_reject.pk}"] a:has-text("Reject")').click()
    with page.expect_navigation():
        page.click('button:has-text("Reject request")')  # no reason: refused, the form stays
    assert page.locator("textarea").count() == 1
    page.fill("textarea", "Quarter-end close")
    with page.expect_navigation():
        page.click('button:has-text("Reject request")')

    with tenant_context(tenant_a):
        assert TimeOffRequest.objects.get(pk=to_approve.pk).status == RequestStatus.APPROVED
        rejected = TimeOffRequest.objects.get(pk=to_reject.pk)
        assert rejected.status == RequestStatus.REJECTED
        assert rejected.approvals.get().note == "Quarter-end close"
    assert f'data-request="{to_approve.pk}"' not in page.content()
