"""The isolation kit: proves a tenant-A user sees no tenant-B row through any admin URL of a model.

    assert_admin_isolated(client_a, Model, own=obj_in_a, foreign=obj_in_b)

checks the changelist, its search and every filter (choices and filtered pages), the add and
change forms with every FK/M2M choice (inlines too), autocomplete, history (list and version
views), export, and that the foreign object's change, delete and history URLs answer 404.

Every app registers a factory per tenant-owned model with `@isolation_factory(Model)` in its
tests/<app>/factories.py; tests/test_isolation_registry.py then runs this kit for every
tenant-owned ModelAdmin in the admin registry, so a new admin without a factory fails the suite.
"""

import csv
import io

from django.contrib import admin
from django.contrib.admin.filters import RelatedFieldListFilter
from django.db import models
from django.urls import reverse

from people.models import Membership, User
from people.tenancy import is_tenant_owned, tenant_context

ISOLATION_FACTORIES = {}  # model -> (factory, search_term(obj) -> str)


def isolation_factory(model, *, search_term=str):
    """Register `factory()` that creates one `model` row in the active tenant (and what it needs).

    `search_term(obj)` gives a string the admin's search_fields would match for that row.
    """

    def register(func):
        ISOLATION_FACTORIES[model] = (func, search_term)
        return func

    return register


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _belongs_to(model, pk, tenant_id) -> bool:
    """Does row `pk` of `model` belong to (or, for users, work in) the tenant?"""
    if is_tenant_owned(model):
        return model._base_manager.filter(pk=pk, tenant_id=tenant_id).exists()
    if model is User:
        return Membership._base_manager.filter(user_id=pk, tenant_id=tenant_id).exists()
    return True  # global models (catalogs, tenants) are not tenant data


