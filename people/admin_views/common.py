"""Shared pieces of the people admin pages: rendering, permissions, department trees."""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse

from people.models import (
    Department,
)
from people.services.timeoff import (
    TimeOffError,
)

VIEW_EMPLOYEE = "people.view_employee"
VIEW_TIME_OFF = "people.view_timeoffrequest"

# A tree this small opens completely; a bigger one opens its first level only.
OPEN_ALL_UP_TO = 60
SEARCH_RESULTS_LIMIT = 100


def _render(request, site, template: str, title: str, context: dict):
    return TemplateResponse(
        request, f"people/admin/{template}", {**site.each_context(request), "title": title, **context}
    )


def _error_text(exc: TimeOffError) -> str:
    return " ".join(str(message) for message in exc.messages)


def _change_url_builder(model_name: str):
    """pk -> the model's admin change URL, reversed once per page (None if the model has no admin)."""
    try:
        sample = reverse(f"admin:people_{model_name}_change", args=[0])
    except NoReverseMatch:
        return lambda pk: None
    head, tail = sample.rsplit("/0/", 1)
    return lambda pk: f"{head}/{pk}/{tail}"


# --- trees ----------------------------------------------------------------------------------
def flatten_tree(nodes: dict[int, dict], parent_key: str, sort_key, *, open_depth: int) -> list[dict]:
    """Depth-first list of `nodes` ({id: node}) nested by `parent_key`, for one flat template loop.

    Each item says its `depth`, its number of `children`, whether it starts `open`, and `closes`:
    how many levels end after it (a leaf closes the lists of the ancestors it is the last of).
    A node whose parent is not in `nodes` is a root. Nodes caught in a parent cycle (corrupt data)
    are never reachable from a root: they are added as roots too, marked `cycle`, never lost.
    """
    children = defaultdict(list)
    roots = []
    for node in nodes.values():
        parent = node[parent_key]
        if parent is not None and parent in nodes and parent != node["id"]:
            children[parent].append(node)
        else:
            roots.append(node)
    for siblings in children.values():
        siblings.sort(key=sort_key)
    roots.sort(key=sort_key)

    items: list[dict] = []
    seen: set[int] = set()

    def walk(root, *, cycle=False):
        seen.add(root["id"])
        stack = [(root, 0)]
        while stack:
            node, depth = stack.pop()
            kids = [kid for kid in children.get(node["id"], ()) if kid["id"] not in seen]
            seen.update(kid["id"] for kid in kids)
            items.append(
                {
                    "node": node,
                    "depth": depth,
                    "children": len(kids),
                    "open": depth < open_depth,
                    "cycle": cycle and depth == 0,
                }
            )
            stack.extend((kid, depth + 1) for kid in reversed(kids))

    for root in roots:
        walk(root)
    for node in sorted((n for n in nodes.values() if n["id"] not in seen), key=sort_key):
        if node["id"] not in seen:
            walk(node, cycle=True)

    for index, item in enumerate(items):
        following = items[index + 1]["depth"] if index + 1 < len(items) else 0
        item["closes"] = range(0 if item["children"] else item["depth"] - following)
    return items


def _department_nodes() -> dict[int, dict]:
    """Every department with its head's name: one query."""
    rows = Department.objects.order_by().values(
        "id", "name", "parent_id", "head_id", "head__first_name", "head__last_name", "head__job_title"
    )
    nodes = {}
    for row in rows:
        head = f"{row['head__first_name'] or ''} {row['head__last_name'] or ''}".strip()
        nodes[row["id"]] = {**row, "head": head, "headcount": 0, "total": 0}
    return nodes


def _subtree_ids(nodes: dict[int, dict], top: int) -> set[int]:
    children = defaultdict(list)
    for node in nodes.values():
        children[node["parent_id"]].append(node["id"])
    found, todo = set(), [top]
    while todo:
        current = todo.pop()
        if current in found:
            continue
        found.add(current)
        todo.extend(children.get(current, ()))
    return found


def _department_choices(nodes: dict[int, dict]) -> list[tuple[int, str]]:
    """(id, indented name) in tree order, for a <select>."""
    tree = flatten_tree(nodes, "parent_id", lambda n: n["name"].casefold(), open_depth=0)
    return [(item["node"]["id"], "\u2003" * item["depth"] + item["node"]["name"]) for item in tree]


def _selected_department(request, nodes: dict[int, dict]) -> int | None:
    """The department of the GET `department` parameter, or None (with a message if it is unknown)."""
    raw = request.GET.get("department", "").strip()
    if not raw:
        return None
    try:
        department_id = int(raw)
    except ValueError:
        department_id = None
    if department_id not in nodes:
        messages.warning(request, "That department does not exist; showing every department.")
        return None
    return department_id


def _name_key(node: dict):
    return (node["last_name"].casefold(), node["first_name"].casefold(), node["id"])
