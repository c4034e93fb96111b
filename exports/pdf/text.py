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
- Names and headings are fitted by one rule, `fit_lines` (names: `fit_name`): wrap, then
  shrink down to a legible minimum, then a last line, and only then cut, visibly, with "…".
  Text is wrapped in logical order and each line put into visual order on its own.
- Dates are written by Django's date formatting in German (config/formats/de), whatever the
  language of the request that asked for the PDF.
- Lists are alphabetical by last name with German collation (DIN 5007-1: ä = a, ß = ss).
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import arabic_reshaper
from arabic_reshaper.ligatures import LIGATURES
from arabic_reshaper.reshaper_config import default_config
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


@functools.lru_cache(maxsize=4)
def _reshaper(coverage: frozenset[int] | None) -> arabic_reshaper.ArabicReshaper:
    """arabic-reshaper's defaults without the ligatures the font cannot draw (DejaVu Sans has no
    "Allah" ligature U+FDF2: with it, "عبد الله" would print as "عبد ?")."""
    if coverage is None:
        return arabic_reshaper.default_reshaper
    missing = {
        name: False
        for name, (_match, forms) in LIGATURES
        if default_config.get(name) and any(ord(ch) not in coverage for ch in "".join(forms))
    }
    return arabic_reshaper.ArabicReshaper(configuration=missing)


def visual(text: str) -> str:
    """Logical → visual order, Arabic letters joined; text without right-to-left script is
    returned as it is."""
    if not any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text):
        return text
    reshaped = _reshaper(fonts().coverage).reshape(text)
    return get_display(reshaped, base_dir="L")


def printable(text) -> str:
    """`text` ready to draw: one line, visual order, "?" for what the font cannot draw."""
    text = " ".join(str(text).split())
    if text.isascii() and text.isprintable():  # most text: no right-to-left script, all drawable
        return text
    text = visual(text)
    coverage = fonts().coverage
    if coverage is None:
        return text.encode("cp1252", "replace").decode("cp1252")
    return "".join(ch if ord(ch) in coverage else "?" for ch in text)


def width(text: str, font: str, size: float) -> float:
    return pdfmetrics.stringWidth(text, font, size)


# --- Fitting text into a box ------------------------------------------------------------------

ELLIPSIS = "…"


@dataclass(frozen=True)
class Fitted:
    """Text fitted into a box: printable lines (visual order), each at most the box's width at
    `size`; `cut` tells whether the end of the text had to give way to an ellipsis."""

    lines: tuple[str, ...]
    size: float
    cut: bool = False


def fit_lines(
    text,
    font: str,
    *,
    size: float,
    min_size: float,
    room: float,
    lines: int = 2,
    last_resort_lines: int | None = None,
    step: float = 0.5,
) -> Fitted:
    """The one rule for fitting names and headings into PDFs.

    From `size` down to `min_size` (in `step`s), the largest size at which `text` wraps into at
    most `lines` lines of width `room`, breaking at spaces. At `min_size` it may also break
    after the hyphens of compound names ("Zaeri-" / "Esfahani"), and then take up to
    `last_resort_lines` lines (default: `lines`). Only if even that cannot hold the text is its
    end cut, visibly, with an ellipsis: nothing is dropped silently.

    A word wider than a line breaks after a hyphen, and only then anywhere. `text` is logical
    (as typed): it is wrapped first and each line is put into visual order on its own (the
    Unicode bidirectional algorithm reorders line by line), so an Arabic name that takes two
    lines starts on the first.
    """
    words = " ".join(str(text).split())
    if not words:
        return Fitted((), size)
    while size > min_size:
        wrapped = _wrap(words, font, size, room)
        if len(wrapped) <= lines:
            return _fitted(wrapped, size)
        size = max(min_size, size - step)
    size = min_size
    candidates = [_wrap(words, font, size, room), _wrap(words, font, size, room, hyphens=True)]
    most = max(lines, last_resort_lines or lines)
    for allowed in (lines, most):
        for wrapped in candidates:
            if len(wrapped) <= allowed:
                return _fitted(wrapped, size)
    return _cut(words, candidates[1][: most - 1], font, size, room)


