"""Entity linking: finds the graph's entities in free text by label and alias.

Exact on the folded, space-free form first ("chat glm 3" = "ChatGLM3"), longest match wins;
then fuzzy (small typos: "Naibeige" ~ "Nanbeige"), with a threshold. Short all-caps names ("US",
"AI") must be written in capitals, so the pronoun "us" is not the United States.
"""

from __future__ import annotations

from typing import NamedTuple

from kg.text import STOPWORDS, Token, compact, tokens

MAX_WINDOW = 8
FUZZY_ACCEPT = 88.0
FUZZY_SUGGEST = 60.0


class Mention(NamedTuple):
    iri: str
    start: int  # token indexes [start, end)
    end: int
    text: str  # as written in the question
    score: float  # 100 exact


class Suggestion(NamedTuple):
    iri: str
    label: str
    score: float


def name_keys(entities: dict[str, dict]) -> list[tuple[str, str, str, bool]]:
    """Every label and alias with its compact key; short all-caps names are case-sensitive."""
    out = []
    for iri, e in entities.items():
        for name in [e["label"], *e.get("aliases", [])]:
            key = compact(name)
            if key:
                out.append((key, iri, name, len(key) <= 3 and name.replace(".", "").isupper()))
    return out


class EntityIndex:
    """Names of all entities, keyed by their compact form."""

    def __init__(self, entities: dict[str, dict], names: list | None = None) -> None:
        """`names` is the precomputed [(key, iri, name, case_sensitive)] list the build writes."""
        self.entities = entities
        self.by_key: dict[str, str] = {}
        self.case_sensitive: set[str] = set()
        self.names: list[tuple[str, str, str]] = []  # (compact key, iri, display name)
        for key, iri, name, case_sensitive in names if names is not None else name_keys(entities):
            self.by_key.setdefault(key, iri)
            self.names.append((key, iri, name))
            if case_sensitive:
                self.case_sensitive.add(key)

    def label(self, iri: str) -> str:
        return self.entities[iri]["label"]

    def _exact(self, toks: list[Token], i: int, j: int, original: str) -> str | None:
        key = "".join(t.text for t in toks[i:j])
        iri = self.by_key.get(key)
        if iri is None:
            return None
        if key in self.case_sensitive:
            written = original[toks[i].start : toks[j - 1].end].replace(".", "")
            if not written.isupper():
                return None
        if j - i == 1 and toks[i].text in STOPWORDS and key not in self.case_sensitive:
            return None
        return iri

    def find(self, text: str, reserved: set[int] | None = None, fuzzy: bool = True) -> list[Mention]:
        """Non-overlapping entity mentions in `text`, longest first; `reserved` token indexes are skipped."""
        toks = tokens(text)
        taken = set(reserved or ())
        found: list[Mention] = []
        for size in range(min(MAX_WINDOW, len(toks)), 0, -1):
            for i in range(0, len(toks) - size + 1):
                j = i + size
                if taken & set(range(i, j)):
                    continue
                iri = self._exact(toks, i, j, text)
                if iri:
                    found.append(Mention(iri, i, j, text[toks[i].start : toks[j - 1].end], 100.0))
                    taken |= set(range(i, j))
        if fuzzy:
            found += self._fuzzy(text, toks, taken)
        return sorted(found, key=lambda m: m.start)

    def _fuzzy(self, text: str, toks: list[Token], taken: set[int]) -> list[Mention]:
        from rapidfuzz import fuzz, process

        keys = [n[0] for n in self.names]
        found: list[Mention] = []
        for size in range(min(4, len(toks)), 0, -1):
            for i in range(0, len(toks) - size + 1):
                j = i + size
                span = set(range(i, j))
                if taken & span or any(toks[k].text in STOPWORDS for k in (i, j - 1)):
                    continue
                key = "".join(t.text for t in toks[i:j])
                if len(key) < 5:
                    continue
                window = [t.text for t in toks[i:j]]
                for _, score, idx in process.extract(key, keys, scorer=fuzz.ratio, score_cutoff=FUZZY_ACCEPT, limit=5):
                    if self._tokens_agree(window, self.names[idx][2]):
                        found.append(Mention(self.names[idx][1], i, j, text[toks[i].start : toks[j - 1].end], float(score)))
                        taken |= span
                        break
        return found

    @staticmethod
    def _tokens_agree(window: list[str], name: str) -> bool:
        """A typo changes letters inside words, not whole words: 'Alibabba' ~ 'Alibaba', but
        'outbound investment rule' is not 'Outbound Investment Order'."""
        from rapidfuzz import fuzz

        parts = [t.text for t in tokens(name)]
        if len(parts) != len(window):
            return len(window) == 1 or len(parts) == 1  # spacing variants were matched exactly before
        for a, b in zip(window, parts, strict=True):
            if (len(a) <= 3 or len(b) <= 3) and a != b:
                return False
            if fuzz.ratio(a, b) < 75:
                return False
        return True

    def suggest(self, text: str, limit: int = 3, types: set[str] | None = None) -> list[Suggestion]:
        """Closest names to `text`, best first, one per entity."""
        from rapidfuzz import fuzz, process

        key = compact(text)
        if not key:
            return []
        scored = process.extract(key, [n[0] for n in self.names], scorer=fuzz.WRatio, limit=limit * 6)
        out: list[Suggestion] = []
        seen: set[str] = set()
        for _, score, idx in scored:
            iri = self.names[idx][1]
            if iri in seen or score < FUZZY_SUGGEST:
                continue
            if types and not set(self.entities[iri]["types"]) & types:
                continue
            seen.add(iri)
            out.append(Suggestion(iri, self.label(iri), float(score)))
            if len(out) == limit:
                break
        return out
