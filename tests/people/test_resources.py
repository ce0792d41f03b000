"""The resource base class, through the members import: tenant from the user, all-or-nothing."""

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile

from people.models import Membership
from people.resources import MembershipResource
from people.roles import Role
from people.tenancy import TenantMismatch, tenant_context
from tests.people.factories import UserFactory

pytestmark = pytest.mark.django_db


def dataset(*rows, headers=("email", "role")):
    return tablib.Dataset(*rows, headers=list(headers))


@pytest.fixture
def people_to_import(db):
    return [UserFactory(email="ann@example.com"), UserFactory(email="ben@example.com")]


def test_import_adds_members_in_the_resources_tenant(tenant_a, user_a, people_to_import):
    result = MembershipResource(tenant=tenant_a).import_data(
        dataset(["ANN@example.com", Role.HR], ["ben@example.com", Role.FINANCE])
    )
    assert not result.has_errors() and not result.has_validation_errors()
    with tenant_context(tenant_a):
        roles = dict(Membership.objects.values_list("user__email", "role"))
    assert roles == {
        "owner@tenant-a.test": Role.OWNER,
        "ann@example.com": Role.HR,
        "ben@example.com": Role.FINANCE,
    }


def test_a_bad_row_writes_nothing_and_names_row_and_column(tenant_a, user_a, people_to_import):
    result = MembershipResource(tenant=tenant_a).import_data(
        dataset(
            ["ann@example.com", Role.HR],
            ["ben@example.com", "chief_of_everything"],
            ["zed@example.com", "hr"],
        )
    )
    assert result.has_validation_errors() and result.has_errors()
    invalid = {row.number: row.error_dict for row in result.invalid_rows}
    assert "role" in invalid[2] and "chief_of_everything" in str(invalid[2]["role"])
    lookup_errors = {number: [str(e.error) for e in errors] for number, errors in result.row_errors()}
    assert lookup_errors[3] == [
        "Column email: no account with e-mail zed@example.com; invite them from the Members page first."
    ]
    with tenant_context(tenant_a):
        assert Membership.objects.count() == 1  # only the owner: nothing of the file was written


def test_the_file_cannot_choose_the_tenant(tenant_a, tenant_b, user_a, people_to_import):
    MembershipResource(tenant=tenant_a).import_data(
        dataset(["ann@example.com", Role.HR, tenant_b.pk], headers=("email", "role", "tenant"))
    )
    with tenant_context(tenant_b):
        assert not Membership.objects.filter(user__email="ann@example.com").exists()
    with tenant_context(tenant_a):
        assert Membership.objects.filter(user__email="ann@example.com").exists()


def test_import_updates_roles_but_keeps_the_last_owner(tenant_a, user_a):
    result = MembershipResource(tenant=tenant_a).import_data(dataset([user_a.email, Role.VIEWER]))
    assert result.has_validation_errors()
    assert "last owner" in str(result.invalid_rows[0].error_dict["role"])
    with tenant_context(tenant_a):
        assert Membership.objects.get(user=user_a).role == Role.OWNER


def test_import_cannot_touch_another_tenants_members(tenant_a, tenant_b, user_a, user_b):
    """A member of B listed in A's file becomes a new member of A; B's membership is untouched."""
    MembershipResource(tenant=tenant_a).import_data(dataset([user_b.email, Role.VIEWER]))
    with tenant_context(tenant_b):
        assert Membership.objects.get(user=user_b).role == Role.OWNER
    with tenant_context(tenant_a):
        assert Membership.objects.get(user=user_b).role == Role.VIEWER


def test_a_resource_refuses_to_run_inside_another_tenant(tenant_a, tenant_b):
    with tenant_context(tenant_b), pytest.raises(TenantMismatch):
        MembershipResource(tenant=tenant_a).export()


def test_export_lists_only_the_tenants_members(tenant_a, user_a, user_b):
    exported = MembershipResource(tenant=tenant_a).export()
    assert exported.headers == ["email", "role"]
    assert list(exported) == [("owner@tenant-a.test", Role.OWNER)]


def test_admin_import_previews_then_confirms(client_a, tenant_a, people_to_import):
    csv = b"email,role\nann@example.com,hr\nben@example.com,ops\n"
    preview = client_a.post(
        "/admin/people/membership/import/",
        {"format": "0", "resource": "0", "import_file": SimpleUploadedFile("members.csv", csv, "text/csv")},
    )
    assert preview.status_code == 200
    with tenant_context(tenant_a):
        assert Membership.objects.count() == 1  # the preview is a dry run
    confirm = preview.context["confirm_form"]
    response = client_a.post("/admin/people/membership/process_import/", confirm.initial)
    assert response.status_code == 302
    with tenant_context(tenant_a):
        assert set(Membership.objects.values_list("user__email", flat=True)) == {
            "owner@tenant-a.test",
            "ann@example.com",
            "ben@example.com",
        }
        history = Membership.history.filter(user__email="ann@example.com").get()
    assert history.history_user.email == "owner@tenant-a.test"


def test_admin_import_with_a_bad_row_shows_errors_and_no_confirm(client_a, tenant_a, people_to_import):
    csv = b"email,role\nann@example.com,hr\nben@example.com,astronaut\n"
    response = client_a.post(
        "/admin/people/membership/import/",
        {"format": "0", "resource": "0", "import_file": SimpleUploadedFile("members.csv", csv, "text/csv")},
    )
    content = response.content.decode()
    assert response.status_code == 200 and "astronaut" in content
    assert response.context.get("confirm_form") is None
    with tenant_context(tenant_a):
        assert Membership.objects.count() == 1


def test_admin_export_is_audit_logged(client_a, tenant_a, user_a, caplog):
    with caplog.at_level("INFO", logger="audit"):
        response = client_a.post("/admin/people/membership/export/", {"format": "1", "resource": "0"})
    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]  # XLSX
    record = next(r for r in caplog.records if r.name == "audit")
    assert (record.user_id, record.tenant_id, record.model, record.rows) == (
        user_a.pk,
        tenant_a.pk,
        "people.Membership",
        1,
    )
