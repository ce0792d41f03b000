import pytest

from people.history_sql import copy_rows_to_history
from people.models import Department
from people.tenancy import tenant_context

pytestmark = pytest.mark.django_db


def test_copied_history_rows_match_what_simple_history_writes(tenant_a, user_a):
    with tenant_context(tenant_a):
        saved = Department(name="Finance")
        saved._history_user = user_a
        saved.save()
        Department.objects.bulk_create([Department(name="Legal")])
        legal = Department.objects.get(name="Legal")
        assert copy_rows_to_history(Department, [legal.pk], user=user_a) == 1
        by_orm, by_sql = saved.history.get(), legal.history.get()
    fields = [
        f.attname
        for f in by_orm._meta.concrete_fields
        if f.attname not in ("history_id", "history_date", "id", "name", "created_at", "updated_at")
    ]
    assert {f: getattr(by_sql, f) for f in fields} == {f: getattr(by_orm, f) for f in fields}
    assert (by_sql.name, by_sql.id, by_sql.tenant_id, by_sql.history_type) == (
        "Legal",
        legal.pk,
        tenant_a.pk,
        "+",
    )


def test_nothing_to_copy_writes_nothing(tenant_a):
    with tenant_context(tenant_a):
        assert copy_rows_to_history(Department, []) == 0
