"""Who sees what in the admin: superusers see everything; other staff see only the conferences
they organise (`ConferenceQuerySet.organised_by`) and what belongs to them.

Every admin of a conference-bound model mixes in `OrganiserScopeMixin` and says in
`conference_path` how its model reaches its conference ("" for Conference itself). The admin site's
registry is therefore the one table of conference-bound models: a model whose admin is not scoped
is shared between conferences. Nothing adds to a table of another app at import time.
"""

from django.contrib import admin
from django.contrib.admin.exceptions import NotRegistered
from django.http import Http404

from ..models import Conference


def visible_to(user, queryset, *, path: str):
    """`queryset` narrowed to the objects of the conferences `user` may see in the admin; `path`
    is how its model reaches its conference ("" for Conference itself). Unchanged for
    superusers."""
    if user.is_superuser:
        return queryset
    conferences = Conference.objects.organised_by(user).values("pk")
    return queryset.filter(**{f"{path}__in" if path else "pk__in": conferences})


class VisibleConferenceListFilter(admin.RelatedFieldListFilter):
    """Django's filter for a conference relation, offering only the visible conferences (the
    stock one lists every conference, titles of drafts included)."""

    def field_choices(self, field, request, model_admin):
        return [(c.pk, str(c)) for c in Conference.objects.organised_by(request.user)]


class OrganiserScopeMixin:
    """Narrows the admin to the conferences the user may see.

    The changelist, the change, delete and history pages of another conference's object answer
    404 (instead of Django's redirect to the index), actions never reach its rows, and foreign
    keys offer only the visible objects of scoped models.
    """

    #: How the model reaches its conference: "" for Conference, "conference" for a session,
    #: "registration__conference" for a consent. Every subclass sets it.
    conference_path: str

    def get_queryset(self, request):
        return visible_to(request.user, super().get_queryset(request), path=self.conference_path)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            path = conference_path(self.admin_site, db_field.related_model)
            if path is not None:
                kwargs["queryset"] = visible_to(
                    request.user, db_field.related_model._default_manager.all(), path=path
                )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def conference_path(admin_site, model) -> str | None:
    """How `model` reaches its conference, as its admin on `admin_site` says; None for a shared
    model (no scoped admin)."""
    try:
        model_admin = admin_site.get_model_admin(model)
    except NotRegistered:
        return None
    return getattr(model_admin, "conference_path", None)
