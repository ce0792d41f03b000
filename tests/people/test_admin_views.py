"""The people admin pages: org chart, time-off calendar and pending approvals.

Each page: who may see it (403 otherwise), what it shows, that it stays within the tenant, and
that its query count does not grow with the data.
"""

import re
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from people import admin_views, selectors
from people.models import (
    ApprovalChain,
    EmployeeStatus,
    Holiday,
    RequestStatus,
    TimeOffRequest,
    TimeOffUnit,
    User,
)
from people.roles import Role
from people.services.timeoff import (
    approve_time_off_request,
    submit_time_off_request,
)
from people.tenancy import tenant_context
from tests.conftest import login, make_member
from tests.people.factories import DepartmentFactory, EmployeeFactory, TimeOffTypeFactory, grant

pytestmark = pytest.mark.django_db

ORG_CHART = "/admin/people/org-chart/"
CALENDAR = "/admin/people/time-off-calendar/"
PENDING = "/admin/people/pending-time-off/"
MARCH = "2026-03"

# What every admin page costs here: session, user, tenant check, role, role permissions, and the
# tenant switcher's list of tenants. The sidebar and the permission checks read cached permissions.
ADMIN_PAGE_QUERIES = 6
ORG_CHART_QUERIES = ADMIN_PAGE_QUERIES + 2  # departments (with heads), employees
CALENDAR_QUERIES = ADMIN_PAGE_QUERIES + 3  # departments, holidays, requests (with employee and type)
PENDING_QUERIES = ADMIN_PAGE_QUERIES + 4  # role, requests (joined), approvals, balances


def approve_url(request_id):
    return f"{PENDING}{request_id}/approve/"


def reject_url(request_id):
    return f"{PENDING}{request_id}/reject/"


def client_for(user, tenant):
    return login(Client(), user, tenant)


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def section(page: str, start_id: str, end_id: str | None = None) -> str:
    """The part of the page from the element with id `start_id` to the one with `end_id`."""
    start = page.index(f'id="{start_id}"')
    return page[start : page.index(f'id="{end_id}"', start) if end_id else None]