def wrap_lines(text, font: str, size: float, room: float) -> tuple[str, ...]:
    """`text` wrapped into as many lines of width `room` as it needs, each printable (wrapped in
    logical order, then each line in visual order, as in `fit_lines`)."""
    words = " ".join(str(text).split())
    return _fitted(_wrap(words, font, size, room), size).lines if words else ()


def _fitted(wrapped: list[str], size: float, *, cut: bool = False) -> Fitted:
    return Fitted(tuple(printable(line) for line in wrapped), size, cut)


def _fits(text: str, font: str, size: float, room: float) -> bool:
    return width(printable(text), font, size) <= room


def _hyphen_parts(word: str) -> list[str]:
    """ "Zaeri-Esfahani" → ["Zaeri-", "Esfahani"]: a line may end after a hyphen."""
    return re.findall(r"[^-]*-+|[^-]+$", word) or [word]


def _wrap(text: str, font: str, size: float, room: float, *, hyphens: bool = False) -> list[str]:
    """Greedy, the fewest lines for this size: as much as fits on a line, broken at spaces (and
    after hyphens if `hyphens`); a piece wider than a line is broken by `_break_word`.

    Widths add up piece by piece: letters join only within a word, and reordering a line does
    not change its width."""
    space = width(" ", font, size)
    out: list[str] = []
    line, line_w = "", 0.0
    for word in text.split(" "):
        for n, piece in enumerate(_hyphen_parts(word) if hyphens else [word]):
            glue = " " if n == 0 and line else ""
            piece_w = width(printable(piece), font, size)
            if line_w + (space if glue else 0) + piece_w <= room:
                line, line_w = line + glue + piece, line_w + (space if glue else 0) + piece_w
                continue
            if line:
                out.append(line)
            pieces = [piece] if piece_w <= room else _break_word(piece, font, size, room)
            out += pieces[:-1]
            line = pieces[-1]
            line_w = width(printable(line), font, size)
    out.append(line)
    return out


def _break_word(word: str, font: str, size: float, room: float) -> list[str]:
    """A word too wide for a line: broken after hyphens, a part still too wide anywhere."""
    out: list[str] = []
    line = ""
    for part in _hyphen_parts(word):
        if _fits(line + part, font, size, room):
            line += part
            continue
        if line:
            out.append(line)
            line = ""
        for ch in part:
            if line and not _fits(line + ch, font, size, room):
                out.append(line)
                line = ""
            line += ch
    out.append(line)
    return out


def _cut(text: str, kept: list[str], font: str, size: float, room: float) -> Fitted:
    """The lines `kept` (the first lines of `text` as wrapped), then a last line with the rest
    of `text` up to an ellipsis."""
    end = 0
    for line in kept:
        end = text.index(line, end) + len(line)
    last = text[end:].strip()
    while last and not _fits(last.rstrip() + ELLIPSIS, font, size, room):
        last = last[:-1]
    return _fitted([*kept, last.rstrip() + ELLIPSIS], size, cut=True)


def fit_name(name, font: str, *, size: float, min_size: float, room: float) -> Fitted:
    """A person's name on a badge, sign-in sheet or certificate: two lines while it shrinks
    from `size` to `min_size`, a third line at `min_size`, and only then an ellipsis."""
    return fit_lines(
        name, font, size=size, min_size=min_size, room=room, lines=2, last_resort_lines=3
    )


def fit(text, font: str, size: float, room: float, min_size: float) -> tuple[str, float]:
    """One line: `fit_lines` with a single line (shrink, then cut with an ellipsis)."""
    fitted = fit_lines(text, font, size=size, min_size=min_size, room=room, lines=1)
    return (fitted.lines[0] if fitted.lines else ""), fitted.size


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
