import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from people.models import Membership, Tenant, User
from people.roles import Role
from people.tenancy import tenant_context

pytestmark = pytest.mark.django_db


def run(*args):
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_bootstrap_demo_tenant_creates_owner_and_one_user_per_role():
    out = run("bootstrap_demo_tenant", "--password", "demo-pass-2026")
    tenant = Tenant.objects.get(slug="demo")
    assert tenant.name == "Demo"
    with tenant_context(tenant):
        roles = dict(Membership.objects.values_list("user__email", "role"))
    assert roles["admin@demo.localhost"] == Role.OWNER
    assert sorted(roles.values()) == sorted(Role.values)
    assert User.objects.get(email="admin@demo.localhost").check_password("demo-pass-2026")
    assert "password: demo-pass-2026" in out and "Demo tenant ready" in out


def test_bootstrap_demo_tenant_prints_a_generated_password_once():
    out = run("bootstrap_demo_tenant")
    line = next(line for line in out.splitlines() if "admin@demo.localhost" in line and "password:" in line)
    password = line.split("password:")[1].strip()
    assert User.objects.get(email="admin@demo.localhost").check_password(password)
    second = run("bootstrap_demo_tenant")
    assert "nothing changed" in second and "password:" not in second


def test_bootstrap_demo_tenant_twice_changes_nothing():
    run("bootstrap_demo_tenant", "--password", "demo-pass-2026")
    counts = (Tenant.objects.count(), User.objects.count(), Membership.history.model.objects.count())
    out = run("bootstrap_demo_tenant", "--password", "demo-pass-2026")
    assert "nothing changed" in out
    assert (Tenant.objects.count(), User.objects.count(), Membership.history.model.objects.count()) == counts


def test_setup_beta_tenant_creates_tenant_owner_and_emails_the_password():
    out = run("setup_beta_tenant", "ACME Corp", "Admin@AcmeCorp.com")
    tenant = Tenant.objects.get(name="ACME Corp")
    assert tenant.slug == "acme-corp"
    user = User.objects.get(email="admin@acmecorp.com")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["admin@acmecorp.com"]
    password = mail.outbox[0].body.split("this password: ")[1].split()[0]
    assert user.check_password(password)
    assert password not in out  # e-mail does not go to the console here
    with tenant_context(tenant):
        assert Membership.objects.get(user=user).role == Role.OWNER


def test_setup_beta_tenant_prints_the_password_when_email_goes_to_the_console(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    out = run("setup_beta_tenant", "ACME Corp", "admin@acmecorp.com")
    password = out.split("Password (e-mail goes to the console): ")[1].split()[0]
    assert User.objects.get(email="admin@acmecorp.com").check_password(password)


def test_setup_beta_tenant_is_idempotent_and_slugs_stay_unique():
    Tenant.objects.create(name="Acme Corp Holding", slug="acme-corp")
    run("setup_beta_tenant", "ACME Corp", "admin@acmecorp.com")
    assert Tenant.objects.get(name="ACME Corp").slug == "acme-corp-2"
    out = run("setup_beta_tenant", "ACME Corp", "admin@acmecorp.com")
    assert "nothing changed" in out
    assert Tenant.objects.filter(name__iexact="acme corp").count() == 1 and len(mail.outbox) == 1


def test_setup_beta_tenant_rejects_bad_input():
    with pytest.raises(CommandError, match="not a valid e-mail"):
        run("setup_beta_tenant", "ACME Corp", "not-an-email")
    with pytest.raises(CommandError, match="cannot be empty"):
        run("setup_beta_tenant", "  ", "admin@acmecorp.com")
    assert not Tenant.objects.exists()


def test_sync_role_groups_is_idempotent(role_groups):
    assert "nothing changed" in run("sync_role_groups")


def test_bootstrap_demo_tenant_adds_the_people_demo_data_once():
    from people.models import Department, Employee, Holiday, RequestStatus, TimeOffRequest, TimeOffType

    run("bootstrap_demo_tenant", "--password", "demo-pass-2026")
    tenant = Tenant.objects.get(slug="demo")
    with tenant_context(tenant):
        counts = (
            Department.objects.count(),
            Employee.objects.count(),
            TimeOffType.objects.count(),
            TimeOffRequest.objects.filter(status=RequestStatus.PENDING).count(),
        )
        assert counts == (5, 10, 3, 5)
        assert Holiday.objects.count() >= 9
        assert Employee.objects.filter(manager__isnull=True).count() == 1  # one reporting line to the CEO
        assert Employee.objects.get(user__email="admin@demo.localhost").job_title == "Chief Executive Officer"
    out = run("bootstrap_demo_tenant", "--password", "demo-pass-2026")
    assert "nothing changed" in out
    with tenant_context(tenant):
        assert Employee.objects.count() == 10
