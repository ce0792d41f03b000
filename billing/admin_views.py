"""Admin pages of billing that are not a model's changelist: the contract escrow page.

`config.admin_site` mounts `admin_urls(site)` under /admin/ and `config.navigation` lists
`NAVIGATION` in the sidebar. The page lists the tenant's contracts with what their escrow holds
(one query for the page, one to count it), and links each to the escrow steps its state allows;
the steps run billing.services.escrow through the kernel's step pages (billing/admin/escrow.py).
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods

from billing.admin.common import money
from billing.admin.escrow import ESCROW_STEPS, ContractEscrowSteps, contracts_with_escrow, offered_steps
from billing.models import EscrowKind
from billing.services.escrow import FUNDABLE
from marketplace.models import Contract

VIEW_ESCROW = "billing.view_escrowtransaction"
PER_PAGE = 50
SHOW = {
    "held": ("Holding money", Q(held__gt=0)),
    "to-fund": ("Waiting for funding", Q(funded=False, status__in=FUNDABLE)),
    "all": ("All contracts", Q()),
}

NAVIGATION = [
    {
        "title": "Contract escrow",
        "icon": "account_balance",
        "url_name": "admin:billing_contract_escrow",
        "permission": VIEW_ESCROW,
    },
]


def contract_escrow(request, site):
    """Contracts (holding money by default) with their escrow balance and the steps they allow."""
    show = request.GET.get("show", "held")
    show = show if show in SHOW else "held"
    query = request.GET.get("q", "").strip()[:100]
    contracts = contracts_with_escrow().filter(SHOW[show][1]).order_by("-created_at", "-pk")
    if query:
        contracts = contracts.filter(
            Q(title__icontains=query)
            | Q(client_name__icontains=query)
            | Q(provider__display_name__icontains=query)
        )
    page = Paginator(contracts, PER_PAGE).get_page(request.GET.get("page"))
    here = request.get_full_path()
    may_act = request.user.has_perm("billing.add_escrowtransaction")
    rows = []
    for contract in page.object_list:
        held = contract.held or 0
        rows.append(
            {
                "contract": contract,
                "url": reverse("admin:marketplace_contract_change", args=[contract.pk]),
                "held": money(held, contract.currency),
                "amount": money(contract.amount, contract.currency),
                "frozen": contract.last_flag == EscrowKind.FREEZE,
                "steps": [
                    {
                        "title": ESCROW_STEPS[name].title,
                        "url": reverse("admin:billing_contract_escrow_step", args=[contract.pk, name])
                        + "?"
                        + urlencode({"next": here}),
                    }
                    for name in (offered_steps(contract) if may_act else [])
                ],
            }
        )
    context = {
        **site.each_context(request),
        "title": "Contract escrow",
        "rows": rows,
        "page": page,
        "show": show,
        "query": query,
        "tabs": [
            {
                "key": key,
                "label": label,
                "link": "?" + urlencode({"show": key, **({"q": query} if query else {})}),
            }
            for key, (label, _q) in SHOW.items()
        ],
        "page_link": lambda number: "?" + urlencode({"show": show, "q": query, "page": number}),
        "entries_url": reverse("admin:billing_escrowtransaction_changelist"),
    }
    if page.has_previous():
        context["previous_link"] = context["page_link"](page.previous_page_number())
    if page.has_next():
        context["next_link"] = context["page_link"](page.next_page_number())
    return TemplateResponse(request, "billing/admin/contract_escrow.html", context)


def admin_urls(site):
    steps = ContractEscrowSteps(Contract, site)

    def guarded(view, methods):
        @wraps(view)
        def page(request, *args, **kwargs):
            if not request.user.has_perm(VIEW_ESCROW):
                raise PermissionDenied(f"Your role does not include {VIEW_ESCROW}.")
            if getattr(request, "tenant", None) is None:  # platform staff before any tenant exists
                messages.info(request, "Pick a tenant in the header first.")
                return HttpResponseRedirect(reverse("admin:index"))
            return view(request, *args, **kwargs)

        return site.admin_view(require_http_methods(list(methods))(page))

    def step(request, contract_id, step_name):
        if step_name not in ESCROW_STEPS:
            raise Http404("No such escrow step.")
        return steps.run_step(request, contract_id, step_name)

    return [
        path(
            "billing/contract-escrow/",
            guarded(require_GET(lambda request: contract_escrow(request, site)), ("GET",)),
            name="billing_contract_escrow",
        ),
        path(
            "billing/contract-escrow/<int:contract_id>/<slug:step_name>/",
            guarded(step, ("GET", "POST")),
            name="billing_contract_escrow_step",
        ),
    ]
