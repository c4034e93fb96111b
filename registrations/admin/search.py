"""Search for people in the admin that ignores case, accents and umlaut spellings: "kuhne",
"kuehne" and "KÜHNE" all find "Kühne-Hörmann". The query is folded by `conferences.text.fold`,
the one folding rule, and matched word by word against the registration's stored folded text
(`Registration.search_text`): one `LIKE` per word on one column, the same on SQLite and
PostgreSQL."""

from django.db.models import Q

from conferences.text import fold


def folded_search(queryset, search_term: str, *, path: str):
    """`queryset` narrowed to the rows whose folded text at `path` contains every word of the
    folded `search_term`; None when the term has no words."""
    words = fold(search_term).split()
    if not words:
        return None
    condition = Q()
    for word in words:
        condition &= Q(**{f"{path}__contains": word})
    return queryset.filter(condition)


class FoldedSearchMixin:
    """The admin's search through `folded_search_path` (a registration's `search_text`). With
    `search_fields_too`, rows that Django's own search over `search_fields` finds are kept as
    well (e.g. a booking found by its session's title)."""

    folded_search_path = "search_text"
    search_fields_too = False

    def get_search_results(self, request, queryset, search_term):
        folded = folded_search(queryset, search_term, path=self.folded_search_path)
        if folded is None:
            return queryset, False
        if not self.search_fields_too:
            return folded, False
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        return found | folded, may_have_duplicates
