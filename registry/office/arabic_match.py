"""Arabic names for search and duplicate detection: normalisation, a trigram key and score,
and a Latin transliteration a registrar can edit.

What it does
------------
`normalise(text)` folds the spellings clerks mix up into one form:

- Unicode NFKC first, so presentation forms pasted from PDFs (ﻣﺤﻤﺪ) become ordinary letters;
- every diacritic (harakat, tanween, shadda, sukun, dagger alef, Quranic marks) and the
  tatweel (ـ) removed; zero-width and bidi control characters removed;
- hamza and alef forms أ إ آ ٱ ٲ ٳ → ا; ؤ → و; ئ → ي; a standalone hamza ء is dropped
  (دعاء = دعا, a common omission); ta marbuta ة → ه; alef maqsura ى → ي; the Persian/Urdu
  keyboard's ی ک ھ ۀ → ي ك ه ه;
- Arabic-Indic (٠-٩) and Extended Arabic-Indic (۰-۹) digits → ASCII;
- punctuation (hyphens, dots, commas) to spaces, runs of whitespace to one space;
- compounds joined into one part, whichever way they were typed: عبد + the next word
  (عبد الله = عبدالله = عبـد  اللّه), ابو / بني / ال (آل) + the next word, and الله / الدين joined
  to the word before (نور الدين = نورالدين). A four-part name therefore always splits into its
  parts on spaces (`name_parts`).

`search_key(text)` maps the normalised Arabic letters one-to-one onto ASCII letters and digits
(28 letters remain after folding; anything else is dropped; the article ال is left off a
word's start when three letters or more remain, so طراونة finds الطراونة), and `similarity(a, b)` is
PostgreSQL pg_trgm's `similarity()` computed on those keys: each word of the key padded with
two spaces before and one after, every three-character window a trigram, the score
|common| / |union| of the two trigram sets. The database stores `search_key(name)` in a
column indexed with `gin_trgm_ops` and queries `key % :k ORDER BY similarity(key, :k) DESC`;
because the key is plain lowercase ASCII, pg_trgm extracts exactly the trigrams this module
does whatever the database's LC_CTYPE (in a C-locale database pg_trgm sees no word
characters in Arabic at all) and without the CRC folding it applies to multibyte trigrams, so
the index and the Python check agree exactly (tests/office prove it against the server).

`blocking_keys(name)` gives, for a four-part name, one key per way of leaving one part out:
two spellings that differ in at most one part (or lack the grandfather's name) share one. On
PostgreSQL a text[] column of them with a GIN index finds such candidates among a million
persons in a few milliseconds, where a trigram scan over whole names takes hundreds
(docs/office.md has the figures).

`suggest_latin(parts)` gives a Latin form for each part of a name: the conventional civil
registry spelling when `registry.names` knows the name, else letter rules (consonants mapped,
long vowels read, a short vowel guessed where the consonants would otherwise cluster). Arabic
writes no short vowels, so this is a suggestion for a registrar to edit, never a record.

What it deliberately does not do
--------------------------------
No stemming, no phonetic (Soundex-like) codes, no guessing that two different names are the
same person: it scores spellings and the caller decides with its threshold and other facts.
Non-Arabic letters are kept by `normalise` but have no place in the search key (Latin names
are searched in their own columns). No I/O; the names tables are read from `registry.names`.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence

from registry.models import latin_name
from registry.names import FAMILIES, FEMALE, MALE

__all__ = [
    "DUPLICATE_THRESHOLD",
    "SEARCH_THRESHOLD",
    "blocking_keys",
    "edit_distance",
    "name_parts",
    "normalise",
    "same_name",
    "search_key",
    "similar_names",
    "similarity",
    "suggest_latin",
    "suggest_latin_name",
    "trigrams",
]

# pg_trgm's default `pg_trgm.similarity_threshold`, the `%` operator's cut-off: search lists
# candidates above it, best first
SEARCH_THRESHOLD = 0.3
# two names at least this similar (on their keys) are flagged as possibly the same declaration;
# chosen on the clerks' mistakes in tests/office/test_arabic_match.py (one wrong or missing
# letter in a name part still scores above it; a different given name of the same family
# does not)
DUPLICATE_THRESHOLD = 0.5

_TATWEEL = "\u0640"
# harakat and tanween U+064B..U+065F, dagger alef U+0670, Quranic annotation U+06D6..U+06ED
_DIACRITICS = re.compile("[\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed]")
# zero-width, bidi marks and isolates, the Arabic letter mark, BOM
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\u061c\ufeff\u00ad]")
_FOLD = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ٲ": "ا",
        "ٳ": "ا",
        "ؤ": "و",
        "ئ": "ي",
        "ء": None,
        "ة": "ه",
        "ى": "ي",
    }
)
# what other keyboards and code pages put in Arabic text
_KEYBOARD = str.maketrans({"ی": "ي", "ې": "ي", "ک": "ك", "ھ": "ه", "ۀ": "ه", "ە": "ه"})
_DIGITS = str.maketrans(
    {**{chr(0x0660 + i): str(i) for i in range(10)}, **{chr(0x06F0 + i): str(i) for i in range(10)}}
)
_SEPARATORS = re.compile(r"[\s\-_.,،؛;:/\\()\[\]'\"«»]+")

# compounds: a prefix joins the word after it, a suffix the word before it (after folding)
_PREFIXES = frozenset({"عبد", "ابو", "بني", "ال"})
_SUFFIXES = frozenset({"الله", "الدين"})

# the 28 letters left after folding, one ASCII letter or digit each (Buckwalter and Arabizi
# where they are lowercase: ث v, خ x, ح 7, ع 3, ص 9, ط 6)
_KEY = str.maketrans(
    {
        "ا": "a",
        "ب": "b",
        "ت": "t",
        "ث": "v",
        "ج": "j",
        "ح": "7",
        "خ": "x",
        "د": "d",
        "ذ": "8",
        "ر": "r",
        "ز": "z",
        "س": "s",
        "ش": "c",
        "ص": "9",
        "ض": "p",
        "ط": "6",
        "ظ": "5",
        "ع": "3",
        "غ": "g",
        "ف": "f",
        "ق": "q",
        "ك": "k",
        "ل": "l",
        "م": "m",
        "ن": "n",
        "ه": "h",
        "و": "w",
        "ي": "y",
    }
)
_NOT_ARABIC_LETTER = re.compile("[^\u0621-\u064a ]")
_NOT_KEY = re.compile("[^a-z0-9 ]")


def _clean(text: str) -> str:
    """NFKC, invisible characters, tatweel, keyboard variants and digits; letters unfolded."""
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text).replace(_TATWEEL, "")
    return text.translate(_KEYBOARD).translate(_DIGITS)


def _join_compounds(words: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        # a prefix, or a run of them (عبد ال رحمن), takes the following word
        while word in _PREFIXES and i + 1 < len(words):
            i += 1
            word += words[i]
        if word in _SUFFIXES and out:
            out[-1] += word
        else:
            out.append(word)
        i += 1
    return out


def normalise(text: str) -> str:
    """The folded form of a name (or any Arabic text) used to compare spellings."""
    text = _DIACRITICS.sub("", _clean(text)).translate(_FOLD)
    words = [w for w in _SEPARATORS.split(text) if w]
    return " ".join(_join_compounds(words))


def name_parts(text: str) -> tuple[str, ...]:
    """The normalised parts of a name: a four-part name gives four, compounds as one part."""
    normal = normalise(text)
    return tuple(normal.split(" ")) if normal else ()


def same_name(a: str, b: str) -> bool:
    """True when two spellings normalise to the same name."""
    return normalise(a) == normalise(b)


def search_key(text: str) -> str:
    """The ASCII key of a name, stored in the trigram-indexed column (see the module doc)."""
    key = _NOT_ARABIC_LETTER.sub("", normalise(text)).translate(_KEY)
    key = _NOT_KEY.sub("", key)
    # the article says nothing about a name, clerks drop it (طراونة for الطراونة), and its
    # trigrams ("  a", " al") are in most family names, which slows the index down
    return " ".join(w[2:] if w.startswith("al") and len(w) >= 5 else w for w in key.split())


_BLOCKS = ((0, 1, 2), (0, 1, 3), (0, 2, 3), (1, 2, 3))


def blocking_keys(name: str) -> frozenset[str]:
    """Keys that two spellings of a four-part name share when at most one part differs.

    A stored name gives four keys, one per way of leaving a part out ("124:" is given,
    father's and family name: the grandfather left out); a three-part query is read as given,
    father's and family name (the grandfather omitted, a clerk's habit) and gives the "124:"
    key. The database keeps them in a text[] column with a GIN index and finds candidates
    with `blocks && :keys`, a handful of rows even among millions, which `similarity` then
    ranks; the trigram index serves the looser searches (see docs/office.md)."""
    parts = tuple(search_key(p) for p in name_parts(name))
    if any(not p for p in parts):
        return frozenset()
    if len(parts) == 3:
        return frozenset({f"124:{parts[0]} {parts[1]} {parts[2]}"})
    if len(parts) != 4:
        return frozenset()
    return frozenset(
        "".join(str(i + 1) for i in block) + ":" + " ".join(parts[i] for i in block)
        for block in _BLOCKS
    )


def trigrams(key: str) -> frozenset[str]:
    """pg_trgm's `show_trgm(key)` for an ASCII search key."""
    out: set[str] = set()
    for word in re.findall(r"[a-z0-9]+", key.lower()):
        padded = f"  {word} "
        out.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return frozenset(out)


