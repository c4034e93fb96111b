"""Text folding for search: the one place that decides when two spellings of a name are the same.

`fold` maps a text to a form in which the ways people type a German (or accented) name coincide:
"Kühne-Hörmann", "KÜHNE-HÖRMANN", "Kuehne Hoermann" and "kuhne hormann" all fold to
"kuhne hormann". Both the stored text and the query are folded, so they meet in the middle:

- lower case (casefold, so "ß" becomes "ss");
- accents and umlauts dropped ("ü" → "u", "é" → "e"; "ø", "æ", "ł" and friends by table);
- the transcriptions "ae", "oe", "ue" folded to "a", "o", "u" as well, so that the typed "kuehne"
  meets the stored "Kühne". This also makes "Michael" and "Michal" coincide: for a search that
  is a small price; for comparing identities this function is the wrong tool;
- every run of other characters (hyphens, commas, spaces) becomes one space; "@" and "." stay,
  so e-mail addresses remain recognisable.

Changing this function changes what stored folded texts mean: add a migration that refills them.
"""

import re
import unicodedata

# Letters that NFKD does not decompose into a base letter and a combining mark.
_LETTERS = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"}
)
_TRANSCRIPTIONS = re.compile(r"([aou])e")
_SEPARATORS = re.compile(r"[^\w@.]+")


def fold(text: str) -> str:
    """`text` folded for searching (see the module's docstring); "" for nothing."""
    text = unicodedata.normalize("NFKD", (text or "").casefold().translate(_LETTERS))
    text = "".join(c for c in text if not unicodedata.combining(c)).translate(_LETTERS)
    text = _TRANSCRIPTIONS.sub(r"\1", text)
    return " ".join(_SEPARATORS.sub(" ", text).replace("_", " ").split())
