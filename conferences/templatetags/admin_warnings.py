"""`{% privacy_notice_warnings %}`: the admin's warnings (`conferences.admin.warnings`) as a
message list, for the admin index and a conference's change page."""

from django import template

from conferences.admin.warnings import privacy_notice_warnings as warnings_for

register = template.Library()


@register.inclusion_tag("admin/conferences/privacy_warnings.html", takes_context=True)
def privacy_notice_warnings(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"warnings": warnings_for(user) if user is not None else []}