def similarity(a: str, b: str) -> float:
    """pg_trgm's `similarity(search_key(a), search_key(b))`: 0.0 (nothing shared) to 1.0."""
    ta, tb = trigrams(search_key(a)), trigrams(search_key(b))
    if not ta or not tb:
        return 0.0
    common = len(ta & tb)
    return common / (len(ta) + len(tb) - common)


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance between the normalised forms (fuzzystrmatch's `levenshtein`)."""
    x, y = normalise(a), normalise(b)
    if len(x) < len(y):
        x, y = y, x
    previous = list(range(len(y) + 1))
    for i, cx in enumerate(x, 1):
        current = [i]
        for j, cy in enumerate(y, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (cx != cy)))
        previous = current
    return previous[-1]


def similar_names(a: str, b: str) -> bool:
    """True when two names may be one name misspelt: trigram similarity at least
    `DUPLICATE_THRESHOLD`, or one letter added, dropped or changed (short names share too few
    trigrams for the score alone: يوسف and يوسيف score 0.375)."""
    if not normalise(a) or not normalise(b):
        return False
    return similarity(a, b) >= DUPLICATE_THRESHOLD or edit_distance(a, b) <= 1


# ---------------------------------------------------------------------------------------------
# Latin suggestions


@functools.cache
def _known() -> dict[str, str]:
    """Normalised Arabic → the civil registry's Latin spelling, from registry.names."""
    table: dict[str, str] = {}
    for arabic, latin in (*MALE, *FEMALE, *FAMILIES):
        table.setdefault(normalise(arabic), latin)
    return table


