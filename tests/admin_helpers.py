"""Helpers the admin tests share: admin URLs, the rendered changelist columns, a change form
as a browser would submit it, and the query-count guard for changelists."""

from html.parser import HTMLParser

from django import forms
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


class _HeaderParser(HTMLParser):
    """Collects the header cells of the changelist table (`#result_list`)."""

    def __init__(self):
        super().__init__()
        self.headers, self._in_results, self._in_thead, self._cell = [], False, False, None
        self._in_sort_options = False

    def handle_starttag(self, tag, attrs):
        if tag == "div" and ("class", "sortoptions") in attrs:
            # The sorting priority ("1", "2") shown beside sorted columns.
            self._in_sort_options = True
        elif tag == "table" and ("id", "result_list") in attrs:
            self._in_results = True
        elif tag == "thead" and self._in_results:
            self._in_thead = True
        elif tag == "th" and self._in_thead:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "div" and self._in_sort_options:
            self._in_sort_options = False
        elif tag == "thead" and self._in_thead:
            self._in_thead = self._in_results = False
        elif tag == "th" and self._cell is not None:
            self.headers.append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None and not self._in_sort_options:
            self._cell.append(data)


def column_headers(response):
    """The texts of the changelist's column headers, as rendered (without the checkbox column)."""
    parser = _HeaderParser()
    parser.feed(response.content.decode())
    return [header for header in parser.headers if header]


def _widget_data(name, widget, value):
    if isinstance(widget, RelatedFieldWidgetWrapper):
        widget = widget.widget
    if isinstance(widget, forms.MultiWidget):
        values = value if isinstance(value, list | tuple) else widget.decompress(value)
        data = {}
        for suffix, subwidget, subvalue in zip(
            widget.widgets_names, widget.widgets, values, strict=True
        ):
            data.update(_widget_data(name + suffix, subwidget, subvalue))
        return data
    if isinstance(widget, forms.CheckboxInput):
        return {name: "on"} if value else {}
    if isinstance(widget, forms.SelectMultiple):
        return {name: [str(v) for v in value or []]}
    if value is None:
        return {name: ""}
    if isinstance(widget, forms.Select):
        return {name: str(value)}
    return {name: widget.format_value(value) or ""}


def admin_form_data(response):
    """What a browser would submit for an admin change form as rendered, inlines included."""
    data = {}
    with translation.override("de"):
        form_list = [response.context["adminform"].form]
        for inline in response.context["inline_admin_formsets"]:
            for field in inline.formset.management_form:
                data[field.html_name] = field.value()
            form_list.extend(inline.formset.forms)
        for form in form_list:
            for field in form:
                if not field.field.disabled:
                    data.update(_widget_data(field.html_name, field.field.widget, field.value()))
    return data


def assert_changelist_queries_constant(client, model, build, *, many=200):
    """The changelist of `model` issues as many queries with `many` objects (built by `build`)
    as with one, and lists them all (a full page)."""
    build()
    url = admin_url(model, "changelist")
    with CaptureQueriesContext(connection) as with_one:
        client.get(url)
    for _ in range(many - 1):
        build()

    with CaptureQueriesContext(connection) as with_many:
        response = client.get(url)

    changelist = response.context["cl"]
    # >=: topics also hold the seven fields of action that a migration seeds.
    assert changelist.result_count == model.objects.count() >= many
    assert len(changelist.result_list) == min(changelist.result_count, changelist.list_per_page)
    assert len(with_many) == len(with_one), "\n".join(
        query["sql"] for query in with_many.captured_queries
    )
