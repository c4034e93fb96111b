"""Template context for every page: the language switch and its alternates for search engines."""

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
    """One entry per language: its own name, the current page's URL in it (`url` for links,
    `absolute_url` with this request's scheme and host for the hreflang alternates, which search
    engines require absolute), whether it is the language of this page and whether it is the
    default language (hreflang "x-default"). No query."""
    active = translation.get_language()
    links = []
    for code, _name in settings.LANGUAGES:
        info = translation.get_language_info(code)
        url = _path_in(request, code)
        links.append(
            {
                "code": code,
                "name": info["name_local"],
                "url": url,
                "absolute_url": request.build_absolute_uri(url),
                "is_current": code == active,
                "is_default": code == settings.LANGUAGE_CODE,
            }
        )
    return {"language_links": links}
