"""The exports on other apps' admin pages without those apps importing this one (a template
tag library is loaded by name): ``{% load export_tags %}``, then
``{% export_links conference as links %}`` (name, [(label, URL)]) and
``{% attendee_export_form conference as form %}``."""

from django import template

from ..views import attendee_form
from ..views import export_links as links_of

register = template.Library()


@register.simple_tag
def export_links(conference):
    return links_of(conference)


@register.simple_tag
def attendee_export_form(conference):
    return attendee_form(conference)
