"""Fields of a form sent back with errors, rendered once per what they show.

When a forum fills, everyone whose page still offered it gets the registration form back with
one error beside that forum, and everything else as they typed it. Rendering the form (crispy's
templates and Django's widgets, some twenty fields) costs several times what checking and
storing a registration costs, and at the opening of a registration these answers come in bursts.
Yet each field without an error looks the same for everyone who chose the same option or left
the same fields empty; only the text typed differs.

`CachedField` renders such a field once with a marker in place of the typed text, keeps that
HTML in this process and fills in each person's text, escaped as the widget escapes it. The key
is what the field's HTML is made of: form class, language, name and id, label, help text,
widget and its attributes, choices with their labels (seats left included), whether it is
required, its errors, and the value: the typed text only as "empty or not", any other value (a
choice, a ticked box) as it is. The rest of the field's HTML comes from the form's class and
its crispy helper, the same for every form of that class.

Not cached, rendered as crispy always does: unbound forms (the blank page has its own cache,
see `page_cache`) and fields with an error, whose HTML may show what was typed, unless the value
is one of the field's own choices (the forum that filled: its error comes from the services and
is part of the key). So the cached HTML never holds text a participant typed; the marker is
random per process and never sent.

`render_form` does the same for the whole form when every field of it can come from the cache:
crispy's frame around the fields (fieldsets, error summary, buttons) costs as much again as the
fields. Its key is the keys of all fields plus the form's own errors (our messages, never typed
text) and the labels the error summary uses; the CSRF token and each field's typed text are
filled in per request, escaped.
"""

import re
import secrets
from contextlib import contextmanager

from crispy_forms.layout import LayoutObject
from crispy_forms.utils import TEMPLATE_PACK, render_crispy_form, render_field
from django import forms
from django.utils.functional import Promise
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.translation import get_language

#: Widgets that show the typed text itself (escaped), and nothing else of the value.
TEXT_WIDGETS = frozenset({forms.TextInput, forms.EmailInput, forms.Textarea, forms.HiddenInput})
#: Enough for every field of a few conferences and languages (some kilobytes each); then it
#: starts afresh.
MAX_ENTRIES = 1024

_MARKER = f"tbTyped{secrets.token_hex(12)}"
_html: dict[tuple, str] = {}


class CachedField(LayoutObject):
    """A field in a crispy layout, rendered from this process's cache when it can be."""

    def __init__(self, name):
        self.fields = [name]

    def render(self, form, context, template_pack=TEMPLATE_PACK, **kwargs):
        name = self.fields[0]
        bound = form[name]
        if not _cacheable(form, bound):
            return render_field(name, form, context, template_pack=template_pack)
        key, text = _key_and_text(form, bound, template_pack, get_language())
        html = _html.get(key)
        if html is None:
            with _typed_text_replaced(form, {bound.html_name: _MARKER} if text is not None else {}):
                html = _keep(key, render_field(name, form, context, template_pack=template_pack))
        elif hasattr(form, "rendered_fields"):
            form.rendered_fields.add(name)  # as `render_field` does
        if text is None:
            return SafeString(html)
        return SafeString(html.replace(_MARKER, escape(text)))


def render_form(form, *, csrf_token, template_pack=TEMPLATE_PACK):
    """`render_crispy_form(form)` with `csrf_token`, the whole form from this process's cache
    when every field of it could come from there (see `CachedField`)."""
    language = get_language()
    keys, texts = [], []
    for name in form.fields:
        bound = form[name]
        if not _cacheable(form, bound):
            return render_crispy_form(form, context={"csrf_token": csrf_token})
        key, text = _key_and_text(form, bound, template_pack, language)
        keys.append(key)
        texts.append(text)
    key = (
        "form",
        type(form),
        language,
        tuple(keys),
        _text(list(form.non_field_errors())),
        tuple(
            _shared_text(getattr(f, "summary_label", None), language) for f in form.fields.values()
        ),
    )
    html = _html.get(key)
    if html is None:
        markers = {
            form[name].html_name: f"{_MARKER}f{index}x"
            for index, (name, text) in enumerate(zip(form.fields, texts, strict=True))
            if text is not None
        }
        with _typed_text_replaced(form, markers):
            html = _keep(key, render_crispy_form(form, context={"csrf_token": f"{_MARKER}csrf"}))

    def value(match):
        name = match.group(1)
        return escape(csrf_token if name == "csrf" else texts[int(name[1:-1])])

    return SafeString(_FORM_MARKERS.sub(value, html))


#: The placeholders of a whole form: the CSRF token, and field number i's typed text.
_FORM_MARKERS = re.compile(rf"{_MARKER}(csrf|f\d+x)")


@contextmanager
def _typed_text_replaced(form, markers):
    """The form's data with each `markers` name's value replaced, while rendering."""
    data = form.data
    form.data = data.copy()
    for name, marker in markers.items():
        form.data[name] = marker
    try:
        yield
    finally:
        form.data = data


def _keep(key, html):
    """Store `html` under `key` (starting afresh when full) and return it."""
    if len(_html) >= MAX_ENTRIES:
        _html.clear()
    _html[key] = html
    return html


def _cacheable(form, bound):
    """A bound form's field without an error, or with one beside a choice of its own."""
    return form.is_bound and (not bound.errors or _is_one_of_the_choices(bound))


def _key_and_text(form, bound, template_pack, language):
    """The cache key, and the typed text to put in place of the marker (None: no marker)."""
    field, widget = bound.field, bound.field.widget
    value = bound.value()
    text = None
    if type(widget) in TEXT_WIDGETS and isinstance(value, str) and value:
        text, shown = value, ("typed",)
    else:
        shown = ("value", _text(value))
    key = (
        type(form),
        str(template_pack),
        language,
        bound.html_name,
        bound.auto_id,
        _shared_text(field.label, language),
        _shared_text(field.help_text, language),
        field.required,
        field.disabled,
        field.show_hidden_initial,
        type(widget),
        _text(sorted(widget.attrs.items())),
        _shared_text(getattr(field, "choices", None), language),
        shown,
        _text(list(bound.errors)),
    )
    return key, text


def _is_one_of_the_choices(bound):
    """A choice (not typed text) that is one of the field's own: then neither the value nor an
    error beside it holds anything typed (an unknown choice would be in the error message)."""
    choices = getattr(bound.field, "choices", None)
    if choices is None or type(bound.field.widget) in TEXT_WIDGETS:
        return False
    value = bound.value()
    return value is not None and str(value) in {str(choice) for choice, _label in choices}


_shared_texts: dict[tuple, tuple] = {}


def _shared_text(value, language):
    """`_text(value)`, kept per object and language for labels and choices: forms share most of
    theirs (the participant fields' labels and choices, the consents' labels), and translating
    them for every field sent back adds up."""
    if value is None or isinstance(value, str):
        return value
    key = (id(value), language)
    kept = _shared_texts.get(key)
    if kept is None or kept[0] is not value:  # an id is reused only once its object is gone
        if len(_shared_texts) >= MAX_ENTRIES:
            _shared_texts.clear()
        kept = _shared_texts[key] = (value, _text(value))
    return kept[1]


def _text(value):
    """`value` as a hashable of plain strings (translated labels evaluated)."""
    if isinstance(value, list | tuple):
        return tuple(_text(item) for item in value)
    if isinstance(value, Promise):
        return str(value)
    if value is None or isinstance(value, str | bool | int):
        return value
    return repr(value)
