"""Template context for every page: the language switch."""

from django.conf import settings
from django.urls import translate_url
from django.utils import translation


def _path_in(request, code):
    """The current path in language `code`: through the URL patterns where it resolves, else
    (e.g. on a 404 page) by swapping the language prefix."""
    path = request.get_full_path()
    url = translate_url(path, code)
    current = translation.get_language_from_path(request.path_info)
    if url != path or code == (current or settings.LANGUAGE_CODE):
        return url
    if current:
        path = path[len(current) + 1 :]
    return path if code == settings.LANGUAGE_CODE else f"/{code}{path}"


def language_links(request):
    """One entry per language: its own name, the current page's URL in it, and whether it is
    the language of this page. No query."""
    active = translation.get_language()
    links = []
    for code, _name in settings.LANGUAGES:
        info = translation.get_language_info(code)
        links.append(
            {
                "code": code,
                "name": info["name_local"],
                "url": _path_in(request, code),
                "is_current": code == active,
            }
        )
    return {"language_links": links}
