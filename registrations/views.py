from django.http import Http404


def register(request, slug):
    raise Http404


def confirm(request, public_id, token):
    raise Http404


def manage(request, public_id, token):
    raise Http404
