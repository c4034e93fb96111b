"""Text in PDFs: the font, right-to-left scripts, dates and alphabetical order.

Invariants:

- Text is drawn in a TrueType font with wide coverage found on the system (DejaVu Sans: Latin,
  Greek, Cyrillic, Georgian, Armenian, Hebrew, Arabic). Without one, Helvetica is used and every
  character outside Windows-1252 is printed as "?": a name is never silently dropped.
  A character the font lacks is printed as "?" as well (never an invisible glyph).
- reportlab draws characters in the order it gets them and does not join Arabic letters:
  `printable` gives Arabic letters their joined forms (arabic-reshaper) and puts right-to-left
  runs into visual order (python-bidi, the Unicode bidirectional algorithm) with a left-to-right
  base direction, the direction of the German documents the line is printed in.
- Dates are written by Django's date formatting in German (config/formats/de), whatever the
  language of the request that asked for the PDF.
- Lists are alphabetical by last name with German collation (DIN 5007-1: ä = a, ß = ss).
"""

from __future__ import annotations

import functools
import logging
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import arabic_reshaper
from bidi import get_display
from django.conf import settings
from django.utils import formats, timezone, translation
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

logger = logging.getLogger("tagungsbuero.exports")

#: The language the PDFs are written in.
LANGUAGE = "de"

# --- Fonts ------------------------------------------------------------------------------------

#: Searched in this order; settings.EXPORT_FONT_DIRS (if set) comes first.
FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
    "/usr/local/share/fonts",
    "/Library/Fonts",
)
FONT_FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")


@dataclass(frozen=True)
class Fonts:
    regular: str
    bold: str
    #: Characters the font can draw; None: the Latin-1 standard font.
    coverage: frozenset[int] | None


@functools.cache
def fonts() -> Fonts:
    dirs = [*getattr(settings, "EXPORT_FONT_DIRS", ()), *FONT_DIRS]
    for directory in dirs:
        regular, bold = (Path(directory) / name for name in FONT_FILES)
        if regular.is_file() and bold.is_file():
            pdfmetrics.registerFont(TTFont("TB-Sans", str(regular)))
            pdfmetrics.registerFont(TTFont("TB-Sans-Bold", str(bold)))
            face = pdfmetrics.getFont("TB-Sans").face
            return Fonts("TB-Sans", "TB-Sans-Bold", frozenset(face.charToGlyph))
    logger.warning(
        "No Unicode TrueType font (%s) in %s: PDFs use Helvetica, non-Latin names show as '?'.",
        FONT_FILES[0],
        ", ".join(map(str, dirs)),
    )
    return Fonts("Helvetica", "Helvetica-Bold", None)


# --- Right-to-left text -----------------------------------------------------------------------


def visual(text: str) -> str:
    """Logical → visual order, Arabic letters joined; text without right-to-left script is
    returned as it is."""
    if not any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text):
        return text
    return get_display(arabic_reshaper.reshape(text), base_dir="L")


def printable(text) -> str:
    """`text` ready to draw: one line, visual order, "?" for what the font cannot draw."""
    text = visual(" ".join(str(text).split()))
    coverage = fonts().coverage
    if coverage is None:
        return text.encode("cp1252", "replace").decode("cp1252")
    return "".join(ch if ord(ch) in coverage else "?" for ch in text)


def width(text: str, font: str, size: float) -> float:
    return pdfmetrics.stringWidth(text, font, size)


def fit(text: str, font: str, size: float, room: float, min_size: float) -> tuple[str, float]:
    """Shrink to fit, then cut with an ellipsis at `min_size`. `text` is already printable."""
    while size > min_size and width(text, font, size) > room:
        size = max(min_size, size - 0.5)
    if width(text, font, size) > room:
        while text and width(text + "…", font, size) > room:
            text = text[:-1]
        text += "…"
    return text, size


# --- Dates ------------------------------------------------------------------------------------


def format_date(day: date, fmt: str) -> str:
    """`day` in a named or literal Django date format, in German."""
    with translation.override(LANGUAGE):
        return formats.date_format(day, fmt)


def long_date(day: date, *, weekday: bool = True) -> str:
    """ "Dienstag, 11. Mai 2027", or "11. Mai 2027"."""
    return format_date(day, "LONG_DATE_FORMAT" if weekday else "j. F Y")


def conference_days(conference) -> list[date]:
    first = timezone.localdate(conference.starts_at)
    last = timezone.localdate(conference.ends_at)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def date_range(conference) -> str:
    """ "11.–12. Mai 2027", "30. April – 1. Mai 2027", or one long date for a one-day event."""
    days = conference_days(conference)
    first, last = days[0], days[-1]
    if first == last:
        return long_date(first)
    if (first.year, first.month) == (last.year, last.month):
        return f"{format_date(first, 'j.')}–{long_date(last, weekday=False)}"
    if first.year == last.year:
        return f"{format_date(first, 'j. F')} – {long_date(last, weekday=False)}"
    return f"{long_date(first, weekday=False)} – {long_date(last, weekday=False)}"


def place(conference) -> str:
    return ", ".join(p for p in (conference.venue_name, conference.city) if p)


# --- Order ------------------------------------------------------------------------------------

_GERMAN = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss"})


def collate(text: str) -> str:
    text = text.casefold().translate(_GERMAN)
    return "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )


def alphabetical_key(person) -> tuple:
    """DIN 5007-1 order by last name, then first name."""
    return (collate(person.last_name), collate(person.first_name), person.pk or 0)
