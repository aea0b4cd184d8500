"""Text normalisation shared by linking, search and question parsing.

Names and questions go through the same folding (case, accents, punctuation, spacing, 'Σ'), so
"chat glm 3" meets "Chat GLM 3" and "ChatGLM3", and "Pangu sigma" meets "PanGu-Σ".
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

_GREEK = {"Σ": "sigma", "σ": "sigma", "ς": "sigma"}
_TOKEN = re.compile(r"[a-z0-9]+")


class Token(NamedTuple):
    text: str  # folded
    start: int  # offsets in the original string
    end: int
    raw: str


def fold(text: str) -> str:
    """Lowercase ascii with accents dropped; punctuation kept for the tokenizer to split on."""
    for k, v in _GREEK.items():
        text = text.replace(k, " " + v if k == "Σ" else v)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return text.lower()


def tokens(text: str) -> list[Token]:
    """Word tokens with their spans in `text`; a possessive 's becomes the token 'poss'."""
    out: list[Token] = []
    for m in re.finditer(r"[^\W_]+|['’]s\b", text):
        raw = m.group(0)
        if raw in ("'s", "’s") and m.start() > 0 and text[m.start() - 1].isalnum():
            out.append(Token("poss", m.start(), m.end(), raw))
            continue
        for piece in _TOKEN.finditer(fold(raw)):
            out.append(Token(piece.group(0), m.start(), m.end(), raw))
    return out


def compact(text: str) -> str:
    """The matching key of a name: folded tokens run together ('Chat GLM 3' -> 'chatglm3')."""
    return "".join(t.text for t in tokens(text))


@lru_cache(maxsize=4096)
def stem(word: str) -> str:
    """Snowball stem; used by the build (kg.lexicon), never on the ask path."""
    return _stemmer().stemWord(word)


@lru_cache(maxsize=1)
def _stemmer():
    import snowballstemmer

    return snowballstemmer.stemmer("english")


def stems(text: str) -> tuple[str, ...]:
    return tuple(stem(t.text) for t in tokens(text))


STOPWORDS = frozenset(
    """a an the of in on at to for from with and or by about as into is are was were be been being do does did
    has have had will would can could should shall may might must which what who whom whose where when how why
    that this these those there their its it his her they them he she we you i me my our your all any some
    each every both either list show tell give name me please graph knowledge any poss than more less""".split()
)