class TreeParser(HTMLParser):
    """{node id: parent node id} of a nested <li> tree whose nodes are `<span data-<kind>="id">`."""

    VOID = {"input", "br", "img", "meta", "link", "hr", "source", "col", "wbr"}

    def __init__(self, kind):
        super().__init__()
        self.attr, self.stack, self.parents = f"data-{kind}", [], {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.VOID:
            return
        self.stack.append({"tag": tag, "owner": None})
        if tag == "span" and self.attr in attrs:
            node = int(attrs[self.attr])
            items = [entry for entry in self.stack if entry["tag"] == "li"]
            items[-1]["owner"] = items[-1]["owner"] or node
            owners = [entry["owner"] for entry in items[:-1] if entry["owner"] is not None]
            self.parents[node] = owners[-1] if owners else None

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()["tag"] == tag:
                break


def tree(fragment: str, kind: str) -> dict[int, int | None]:
    parser = TreeParser(kind)
    parser.feed(fragment)
    return parser.parents


def ids(fragment: str, kind: str) -> set[int]:
    return {int(pk) for pk in re.findall(rf'data-{kind}="(\d+)"', fragment)}


# --- fixtures -------------------------------------------------------------------------------
@pytest.fixture
def org(tenant_a, user_a):
    """Departments Company > Engineering > Platform and Sales; CEO > CTO > Engineer, CEO > Seller;
    HR, finance and viewer users; Bea Boss (a viewer) manages Sam Staff; Solo has no manager."""
    with tenant_context(tenant_a):
        hr_user = make_member(tenant_a, Role.HR, email="hr@tenant-a.test")
        finance_user = make_member(tenant_a, Role.FINANCE, email="finance@tenant-a.test")
        viewer_user = make_member(tenant_a, Role.VIEWER, email="viewer@tenant-a.test")
        boss_user = make_member(tenant_a, Role.VIEWER, email="boss@tenant-a.test")
        staff_user = make_member(tenant_a, Role.VIEWER, email="staff@tenant-a.test")

        company = DepartmentFactory(name="Company")
        engineering = DepartmentFactory(name="Engineering", parent=company)
        platform = DepartmentFactory(name="Platform", parent=engineering)
        sales = DepartmentFactory(name="Sales")

        ceo = EmployeeFactory(first_name="Cora", last_name="Chief", job_title="CEO", department=company)
        cto = EmployeeFactory(
            first_name="Theo", last_name="Tech", job_title="CTO", department=engineering, manager=ceo
        )
        engineer = EmployeeFactory(
            first_name="Erin", last_name="Engel", job_title="Engineer", department=platform, manager=cto
        )
        seller = EmployeeFactory(
            first_name="Sid", last_name="Seller", job_title="Account executive", department=sales, manager=ceo
        )
        gone = EmployeeFactory(
            first_name="Gil",
            last_name="Gone",
            department=engineering,
            manager=cto,
            status=EmployeeStatus.TERMINATED,
            termination_date=date(2025, 12, 31),
        )
        engineering.head = cto
        engineering.save()

        boss = EmployeeFactory(user=boss_user, first_name="Bea", last_name="Boss", department=sales)
        staff = EmployeeFactory(
            user=staff_user, first_name="Sam", last_name="Staff", department=sales, manager=boss
        )
        solo = EmployeeFactory(first_name="Solo", last_name="Person", department=engineering)

        vacation = TimeOffTypeFactory(name="Vacation", unit=TimeOffUnit.HALF_DAYS)
        for person in (engineer, seller, boss, staff, solo, cto):
            grant(person, vacation, 20)
        yield type("Org", (), locals())


@pytest.fixture
def tenant_b_people(tenant_b, user_b):
    """Tenant B has its own department, people and pending and approved time off in March."""
    with tenant_context(tenant_b):
        department = DepartmentFactory(name="Bravo department")
        boss = EmployeeFactory(first_name="Zed", last_name="Bravoboss", department=department)
        worker = EmployeeFactory(
            first_name="Zoe", last_name="Bravoworker", department=department, manager=boss
        )
        vacation = TimeOffTypeFactory(name="Bravo leave")
        grant(worker, vacation, 20)
        grant(boss, vacation, 20)
        pending = TimeOffRequest.objects.create(
            employee=worker,
            time_off_type=vacation,
            start_date=date(2026, 3, 9),
            end_date=date(2026, 3, 10),
            days=2,
        )
        TimeOffRequest.objects.create(
            employee=boss,
            time_off_type=vacation,
            start_date=date(2026, 3, 2),
            end_date=date(2026, 3, 3),
            days=2,
            status=RequestStatus.APPROVED,
        )
        yield type("TenantB", (), {"pending": pending, "department": department, "tenant": tenant_b})


def submit(employee, time_off_type, start, end, by=None, **kwargs):
    return submit_time_off_request(
        employee_id=employee.pk,
        time_off_type_id=time_off_type.pk,
        start_date=start,
        end_date=end,
        submitted_by=by,
        **kwargs,
    )


def status_of(tenant, request_id):
    with tenant_context(tenant):
        return TimeOffRequest.objects.get(pk=request_id).status


# --- permissions and wiring -----------------------------------------------------------------
@pytest.mark.parametrize("url", [ORG_CHART, CALENDAR, PENDING])
def test_pages_render_for_a_viewer_and_are_forbidden_without_people_permissions(org, url):
    assert client_for(org.viewer_user, org.tenant_a).get(url).status_code == 200
    assert client_for(org.finance_user, org.tenant_a).get(url).status_code == 403


def test_anonymous_users_are_sent_to_the_login_page(client, org):
    response = client.get(ORG_CHART)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_decisions_are_forbidden_without_the_time_off_permission(org):
    with tenant_context(org.tenant_a):
        request = submit(org.solo, org.vacation, date(2026, 3, 2), date(2026, 3, 3))
    finance = client_for(org.finance_user, org.tenant_a)
    assert finance.post(approve_url(request.pk)).status_code == 403
    assert finance.get(reject_url(request.pk)).status_code == 403
    assert finance.post(reject_url(request.pk), {"reason": "No"}).status_code == 403
    assert status_of(org.tenant_a, request.pk) == RequestStatus.PENDING


def test_platform_staff_without_any_tenant_are_sent_to_the_dashboard(client, db):
    client.force_login(User.objects.create_superuser(email="root@platform.test", password="x"))
    for url in (ORG_CHART, CALENDAR, PENDING):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == "/admin/"


def test_url_names_and_sidebar_links(org):
    assert reverse("admin:people_org_chart") == ORG_CHART
    assert reverse("admin:people_time_off_calendar") == CALENDAR
    assert reverse("admin:people_pending_time_off") == PENDING
    assert [page["url_name"] for page in admin_views.NAVIGATION] == [
        "admin:people_org_chart",
        "admin:people_time_off_calendar",
        "admin:people_pending_time_off",
        "admin:people_headcount_report",
        "admin:people_time_off_usage_report",
    ]


def test_pages_use_the_admin_layout(org):
    page = html(client_for(org.hr_user, org.tenant_a).get(ORG_CHART))
    assert re.search(r"<title>\s*Org chart \| Ops Console\s*</title>", page)
    assert 'id="tenant-name"' in page and "Tenant A" in page  # the header, with the tenant
    for url in (ORG_CHART, CALENDAR, PENDING):  # the sidebar links every page the role may see
        assert f'href="{url}"' in page


def test_the_sidebar_hides_pages_the_role_may_not_see(org):
    page = html(client_for(org.finance_user, org.tenant_a).get("/admin/"))
    for url in (ORG_CHART, CALENDAR, PENDING):
        assert f'href="{url}"' not in page


# --- org chart ------------------------------------------------------------------------------
def test_org_chart_nests_reports_under_managers_and_departments_under_parents(org):
    page = html(client_for(org.viewer_user, org.tenant_a).get(ORG_CHART))
    departments = tree(section(page, "department-tree", "reporting-tree"), "department")
    assert departments == {
        org.company.pk: None,
        org.engineering.pk: org.company.pk,
        org.platform.pk: org.engineering.pk,
        org.sales.pk: None,
    }
    people = tree(section(page, "reporting-tree"), "employee")
    assert people[org.ceo.pk] is None and people[org.boss.pk] is None and people[org.solo.pk] is None
    assert people[org.cto.pk] == org.ceo.pk
    assert people[org.seller.pk] == org.ceo.pk
    assert people[org.engineer.pk] == org.cto.pk
    assert people[org.staff.pk] == org.boss.pk
    assert org.gone.pk not in people  # terminated people are not in the organisation any more


def test_org_chart_shows_job_title_department_head_and_headcount(org):
    page = html(client_for(org.viewer_user, org.tenant_a).get(ORG_CHART))
    departments = section(page, "department-tree", "reporting-tree")
    engineering = departments[departments.index(f'data-department="{org.engineering.pk}"') :]
    engineering = engineering[: engineering.index("</summary>")]
    assert "head Theo Tech" in engineering
    # Theo and Solo (Gil is terminated), and Erin in the Platform sub-department.
    assert '<span class="headcount">2</span> people (3 with sub-departments)' in engineering
    platform = departments[departments.index(f'data-department="{org.platform.pk}"') :]
    assert '<span class="headcount">1</span> person</span>' in platform[: platform.index("</li>")]
    reporting = section(page, "reporting-tree")
    erin = reporting[reporting.index(f'data-employee="{org.engineer.pk}"') :][:600]
    assert "Erin Engel" in erin and "Engineer" in erin and "Platform" in erin


def test_org_chart_department_filter_limits_the_reporting_lines(org):
    page = html(client_for(org.viewer_user, org.tenant_a).get(ORG_CHART, {"department": org.engineering.pk}))
    people = tree(section(page, "reporting-tree"), "employee")
    # Engineering and its sub-department Platform; the CTO's manager is elsewhere, so he is a root.
    assert set(people) == {org.cto.pk, org.engineer.pk, org.solo.pk}
    assert people[org.cto.pk] is None and people[org.engineer.pk] == org.cto.pk
    assert "reports to Cora Chief" in section(page, "reporting-tree")
    # The department tree itself stays whole.
    assert ids(section(page, "department-tree", "reporting-tree"), "department") == {
        org.company.pk,
        org.engineering.pk,
        org.platform.pk,
        org.sales.pk,
    }


@pytest.mark.parametrize("department", ["garbage", "999999"])
def test_org_chart_ignores_an_unknown_department_with_a_message(org, department):
    page = html(client_for(org.viewer_user, org.tenant_a).get(ORG_CHART, {"department": department}))
    assert "That department does not exist" in page
    assert org.seller.pk in ids(section(page, "reporting-tree"), "employee")


def test_org_chart_search_shows_matches_with_their_chain_of_managers(org):
    page = html(client_for(org.viewer_user, org.tenant_a).get(ORG_CHART, {"q": "erin eng"}))
    results = section(page, "search-results", "department-tree")
    assert ids(results, "employee") == {org.engineer.pk}
    chain = [int(pk) for pk in re.findall(r'data-manager="(\d+)"', results)]
    assert chain == [org.ceo.pk, org.cto.pk]  # top first
    page = html(client_for(org.viewer_user, org.tenant_a).get(ORG_CHART, {"q": "nobody-has-this"}))
    assert "Nobody matches that name." in page


def _many_employees(count, department, manager):
    for _ in range(count):
        EmployeeFactory(department=department, manager=manager)


@pytest.mark.parametrize("extra", [5, 40])
def test_org_chart_query_count_does_not_grow_with_employees(org, extra, django_assert_max_num_queries):
    with tenant_context(org.tenant_a):
        _many_employees(extra, org.platform, org.engineer)
    client = client_for(org.viewer_user, org.tenant_a)
    with django_assert_max_num_queries(ORG_CHART_QUERIES):
        page = html(client.get(ORG_CHART, {"q": "a"}))
    assert len(ids(section(page, "reporting-tree"), "employee")) == 7 + extra


def test_flatten_tree_survives_a_cycle_in_corrupt_data():
    nodes = {
        1: {"id": 1, "parent_id": 2, "name": "a"},
        2: {"id": 2, "parent_id": 1, "name": "b"},
        3: {"id": 3, "parent_id": None, "name": "c"},
        4: {"id": 4, "parent_id": 3, "name": "d"},
    }
    items = admin_views.flatten_tree(nodes, "parent_id", lambda n: n["name"], open_depth=1)
    assert [(i["node"]["id"], i["depth"], len(i["closes"])) for i in items] == [
        (3, 0, 0),
        (4, 1, 1),
        (1, 0, 0),
        (2, 1, 1),
    ]
    assert [i["cycle"] for i in items] == [False, False, True, False]


# --- time-off calendar ----------------------------------------------------------------------
@pytest.fixture
def march(org):
    """March 2026: Erin approved 2–4 (Founders' day on the 5th), Sid pending from the afternoon of
    the 10th, Sam approved in April only; nobody else is off."""
    with tenant_context(org.tenant_a):
        Holiday.objects.create(date=date(2026, 3, 5), name="Founders' day")
        erin = submit(org.engineer, org.vacation, date(2026, 3, 2), date(2026, 3, 6))  # 4 days
        approve_time_off_request(request_id=erin.pk, approver=org.user_a)  # CTO has no account: HR/owner
        sid = submit(org.seller, org.vacation, date(2026, 3, 10), date(2026, 3, 11), half_day_start=True)
        april = submit(org.staff, org.vacation, date(2026, 4, 6), date(2026, 4, 7))
        approve_time_off_request(request_id=april.pk, approver=org.boss_user)
    return type("March", (), {"erin": erin, "sid": sid, "april": april})


def calendar_rows(page):
    return ids(section(page, "calendar-grid"), "employee")


def row_of(page, employee):
    grid = section(page, "calendar-grid")
    start = grid.index(f'<tr data-employee="{employee.pk}"')
    return grid[start : grid.index("</tr>", start)]


def test_calendar_shows_only_people_off_that_month(org, march):
    page = html(client_for(org.viewer_user, org.tenant_a).get(CALENDAR, {"month": MARCH}))
    assert "March 2026" in page
    assert calendar_rows(page) == {org.engineer.pk, org.seller.pk}
    erin = row_of(page, org.engineer)
    assert erin.count('data-status="approved"') == 4  # Mon–Wed and Fri; Thursday is a holiday
    assert 'data-status="pending"' not in erin


def test_calendar_marks_pending_and_half_days(org, march):
    page = html(client_for(org.viewer_user, org.tenant_a).get(CALENDAR, {"month": MARCH}))
    sid = row_of(page, org.seller)
    assert sid.count('data-status="pending"') == 2
    assert 'data-half="pm"' in sid and "½" in sid  # starts at midday: the afternoon is off
    assert "+1.5 pending" in sid
    assert "Pending" in section(page, "legend")


def test_calendar_shades_and_labels_weekends_and_holidays(org, march):
    page = html(client_for(org.viewer_user, org.tenant_a).get(CALENDAR, {"month": MARCH}))
    header = section(page, "calendar-grid")
    holiday = header[header.index('data-date="2026-03-05"') - 120 :][:400]
    assert "po-holiday" in holiday and "Founders&#x27; day" in holiday
    saturday = header[header.index('data-date="2026-03-07"') - 120 :][:300]
    assert "po-weekend" in saturday and "weekend" in saturday
    assert "Founders&#x27; day" in section(page, "holidays")


def test_calendar_department_filter(org, march):
    client = client_for(org.viewer_user, org.tenant_a)
    page = html(client.get(CALENDAR, {"month": MARCH, "department": org.sales.pk}))
    assert calendar_rows(page) == {org.seller.pk}
    page = html(client.get(CALENDAR, {"month": MARCH, "department": org.company.pk}))
    assert calendar_rows(page) == {org.engineer.pk}  # Company includes Engineering > Platform
    # The month navigation keeps the filter.
    assert f"?month=2026-04&amp;department={org.company.pk}" in page
    assert f"?month=2026-02&amp;department={org.company.pk}" in page


def test_calendar_navigates_to_the_next_month(org, march):
    page = html(client_for(org.viewer_user, org.tenant_a).get(CALENDAR, {"month": "2026-04"}))
    assert "April 2026" in page and calendar_rows(page) == {org.staff.pk}


@pytest.mark.parametrize("month", ["garbage", "2026-13", "2026-3", "0000-01", "2026-03-01", "<b>bold</b>"])
def test_calendar_refuses_a_bad_month_with_a_message_and_shows_this_month(org, month):
    response = client_for(org.viewer_user, org.tenant_a).get(CALENDAR, {"month": month})
    page = html(response)
    assert "is not a month: use YYYY-MM" in page and "<b>bold</b>" not in page
    assert admin_views.tenant_today(org.tenant_a).strftime("%B %Y") in section(page, "month-title")


def test_calendar_defaults_to_the_current_month(org):
    page = html(client_for(org.viewer_user, org.tenant_a).get(CALENDAR))
    assert admin_views.tenant_today(org.tenant_a).strftime("%B %Y") in section(page, "month-title")
    assert "is not a month" not in page


@pytest.mark.parametrize("count", [5, 40])
def test_calendar_query_count_does_not_grow_with_requests(org, count, django_assert_max_num_queries):
    with tenant_context(org.tenant_a):
        Holiday.objects.create(date=date(2026, 3, 5), name="Founders' day")
        for index in range(count):
            employee = EmployeeFactory(department=org.platform if index % 2 else org.sales)
            TimeOffRequest.objects.create(
                employee=employee,
                time_off_type=org.vacation,
                start_date=date(2026, 3, 2 + index % 20),
                end_date=date(2026, 3, 3 + index % 20),
                days=2,
                status=RequestStatus.PENDING if index % 3 else RequestStatus.APPROVED,
            )
    client = client_for(org.viewer_user, org.tenant_a)
    with django_assert_max_num_queries(CALENDAR_QUERIES):
        page = html(client.get(CALENDAR, {"month": MARCH}))
    assert len(calendar_rows(page)) == count


# --- pending approvals ----------------------------------------------------------------------
@pytest.fixture
def pending(org):
    """Sam's request waits for his manager Bea; Solo's (no manager) and Erin's HR-chain request
    wait for HR; Bea's own request waits for HR (she has no manager)."""
    with tenant_context(org.tenant_a):
        hr_chain = TimeOffTypeFactory(name="Sabbatical", approval_chain=ApprovalChain.HR)
        grant(org.engineer, hr_chain, 20)
        sam = submit(org.staff, org.vacation, date(2026, 3, 2), date(2026, 3, 3), by=org.staff_user)
        solo = submit(org.solo, org.vacation, date(2026, 3, 9), date(2026, 3, 9), half_day_end=True)
        erin = submit(org.engineer, hr_chain, date(2026, 3, 16), date(2026, 3, 20))
        bea = submit(org.boss, org.vacation, date(2026, 3, 23), date(2026, 3, 24), by=org.boss_user)
    return type("Pending", (), {"sam": sam, "solo": solo, "erin": erin, "bea": bea, "hr_chain": hr_chain})


def request_ids(page, table_id):
    """Ids of the requests listed in the table `table_id` (empty when the table is not there)."""
    if f'id="{table_id}"' not in page:
        return set()
    table = section(page, table_id)
    return {int(pk) for pk in re.findall(r'data-request="(\d+)"', table[: table.index("</table>")])}


def decide_ids(page):
    return request_ids(page, "decide-table")


def others_ids(page):
    return request_ids(page, "others-table")


def test_a_manager_sees_only_their_reports_requests(org, pending):
    page = html(client_for(org.boss_user, org.tenant_a).get(PENDING))
    assert decide_ids(page) == {pending.sam.pk}
    assert others_ids(page) == set()
    assert approve_url(pending.sam.pk) in page and reject_url(pending.sam.pk) in page


def test_hr_sees_every_pending_request_and_decides_those_that_are_theirs(org, pending):
    page = html(client_for(org.hr_user, org.tenant_a).get(PENDING))
    assert decide_ids(page) == {pending.solo.pk, pending.erin.pk, pending.bea.pk}
    assert others_ids(page) == {pending.sam.pk}  # waits for Bea, shown without buttons
    assert approve_url(pending.sam.pk) not in page
    assert "Manager (Bea Boss)" in section(page, "others-table")


def test_a_viewer_sees_no_request(org, pending):
    page = html(client_for(org.viewer_user, org.tenant_a).get(PENDING))
    assert decide_ids(page) == set() and others_ids(page) == set()
    assert "Nothing is waiting for your decision." in page


def test_a_row_shows_dates_working_days_balance_and_step(org, pending):
    page = html(client_for(org.hr_user, org.tenant_a).get(PENDING))
    table = section(page, "decide-table")
    row = table[table.index(f'data-request="{pending.solo.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "Solo Person" in row and "Vacation" in row and "Mon 09 Mar 2026 (morning)" in row
    assert ">0.5</td>" in row  # the working days
    assert "20" in row and "Manager step, by HR" in row and "no manager" in row


def test_balances_on_start_dates_match_the_selector_per_request(org, pending):
    with tenant_context(org.tenant_a):
        grant(org.staff, org.vacation, 3, on=date(2026, 3, 5))  # after Sam's start, before Bea's
        grant(org.boss, org.vacation, -2, on=date(2026, 3, 20))
        requests = list(TimeOffRequest.objects.filter(status=RequestStatus.PENDING))
        balances = selectors.balances_on_start_dates(requests)
        for request in requests:
            assert balances[request.pk] == selectors.balance_as_of(
                employee_id=request.employee_id,
                time_off_type_id=request.time_off_type_id,
                as_of=request.start_date,
            )
        assert balances[pending.bea.pk] == Decimal("18")


@pytest.mark.parametrize("count", [2, 12])
def test_pending_query_count_does_not_grow_with_requests(org, count, django_assert_max_num_queries):
    with tenant_context(org.tenant_a):
        for index in range(count):
            employee = EmployeeFactory(manager=org.boss if index % 2 else None)
            grant(employee, org.vacation, 10)
            submit(employee, org.vacation, date(2026, 3, 2 + index % 5), date(2026, 3, 2 + index % 5))
    # Odd ones report to Bea (she decides); the others have no manager (HR decides).
    for user, expected in ((org.hr_user, count - count // 2), (org.boss_user, count // 2)):
        client = client_for(user, org.tenant_a)
        with django_assert_max_num_queries(PENDING_QUERIES):
            page = html(client.get(PENDING))
        assert len(decide_ids(page)) == expected


def test_approving_calls_the_service(org, pending):
    client = client_for(org.boss_user, org.tenant_a)
    response = client.post(approve_url(pending.sam.pk), follow=True)
    assert response.redirect_chain == [(PENDING, 302)]
    assert "Approved Sam Staff" in response.content.decode()
    assert status_of(org.tenant_a, pending.sam.pk) == RequestStatus.APPROVED


def test_approving_the_first_of_two_steps_says_what_comes_next(org, pending):
    with tenant_context(org.tenant_a):
        org.vacation.approval_chain = ApprovalChain.MANAGER_THEN_HR
        org.vacation.save()
    response = client_for(org.boss_user, org.tenant_a).post(approve_url(pending.sam.pk), follow=True)
    assert "now waits for HR approval" in response.content.decode()
    assert status_of(org.tenant_a, pending.sam.pk) == RequestStatus.PENDING
    page = html(client_for(org.hr_user, org.tenant_a).get(PENDING))
    assert pending.sam.pk in decide_ids(page)


def test_a_refused_approval_shows_the_services_message(org, pending):
    response = client_for(org.viewer_user, org.tenant_a).post(approve_url(pending.sam.pk), follow=True)
    assert response.redirect_chain == [(PENDING, 302)]
    assert "you cannot decide it" in response.content.decode()
    assert status_of(org.tenant_a, pending.sam.pk) == RequestStatus.PENDING


def test_approve_requires_post_and_a_csrf_token(org, pending):
    client = client_for(org.boss_user, org.tenant_a)
    assert client.get(approve_url(pending.sam.pk)).status_code == 405
    strict = login(Client(enforce_csrf_checks=True), org.boss_user, org.tenant_a)
    assert strict.post(approve_url(pending.sam.pk)).status_code == 403
    assert strict.post(reject_url(pending.sam.pk), {"reason": "No"}).status_code == 403
    assert status_of(org.tenant_a, pending.sam.pk) == RequestStatus.PENDING


def test_rejecting_needs_a_reason(org, pending):
    client = client_for(org.boss_user, org.tenant_a)
    form = html(client.get(reject_url(pending.sam.pk)))
    assert 'name="reason"' in form and "Sam Staff" in form and "csrfmiddlewaretoken" in form
    page = html(client.post(reject_url(pending.sam.pk), {"reason": "   "}))
    assert "Say why the request is rejected" in page and 'id="reject-form"' in page
    assert status_of(org.tenant_a, pending.sam.pk) == RequestStatus.PENDING
    response = client.post(reject_url(pending.sam.pk), {"reason": "Release week"}, follow=True)
    assert response.redirect_chain == [(PENDING, 302)]
    assert "Rejected Sam Staff" in response.content.decode()
    assert status_of(org.tenant_a, pending.sam.pk) == RequestStatus.REJECTED
    with tenant_context(org.tenant_a):
        assert TimeOffRequest.objects.get(pk=pending.sam.pk).approvals.get().note == "Release week"


def test_a_refused_rejection_shows_the_services_message(org, pending):
    client = client_for(org.viewer_user, org.tenant_a)
    response = client.post(reject_url(pending.sam.pk), {"reason": "No"}, follow=True)
    assert response.redirect_chain == [(PENDING, 302)]
    assert "you cannot decide it" in response.content.decode()
    assert status_of(org.tenant_a, pending.sam.pk) == RequestStatus.PENDING
    # The form itself is not offered for a request that is not theirs to decide.
    response = client.get(reject_url(pending.sam.pk), follow=True)
    assert "not waiting for your decision" in response.content.decode()


def test_a_decided_request_cannot_be_decided_again(org, pending):
    client = client_for(org.boss_user, org.tenant_a)
    client.post(approve_url(pending.sam.pk))
    response = client.post(approve_url(pending.sam.pk), follow=True)
    assert "only pending requests can be approved" in response.content.decode()
    response = client.post(reject_url(pending.sam.pk), {"reason": "Too late"}, follow=True)
    assert "only pending requests can be rejected" in response.content.decode()
    assert status_of(org.tenant_a, pending.sam.pk) == RequestStatus.APPROVED


# --- tenant isolation -----------------------------------------------------------------------
def test_another_tenants_request_is_a_404(client_a, org, tenant_b_people):
    foreign = tenant_b_people.pending.pk
    assert client_a.post(approve_url(foreign)).status_code == 404
    assert client_a.get(reject_url(foreign)).status_code == 404
    assert client_a.post(reject_url(foreign), {"reason": "No"}).status_code == 404
    assert status_of(tenant_b_people.tenant, foreign) == RequestStatus.PENDING


@pytest.mark.parametrize(
    ("url", "params"),
    [
        (ORG_CHART, {}),
        (ORG_CHART, {"q": "Z"}),
        (CALENDAR, {"month": MARCH}),
        (PENDING, {}),
    ],
)
def test_another_tenants_people_never_appear(client_a, org, pending, tenant_b_people, url, params):
    page = html(client_a.get(url, params))  # user_a is tenant A's owner: HR rights, sees everything
    assert "Bravo" not in page and "Zed" not in page and "Zoe" not in page


def test_another_tenants_department_is_not_a_filter(client_a, org, tenant_b_people):
    for url in (ORG_CHART, CALENDAR):
        page = html(client_a.get(url, {"department": tenant_b_people.department.pk, "month": MARCH}))
        assert "That department does not exist" in page and "Bravo" not in page


def test_tenant_b_sees_only_its_own(client_b, org, pending, tenant_b_people):
    page = html(client_b.get(PENDING))
    assert decide_ids(page) == {tenant_b_people.pending.pk}
    assert "Sam Staff" not in page
    page = html(client_b.get(CALENDAR, {"month": MARCH}))
    assert "Bravoworker" in page and "Erin" not in page and "Solo" not in page
