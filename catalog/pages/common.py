"""What both public pages share: a capped paginator, cache headers and query-string helpers."""

from django.core.paginator import InvalidPage, Paginator
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.views.decorators.cache import cache_control, never_cache

PER_PAGE = 20
# Counting every match of a broad search over hundreds of thousands of entries costs more than
# the page itself; past this many we say "1,000+" and ask the visitor to narrow the search.
COUNT_CAP = 1000

# Lists change with every sync; entry pages less often. Both are the same for every visitor.
list_cache = cache_control(public=True, max_age=60)
entry_cache = cache_control(public=True, max_age=300)
# Pages with a form carry a CSRF token: never shared, never stored.
form_cache = never_cache


def cached_view(decorator):
    """`decorator` for a class-based view's dispatch."""
    return method_decorator(decorator, name="dispatch")


class CappedPaginator(Paginator):
    """A Paginator that counts at most COUNT_CAP + 1 rows (one `COUNT(*)` over a LIMITed subquery)."""

    def __init__(self, object_list, per_page=PER_PAGE, cap=COUNT_CAP, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap

    @cached_property
    def count(self):
        # Without the ORDER BY: which rows are counted does not matter, and an order that no
        # index serves would make the database sort every match just to count a thousand.
        return self.object_list.order_by()[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.cap


def page_of(request, queryset, per_page=PER_PAGE):
    """The requested page of `queryset`, the first page for a bad or missing number and the last
    for one past the end: a shared link to page 9 of a list that shrank still shows something."""
    paginator = CappedPaginator(queryset, per_page)
    try:
        return paginator.page(request.GET.get("page") or 1)
    except InvalidPage:
        number = request.GET.get("page", "")
        return paginator.page(paginator.num_pages if number.isdigit() else 1)


def query_without_page(request) -> str:
    """The request's query string without `page`, for pagination links that keep the filters."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