_CONSONANTS: dict[str, str] = {
    "ب": "b",
    "ت": "t",
    "ث": "th",
    "ج": "j",
    "ح": "h",
    "خ": "kh",
    "د": "d",
    "ذ": "th",
    "ر": "r",
    "ز": "z",
    "س": "s",
    "ش": "sh",
    "ص": "s",
    "ض": "d",
    "ط": "t",
    "ظ": "z",
    "غ": "gh",
    "ف": "f",
    "ق": "q",
    "ك": "k",
    "ل": "l",
    "م": "m",
    "ن": "n",
    "ه": "h",
}
_HARAKAT = {"\u064e": "a", "\u0650": "i", "\u064f": "u"}
_SHADDA, _SUKUN = "\u0651", "\u0652"
_ALEFS = frozenset("اأإآٱ")


def _letters(word: str) -> list[tuple[str, str | None, bool]]:
    """(letter, written short vowel or "" for sukun or None, shadda) for each base letter."""
    out: list[tuple[str, str | None, bool]] = []
    for ch in word:
        if ch in _HARAKAT or ch in (_SHADDA, _SUKUN):
            if not out:
                continue
            letter, vowel, shadda = out[-1]
            if ch == _SHADDA:
                shadda = True
            else:
                vowel = _HARAKAT.get(ch, "")
            out[-1] = (letter, vowel, shadda)
        elif unicodedata.category(ch).startswith("L"):
            out.append((ch, None, False))
    return out


