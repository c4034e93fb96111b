"""Soft hyphens in long German words, for the narrow columns of the programme grid.

CSS `hyphens: auto` (site.css) hyphenates only where the browser has a dictionary for the
element's language, and some have none for German: they would break "Migrantenorganisationen"
anywhere, without a hyphen. A soft hyphen (U+00AD) is a break every browser honours, and it is
invisible unless the line breaks there. The hyphenation points are those of the LibreOffice German
patterns (Pyphen), which browsers use too.
"""

import re
from functools import lru_cache

import pyphen
from django import template

register = template.Library()

SOFT_HYPHEN = "\u00ad"
# Shorter words fit into any column; digits and underscores are never split.
LONG_WORD = re.compile(r"[^\W\d_]{12,}")


@lru_cache(maxsize=1)
def _german():
    # At least three letters on either side of a break ("Be-hörden" reads badly).
    return pyphen.Pyphen(lang="de_DE", left=3, right=3)


def hyphenate_german(text: str) -> str:
    """`text` with soft hyphens at the German hyphenation points of its long words."""
    dictionary = _german()
    return LONG_WORD.sub(lambda m: dictionary.inserted(m.group(), hyphen=SOFT_HYPHEN), text)


@register.filter
def hyphenate(value):
    """German text with soft hyphens in its long words. Returns plain text: autoescaping
    still applies."""
    return hyphenate_german(str(value))
