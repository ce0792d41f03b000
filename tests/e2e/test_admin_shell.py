"""End to end, in a real browser (Debian's chromium driven by Playwright): log in, see the
dashboard, switch tenant from the header, and see only that tenant's members."""

from people.roles import Role
from tests.conftest import make_member
from tests.e2e.marks import E2E

pytestmark = E2E


def test_owner_logs_in_sees_the_dashboard_and_switches_tenant(page, live_server, tenant_a, tenant_b, user_b):
    owner = make_member(tenant_a, Role.OWNER, email="dual@example.com", password="e2e-pass-2026")
    make_member(tenant_b, Role.OWNER, email="dual@example.com")
    make_member(tenant_a, Role.HR, email="hr-only-in-a@example.com")

    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=username]", owner.email)
    page.fill("input[name=password]", "e2e-pass-2026")
    page.click("button[type=submit]")

    page.wait_for_selector("#dashboard")
    assert page.locator("#tenant-switcher-select").input_value() == str(tenant_a.pk)
    assert "Members per role" in page.content()

    page.goto(f"{live_server.url}/admin/people/membership/")
    assert "hr-only-in-a@example.com" in page.content()
    with page.expect_navigation():
        page.select_option("#tenant-switcher-select", str(tenant_b.pk))
    content = page.content()
    assert "You are now working in Tenant B" in content
    assert "owner@tenant-b.test" in content and "hr-only-in-a@example.com" not in content