def _rule_word(word: str, *, family: bool) -> str:
    """Letter rules for one word with no known spelling (see the module doc)."""
    letters = _letters(word)
    # (Latin text, sounds as a vowel, is a long vowel written with a letter)
    sounds: list[tuple[str, bool, bool]] = []
    skip = False
    n = len(letters)
    for i, (ch, vowel, shadda) in enumerate(letters):
        if skip:
            skip = False
            continue
        first, last = i == 0, i == n - 1
        nxt = letters[i + 1][0] if i + 1 < n else ""
        prev_vowel = bool(sounds) and sounds[-1][1]
        if ch in _ALEFS:
            sounds.append(("i" if ch == "إ" else "a", True, not first))
        elif ch == "ى":
            sounds.append(("a", True, True))
        elif ch == "ة":
            sounds.append(("eh" if family else "a", True, False))
        elif ch == "ئ":
            sounds.append(("e", True, False))
        elif ch == "ؤ":
            sounds.append(("u", True, False))
        elif ch == "ع":
            if first and nxt in ("و", "ي"):
                sounds.append(("o" if nxt == "و" else "i", True, True))
                skip = True
            elif first or not prev_vowel:
                sounds.append(("a", True, False))
        elif ch in ("و", "ي"):
            if first or prev_vowel or nxt in _ALEFS:
                sounds.append(("w" if ch == "و" else "y", False, False))
            elif ch == "و":
                sounds.append(("u" if last else "ou", True, True))
            else:
                sounds.append(("i" if last else "ee", True, True))
        elif ch in _CONSONANTS:
            latin = _CONSONANTS[ch]
            sounds.append((latin + (latin[-1] if shadda else ""), False, False))
        else:
            continue  # hamza on the line, letters of other scripts
        if vowel is not None:
            sounds.append((vowel, True, False))  # a written haraka, or sukun's "none"
    # guess a short vowel where consonants meet: after a first consonant, inside a run of
    # three, and before a final consonant (e after a long vowel: Khaled, Yousef; else a: Hasan)
    out: list[str] = []
    run = 0
    for i, (text, is_vowel, _long) in enumerate(sounds):
        out.append(text)
        if is_vowel:
            run = 0
            continue
        run += 1
        rest = sounds[i + 1 :]
        if not rest or rest[0][1]:
            continue
        if i == 0 or run >= 2:
            out.append("a")
            run = 0
        elif len(rest) == 1:
            out.append("e" if i >= 1 and sounds[i - 1][2] else "a")
            run = 0
    latin = "".join(out)
    return latin[:1].upper() + latin[1:]


_ALEF_ONLY = str.maketrans(dict.fromkeys("أإآٱ", "ا"))


def _latin_part(part: str, *, family: bool) -> str:
    """The suggested Latin form of one name part (compounds included)."""
    known = _known().get(normalise(part))
    if known is not None:
        return known
    words = [w for w in _SEPARATORS.split(_clean(part)) if w]
    if len(words) > 1:
        # a part typed with a space inside a compound: rejoin it, diacritics dropped
        bare = _DIACRITICS.sub("", "".join(words))
        if len(name_parts(part)) > 1:
            return " ".join(_latin_part(w, family=family) for w in name_parts(part))
        words = [bare]
    word = words[0] if words else ""
    bare = _DIACRITICS.sub("", word).translate(_ALEF_ONLY)
    if bare.startswith("عبد") and len(bare) > 3:
        tail = bare[3:].removeprefix("ال")
        return "Abdul" + (_known().get(normalise(tail)) or _rule_word(tail, family=False)).lower()
    for prefix, latin in (("ابو", "Abu "), ("بني", "Bani ")):
        if bare.startswith(prefix) and len(bare) > len(prefix):
            return latin + _latin_part(bare[len(prefix) :], family=family)
    for suffix, latin in (("الدين", "eddin"), ("الله", "allah")):
        if bare.endswith(suffix) and len(bare) > len(suffix):
            return _rule_word(bare[: -len(suffix)], family=False) + latin
    if bare.startswith("ال") and len(bare) > 3:
        return "Al-" + _latin_part(bare[2:], family=family)
    return _rule_word(word, family=family)


def suggest_latin(parts: Sequence[str]) -> tuple[str, ...]:
    """A suggested Latin form for each part of an Arabic name (the last part is the family)."""
    last = len(parts) - 1
    return tuple(_latin_part(p, family=i == last) for i, p in enumerate(parts))


def suggest_latin_name(parts: Sequence[str]) -> str | None:
    """The suggested full Latin name, joined as the registry joins its Latin parts."""
    return latin_name(suggest_latin(parts))