class IsolationChecker:
    def __init__(self, client, model, own, foreign, search_term=str):
        self.client = client
        self.model = model
        self.model_admin = admin.site._registry[model]
        self.own = own
        self.foreign = foreign
        self.own_tenant_id = own.tenant_id
        self.foreign_tenant_id = foreign.tenant_id
        self.own_term = search_term(own)
        self.search_term = search_term(foreign)
        assert self.own_tenant_id != self.foreign_tenant_id, "own and foreign must be in different tenants"

    # --- helpers ----------------------------------------------------------------------------
    def get(self, url, data=None, status=200):
        response = self.client.get(url, data)
        assert response.status_code == status, (
            f"GET {url} {data or ''} answered {response.status_code}, not {status}"
        )
        return response

    def assert_no_foreign_choice(self, where, model, pks):
        leaked = [pk for pk in pks if pk not in (None, "") and not _belongs_to(model, pk, self.own_tenant_id)]
        assert not leaked, f"{where}: offers {model._meta.label} rows of another tenant: {leaked}"

    def assert_form_choices(self, where, form):
        for name, field in form.fields.items():
            queryset = getattr(field, "queryset", None)
            if queryset is None:
                continue
            pks = list(queryset.values_list("pk", flat=True))
            self.assert_no_foreign_choice(f"{where} field {name!r}", queryset.model, pks)

    def own_tenant(self):
        """Objects taken from a response (filters, forms) may build querysets when read; read them
        inside the own tenant, as the request that made them did."""
        from people.models import Tenant

        return tenant_context(Tenant.objects.get(pk=self.own_tenant_id))

    def changelist_pks(self, response):
        return {obj.pk for obj in response.context["cl"].result_list}

    # --- the checks -------------------------------------------------------------------------
    def check_changelist(self):
        response = self.get(_url(self.model, "changelist"))
        pks = self.changelist_pks(response)
        assert self.own.pk in pks, "the own tenant's row is missing from the changelist"
        assert self.foreign.pk not in pks, "changelist shows another tenant's row"
        assert _url(self.model, "change", self.foreign.pk) not in response.content.decode()
        return response

    def check_search(self):
        if not self.model_admin.search_fields:
            return
        response = self.get(_url(self.model, "changelist"), {"q": self.search_term})
        assert self.foreign.pk not in self.changelist_pks(response), "search finds another tenant's row"

    def check_filters(self, changelist_response):
        cl = changelist_response.context["cl"]
        for spec in cl.filter_specs:
            if isinstance(spec, RelatedFieldListFilter):
                related = spec.field.remote_field.model
                self.assert_no_foreign_choice(
                    f"filter {spec.title!r}", related, [pk for pk, _label in spec.lookup_choices]
                )
            with self.own_tenant():
                choices = list(spec.choices(cl))
            for choice in choices:
                query = choice.get("query_string")
                if not query:
                    continue
                response = self.get(_url(self.model, "changelist") + query)
                if "cl" in (response.context or {}):
                    assert self.foreign.pk not in self.changelist_pks(response), (
                        f"filter {spec.title!r} {query} shows another tenant's row"
                    )

    def check_forms(self):
        for url in (_url(self.model, "add"), _url(self.model, "change", self.own.pk)):
            response = self.client.get(url)
            if response.status_code == 403:
                continue  # the model admin allows no adding here
            assert response.status_code == 200, f"GET {url} answered {response.status_code}"
            self.assert_form_choices(url, response.context["adminform"].form)
            for inline_formset in response.context.get("inline_admin_formsets", []):
                with self.own_tenant():
                    forms = inline_formset.formset.forms + [inline_formset.formset.empty_form]
                for form in forms:
                    self.assert_form_choices(f"{url} inline {inline_formset.opts.model.__name__}", form)

    def check_foreign_urls_404(self):
        for view in ("change", "delete", "history"):
            self.get(_url(self.model, view, self.foreign.pk), status=404)
        response = self.client.post(_url(self.model, "change", self.foreign.pk), {})
        assert response.status_code == 404, "a forged POST to another tenant's row was not refused"

    def check_history(self):
        response = self.get(_url(self.model, "history", self.own.pk))
        for record in response.context["page_obj"].object_list:
            assert record.tenant_id == self.own_tenant_id, "history lists another tenant's change"
        foreign_versions = self.model.history.model._default_manager.filter(
            **{self.model._meta.pk.attname: self.foreign.pk}
        ).values_list("history_id", flat=True)
        for history_id in foreign_versions:
            self.get(_url(self.model, "simple_history", self.foreign.pk, history_id), status=404)
            self.get(_url(self.model, "simple_history", self.own.pk, history_id), status=404)

    def check_autocomplete(self):
        """Autocomplete of this model's own FK fields, and of every admin that autocompletes to it."""
        sources = [(self.model, name) for name in self.model_admin.get_autocomplete_fields(None) or []]
        for source_model, source_admin in admin.site._registry.items():
            for name in getattr(source_admin, "autocomplete_fields", ()):
                field = source_model._meta.get_field(name)
                if field.remote_field and field.remote_field.model is self.model:
                    sources.append((source_model, name))
        for source_model, field_name in sources:
            field = source_model._meta.get_field(field_name)
            response = self.client.get(
                reverse("admin:autocomplete"),
                {
                    "term": "",
                    "app_label": source_model._meta.app_label,
                    "model_name": source_model._meta.model_name,
                    "field_name": field_name,
                },
            )
            if response.status_code == 403:
                continue  # no permission on that source model: nothing shown
            assert response.status_code == 200, f"autocomplete {source_model.__name__}.{field_name}"
            ids = [row["id"] for row in response.json()["results"]]
            self.assert_no_foreign_choice(f"autocomplete {field_name}", field.remote_field.model, ids)

    def check_export(self):
        if not hasattr(self.model_admin, "export_action"):
            return
        response = self.client.post(_url(self.model, "export"), {"format": "0", "resource": "0"})
        assert response.status_code == 200, f"export answered {response.status_code}"
        assert "csv" in response["Content-Type"], f"export did not produce CSV: {response['Content-Type']}"
        content = b"".join(response.streaming_content) if response.streaming else response.content
        text = content.decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        if rows and "id" in rows[0]:
            ids = {int(row["id"]) for row in rows if row.get("id")}
            assert self.own.pk in ids, "export is missing the own tenant's row"
            assert self.foreign.pk not in ids, "export contains another tenant's row"
        else:  # a resource without ids: look for the rows' identifying text
            assert self.own_term in text, "export is missing the own tenant's row"
            assert self.search_term not in text, "export contains another tenant's row"

    def run(self):
        response = self.check_changelist()
        self.check_search()
        self.check_filters(response)
        self.check_forms()
        self.check_foreign_urls_404()
        self.check_history()
        self.check_autocomplete()
        self.check_export()


def assert_admin_isolated(client, model: type[models.Model], *, own, foreign, search_term=str):
    """Run every isolation check for `model`'s admin as the user logged into `client` (tenant of `own`).

    `search_term(obj)` is a text that identifies a row: what the admin's search finds it by.
    """
    IsolationChecker(client, model, own, foreign, search_term).run()
