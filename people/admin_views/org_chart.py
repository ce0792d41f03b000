"""The org chart: the department tree and the reporting lines, from two flat queries."""

from __future__ import annotations

from people.admin_views.common import (
    OPEN_ALL_UP_TO,
    SEARCH_RESULTS_LIMIT,
    _change_url_builder,
    _department_choices,
    _department_nodes,
    _name_key,
    _render,
    _selected_department,
    _subtree_ids,
    flatten_tree,
)
from people.models import (
    Employee,
    EmployeeStatus,
)


# --- 1. org chart ---------------------------------------------------------------------------
def org_chart(request, site):
    """The department tree and the reporting lines, from two queries (departments, employees)."""
    departments = _department_nodes()
    employee_url = _change_url_builder("employee")
    people = {}
    for row in (
        Employee.objects.exclude(status=EmployeeStatus.TERMINATED)
        .order_by()
        .values("id", "first_name", "last_name", "job_title", "department_id", "manager_id", "status")
    ):
        department = departments.get(row["department_id"])
        people[row["id"]] = {
            **row,
            "name": f"{row['first_name']} {row['last_name']}".strip(),
            "department": department["name"] if department else "",
            "on_leave": row["status"] == EmployeeStatus.ON_LEAVE,
            "url": employee_url(row["id"]),
        }
        if department:
            department["headcount"] += 1

    department_tree = flatten_tree(
        departments,
        "parent_id",
        lambda n: n["name"].casefold(),
        open_depth=99 if len(departments) <= OPEN_ALL_UP_TO else 1,
    )
    for item in reversed(department_tree):  # children come after their parent: sum bottom-up
        node = item["node"]
        node["total"] += node["headcount"]
        if node["parent_id"] in departments and not item["cycle"] and item["depth"]:
            departments[node["parent_id"]]["total"] += node["total"]

    department_id = _selected_department(request, departments)
    shown = people
    if department_id is not None:
        in_scope = _subtree_ids(departments, department_id)
        shown = {pk: person for pk, person in people.items() if person["department_id"] in in_scope}
    for person in shown.values():
        # In a filtered tree, someone whose manager is elsewhere is a root that names the manager.
        manager = people.get(person["manager_id"])
        person["outside_manager"] = manager["name"] if manager and person["manager_id"] not in shown else ""
    reporting_tree = flatten_tree(
        shown, "manager_id", _name_key, open_depth=99 if len(shown) <= OPEN_ALL_UP_TO else 1
    )

    query = request.GET.get("q", "").strip()
    results, more = [], 0
    if query:
        needle = query.casefold()
        matches = sorted(
            (p for p in shown.values() if needle in p["name"].casefold()),
            key=_name_key,
        )
        more = max(0, len(matches) - SEARCH_RESULTS_LIMIT)
        results = [{"person": p, "chain": _manager_chain(p, people)} for p in matches[:SEARCH_RESULTS_LIMIT]]

    return _render(
        request,
        site,
        "org_chart.html",
        "Org chart",
        {
            "department_tree": department_tree,
            "reporting_tree": reporting_tree,
            "department_choices": _department_choices(departments),
            "department_id": department_id,
            "department_name": departments[department_id]["name"] if department_id else "",
            "query": query,
            "results": results,
            "more_results": more,
            "employee_count": len(shown),
        },
    )


def _manager_chain(person: dict, people: dict[int, dict]) -> list[dict]:
    """The person's managers, top first (stops at a cycle or at someone who is not employed)."""
    chain, seen = [], {person["id"]}
    manager = people.get(person["manager_id"])
    while manager is not None and manager["id"] not in seen:
        chain.append(manager)
        seen.add(manager["id"])
        manager = people.get(manager["manager_id"])
    return chain[::-1]
