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


class ScopedChoicesMixin:
    """Foreign keys (select, autocomplete or raw id) offer and accept only the objects of scoped
    models that the user may see. For model admins and inlines alike: an inline's choices are as
    much a way into another conference as the page around it."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            scoped = scoped_admin(self.admin_site, db_field.related_model)
            if scoped is not None:
                kwargs["queryset"] = scoped.scope_queryset(
                    request.user, db_field.related_model._default_manager.all()
                )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            scoped = scoped_admin(self.admin_site, db_field.related_model)
            if scoped is not None:
                kwargs["queryset"] = scoped.scope_queryset(
                    request.user, db_field.related_model._default_manager.all()
                )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class OrganiserScopeMixin(ScopedChoicesMixin):
    """Narrows the admin to the conferences the user may see.

    The changelist, the change, delete and history pages of another conference's object answer
    404 (instead of Django's redirect to the index), actions never reach its rows, autocomplete
    never offers them, and foreign keys offer only the visible objects of scoped models.
    """

    #: How the model reaches its conference: "" for Conference, "conference" for a session,
    #: "registration__conference" for a consent. Every subclass sets it.
    conference_path: str

    def scope_queryset(self, user, queryset):
        """`queryset` narrowed to what `user` may see; the one rule for pages and choices."""
        return visible_to(user, queryset, path=self.conference_path)

    def get_queryset(self, request):
        return self.scope_queryset(request.user, super().get_queryset(request))

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj


def scoped_admin(admin_site, model) -> OrganiserScopeMixin | None:
    """The scoped admin of `model` on `admin_site`; None for a shared model (no scoped admin)."""
    try:
        model_admin = admin_site.get_model_admin(model)
    except NotRegistered:
        return None
    return model_admin if isinstance(model_admin, OrganiserScopeMixin) else None
