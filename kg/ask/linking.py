"""Step 1 of reading a question: every n-gram mapped to what it may denote.

Entities (labels and aliases on a folded form; surnames and other partial names, by the words of
the name, with the class word next to them as a type check; initials such as "LCD"; country
adjectives such as "Chinese"), classes, relation and value phrases from the ontology, numbers,
years and comparators. Small typos are corrected word by word against the words the graph and the
ontology use ("invnet" -> "invent"), importing the fuzzy matcher only when a word is unknown.

Every candidate is kept with a confidence; which one is meant is decided later, by what the rest
of the question connects to in the graph.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from kg.ask.lexicon import AUX, CLIPPINGS, DISCOURSE, QUESTION_WORDS, AskLexicon, plural_base
from kg.text import STOPWORDS, tokens

MAX_SPAN = 8


class Word(NamedTuple):
    i: int
    text: str  # folded, typo-corrected
    raw: str  # as written
    start: int
    end: int
    stem: str
    forms: frozenset[str]  # text, singular, expansion of an abbreviation
    content: bool  # a word the reading must explain


class Link(NamedTuple):
    kind: str  # entity | class | phrase | number | year | compare
    start: int  # word indexes [start, end)
    end: int
    target: object  # iri, class name, Phrase, number, year, operator
    score: float  # 1.0 = exact
    via: str  # how it was found: label, alias, partial, initials, adjective, typo, phrase, ...

    @property
    def span(self) -> range:
        return range(self.start, self.end)


_COMPARATORS = [
    (("more", "than"), ">"), (("greater", "than"), ">"), (("at", "least"), ">="), (("larger", "than"), ">"),
    (("higher", "than"), ">"), (("above",), ">"), (("over",), ">"), (("exceed",), ">"), (("exceeds",), ">"),
    (("exceeded",), ">"), (("exceeding",), ">"), (("crossed",), ">"), (("cross",), ">"), (("cleared",), ">"),
    (("clear",), ">"), (("surpassed",), ">"), (("beyond",), ">"), (("less", "than"), "<"), (("fewer", "than"), "<"),
    (("below",), "<"), (("under",), "<"), (("at", "most"), "<="), (("lower", "than"), "<"), (("smaller", "than"), "<"),
    (("before",), "before"), (("after",), "after"), (("since",), "since"),
]  # fmt: skip
_NUMBER = re.compile(
    r"(?P<pow>10\s*(?:\^|\*\*)\s*(?P<exp>\d+))"
    r"|(?P<sci>\d+(?:\.\d+)?\s*[eE]\s*\+?\s*\d+)"
    r"|(?<![\w.])(?P<plain>\$?\d[\d,]*(?:\.\d+)?)\s*(?P<scale>bn|billion|million|mn|trillion|tn|thousand|k)?\b"
)
_SCALE = {"bn": 1e9, "billion": 1e9, "million": 1e6, "mn": 1e6, "trillion": 1e12, "tn": 1e12, "thousand": 1e3, "k": 1e3}


def is_content(text: str) -> bool:
    return text not in STOPWORDS and text not in QUESTION_WORDS and text not in AUX and text not in DISCOURSE and text != "poss"


# --- per-graph indexes (built on first use, kept on the graph) ---------------------------------------------


class Names:
    """Name indexes over the graph's entities: compact keys, name words, initials, country adjectives."""

    def __init__(self, g, lex: AskLexicon) -> None:
        self.keys: dict[str, list[tuple[str, str]]] = {}  # compact key -> [(iri, "label"|"alias")]
        self.case_sensitive: set[str] = set()
        from kg.linking import name_keys

        rows = g.lexicon.get("names") or name_keys(g.lexicon["entities"])
        for key, iri_, name, cs in rows:
            e = lex.entities.get(iri_)
            how = "label" if e and name == e["label"] else "alias"
            self.keys.setdefault(key, []).append((iri_, how))
            if cs:
                self.case_sensitive.add(key)
        self.lex = lex
        self._words: dict[str, set[str]] | None = None
        self._name_words: dict[str, list[frozenset[str]]] = {}
        self._initials: dict[str, set[str]] | None = None
        self._expansions: dict[str, set[tuple[str, ...]]] | None = None
        self._adjectives: dict[str, str] | None = None
        self._vocabulary: list[str] | None = None

    def name_words(self, iri_: str) -> list[tuple[frozenset[str], frozenset[str]]]:
        """Each name's content words (label and every alias), with singular forms."""
        if iri_ not in self._name_words:
            e = self.lex.entities[iri_]
            out = []
            for n in [e["label"], *e.get("aliases", [])]:
                toks = [t.text for t in tokens(n)]
                ws = set(_join_initials(toks)) - STOPWORDS - {"poss"}
                if ws:
                    out.append((frozenset(ws), frozenset(k for w in ws for k in _keys(w))))
            self._name_words[iri_] = out
        return self._name_words[iri_]

    @property
    def words(self) -> dict[str, set[str]]:
        """Word -> entities with the word in a name."""
        if self._words is None:
            idx: dict[str, set[str]] = {}
            for iri_ in self.lex.entities:
                for _, keys in self.name_words(iri_):
                    for k in keys:
                        idx.setdefault(k, set()).add(iri_)
            self._words = idx
        return self._words

    def _build_initials(self) -> None:
        initials: dict[str, set[str]] = {}
        expansions: dict[str, set[tuple[str, ...]]] = {}
        for iri_, e in self.lex.entities.items():
            for n in [e["label"], *e.get("aliases", [])]:
                ws = [t.text for t in tokens(n) if t.text not in STOPWORDS and t.text != "poss" and t.text.isalpha()]
                if len(ws) >= 2:
                    initials.setdefault("".join(w[0] for w in ws), set()).add(iri_)
                for size in (2, 3):
                    for k in range(len(ws) - size + 1):
                        expansions.setdefault("".join(w[0] for w in ws[k : k + size]), set()).add(tuple(ws[k : k + size]))
        self._initials, self._expansions = initials, expansions

    def initials(self, word: str) -> set[str]:
        if self._initials is None:
            self._build_initials()
        return self._initials.get(word, set())

    def expansions(self, word: str) -> set[tuple[str, ...]]:
        """The words an abbreviation may stand for in the graph's names ("vc" -> venture capital, voice
        composition); a few readings at most, the name matching then decides which one the question means."""
        if self._expansions is None:
            self._build_initials()
        found = self._expansions.get(word, set())
        return found if len(found) <= 3 else set()

    @property
    def adjectives(self) -> dict[str, str]:
        """'chinese' -> China, 'american' -> United States: country names with the usual English endings."""
        if self._adjectives is None:
            out: dict[str, str] = {}
            for iri_, e in self.lex.entities.items():
                if "Country" not in e["types"]:
                    continue
                for n in [e["label"], *e.get("aliases", [])]:
                    w = "".join(t.text for t in tokens(n))
                    if len(w) < 4:
                        continue
                    stem_ = w[:-1] if w[-1] in "aeiou" else w
                    for form in (w + "n", w + "ese", stem_ + "ese", stem_ + "ian", w + "ian", stem_ + "ish", w + "ish"):
                        out.setdefault(form, iri_)
            self._adjectives = out
        return self._adjectives

    def vocabulary(self) -> list[str]:
        if self._vocabulary is None:
            vocab = (
                {w for w in self.words if not w.endswith("~")} | set(self.lex.stems) | set(self.lex.stems.values()) | STOPWORDS | DISCOURSE
            )
            vocab |= {w for ph in self.lex.phrases for w in ph.words} | QUESTION_WORDS | AUX
            vocab |= {w for ws, _ in self.lex.class_words for w in ws}
            vocab |= {w for ws, _ in _COMPARATORS for w in ws} | _FUNCTION | _COMMON
            self._vocabulary = sorted(v for v in vocab if len(v) >= 4)
        return self._vocabulary


# --- words --------------------------------------------------------------------------------------------------


def read_words(question: str, lex: AskLexicon, names: Names) -> list[Word]:
    """The question's words, typos corrected against the graph's and the ontology's words."""
    out: list[Word] = []
    toks = tokens(question)
    known = None
    for i, t in enumerate(toks):
        text, forms = t.text, {t.text, plural_base(t.text)}
        prev = toks[i - 1].text if i else ""
        if (prev == "how" and text in ("many", "much", "long")) or text in _FUNCTION:
            out.append(Word(i, text, t.raw, t.start, t.end, lex.stem(text), frozenset(forms), False))
            continue
        if text == "issue" and prev in ("this", "the", "that", "symmetric", "newsletter", "week", "poss", "weekly"):
            out.append(Word(i, text, t.raw, t.start, t.end, text, frozenset(forms), False))  # the newsletter's issue
            continue
        if is_content(text) and not text.isdigit() and len(text) >= 5 and not (forms & _known(names)):
            known = known if known is not None else names.vocabulary()
            fixed = _correct(text, known)
            if fixed:
                text = fixed
                forms |= {fixed, plural_base(fixed)}
        if is_content(text) and text.isalpha() and 2 <= len(text) <= 4:
            found = names.expansions(text) if text not in names.keys else set()
            # several readings only for a word written as an abbreviation ("VC"); "Mo" in "Jack Mo" is a name
            if len(found) == 1 or (t.raw.isupper() and len(t.raw) >= 2):
                for exp in found:
                    forms |= set(exp)

        if text in CLIPPINGS:  # "tech" also reads as technology, "govt" as government
            forms |= set(CLIPPINGS[text])
        stem = lex.stem(text)
        forms |= {prefix(f) for f in list(forms)}
        out.append(Word(i, text, t.raw, t.start, t.end, stem, frozenset(forms), is_content(text)))
    # Word pairs that are grammar, never content nor a name: "didn't", "don't" (negation is read from the
    # words; the "t" once linked AT&T) and "end up costing" (an aspect of the verb that follows)
    for k, w in enumerate(out[:-1]):
        nxt = out[k + 1].text
        if (nxt == "t" and (w.text in NEG_AUX or w.raw.lower() in NEG_AUX)) or (
            nxt == "up" and w.text in ("end", "ended", "ends", "ending")
        ):
            out[k] = w._replace(content=False)
            out[k + 1] = out[k + 1]._replace(content=False)
    return out


NEG_AUX = frozenset("didn doesn don wasn weren isn aren hasn haven hadn won wouldn couldn shouldn can mustn".split())


_COMMON = set(
    "link links linked connect connects connected connection relate related relates relationship between path tie ties tied "
    "part parts kind kinds type types sort example examples".split()
)
_FUNCTION = {"before", "after", "since", "during", "kind", "type", "sort", "one", "ones", "other", "many", "much", "there", "any"}


def prefix(word: str) -> str:
    """A long word's first seven letters, so 'industrial' meets 'industry' and 'technological' 'technology'."""
    return word[:7] + "~" if len(word) >= 8 and word.isalpha() else word


def _join_initials(toks: list[str]) -> list[str]:
    """'U.S. venture capital' tokenizes as u, s, venture, capital: single letters in a row are one word, 'us'."""
    out: list[str] = []
    run: list[str] = []
    for t in [*toks, ""]:
        if len(t) == 1 and t.isalpha():
            run.append(t)
            continue
        if run:
            out.append("".join(run))
            run = []
        if t:
            out.append(t)
    return out


def _keys(word: str) -> set[str]:
    return {word, plural_base(word), prefix(word), prefix(plural_base(word))}


def _known(names: Names) -> set[str]:
    cache = getattr(names, "_known", None)
    if cache is None:
        cache = set(names.vocabulary()) | set(names.words)
        names._known = cache  # type: ignore[attr-defined]
    return cache


def _correct(word: str, vocabulary: list[str]) -> str | None:
    from rapidfuzz import fuzz, process

    best = process.extractOne(word, vocabulary, scorer=fuzz.ratio, score_cutoff=80)
    return best[0] if best else None


# --- links --------------------------------------------------------------------------------------------------


def link(question: str, words: list[Word], lex: AskLexicon, names: Names) -> list[Link]:
    links = _numbers(question, words)
    links += _phrases(words, lex)
    links += _classes(words, lex)
    links += _entities(question, words, lex, names)
    return links


def _numbers(question: str, words: list[Word]) -> list[Link]:
    out: list[Link] = []
    for m in _NUMBER.finditer(question):
        if m.group("pow"):
            value = float(f"1e{int(m.group('exp'))}")
        elif m.group("sci"):
            value = float(re.sub(r"\s|\+", "", m.group("sci")))
        else:
            raw = m.group("plain").lstrip("$").replace(",", "")
            if not raw or raw == ".":
                continue
            value = float(raw) * _SCALE.get((m.group("scale") or "").lower(), 1.0)
        span = [w.i for w in words if w.start < m.end() and w.end > m.start()]
        if not span:
            continue
        plain_year = m.group("plain") and not m.group("scale") and re.fullmatch(r"(19|20)\d\d", m.group("plain"))
        out.append(Link("year" if plain_year else "number", span[0], span[-1] + 1, value, 1.0, "number"))
    texts = [w.text for w in words]
    for ws, op in _COMPARATORS:
        for i in range(len(texts) - len(ws) + 1):
            if tuple(texts[i : i + len(ws)]) == ws:
                out.append(Link("compare", i, i + len(ws), op, 1.0, "comparator"))
    return out


def _phrases(words: list[Word], lex: AskLexicon) -> list[Link]:
    out: list[Link] = []
    stems = [w.stem for w in words]
    texts = [w.text for w in words]
    for ph in lex.phrases:
        n = len(ph.words)
        seq = stems if ph.kind in ("verb", "value", "opposite") else texts
        for i in range(len(words) - n + 1):
            if ph.kind in ("noun", "noun_inv"):
                ok = all(ph.words[k] in words[i + k].forms or ph.words[k] == texts[i + k] for k in range(n))
            else:
                ok = tuple(seq[i : i + n]) == ph.words
            if ok:
                out.append(Link("phrase", i, i + n, ph, 1.0, ph.kind))
        # "was Jack Ma at X", "is A with B": the auxiliary of a phrase moved to the front of the question
        if n >= 2 and ph.kind == "verb" and ph.words[0] in AUX and stems and stems[0] == ph.words[0]:
            rest = ph.words[1:]
            for i in range(2, len(words) - len(rest) + 1):
                if tuple(stems[i : i + len(rest)]) == rest:
                    out.append(Link("phrase", i, i + len(rest), ph, 0.95, "verb (split)"))
    return out


def _classes(words: list[Word], lex: AskLexicon) -> list[Link]:
    out: list[Link] = []
    stems = [w.stem for w in words]
    singular = [lex.stem(plural_base(w.text)) for w in words]
    for ws, cls in lex.class_words:
        n = len(ws)
        for i in range(len(words) - n + 1):
            if tuple(stems[i : i + n]) == ws or tuple(singular[i : i + n]) == ws:
                out.append(Link("class", i, i + n, cls, 1.0, "class word"))
    return out


def _entities(question: str, words: list[Word], lex: AskLexicon, names: Names) -> list[Link]:
    out: list[Link] = []
    exact_spans: set[tuple[int, int, str]] = set()
    n = len(words)
    for i in range(n):
        for j in range(i + 1, min(n, i + MAX_SPAN) + 1):
            if j - i == 1 and not words[i].content and words[i].text not in names.keys:
                continue
            variants = ["".join(w.text for w in words[i:j])]
            last = words[j - 1]
            if plural_base(last.text) != last.text:
                variants.append("".join(w.text for w in words[i : j - 1]) + plural_base(last.text))
            for vi, key in enumerate(variants):
                hits = names.keys.get(key)
                if not hits:
                    continue
                if key in names.case_sensitive:
                    written = question[words[i].start : words[j - 1].end].replace(".", "")
                    if not written.isupper():
                        continue
                if j - i == 1 and words[i].text in STOPWORDS and key not in names.case_sensitive:
                    continue
                for iri_, how in hits:
                    exact_spans.add((i, j, iri_))
                    out.append(Link("entity", i, j, iri_, 1.0 if vi == 0 else 0.95, how))
    for w in words:
        if not w.content:
            continue
        country = names.adjectives.get(w.text)
        if country:
            out.append(Link("entity", w.i, w.i + 1, country, 0.9, "adjective"))
        if w.text.isalpha() and 2 <= len(w.text) <= 5 and not any(s == w.i for s, _, _ in exact_spans):
            for iri_ in names.initials(w.text):
                out.append(Link("entity", w.i, w.i + 1, iri_, 0.85, "initials"))
    out += _partial(words, lex, names, exact_spans)
    return out


def _partial(words: list[Word], lex: AskLexicon, names: Names, exact: set[tuple[int, int, str]]) -> list[Link]:
    """Names given in part or reordered: 'Lasry', 'the two Wangs', 'Jack Ma's speech', 'the Paris summit'.

    A run of question words (gaps of function words allowed) whose content words are all words of
    one of the entity's names. Confidence grows with the share of the name covered; a run made only
    of common words (class words, relation words, words in many names) is not a name."""
    content = [w for w in words if w.content and not w.text.isdigit() or (w.text.isdigit() and len(w.text) == 4)]
    if not content:
        return []
    index = names.words
    total = max(1, len(lex.entities))
    candidates: set[str] = set()
    for w in content:
        for f in w.forms:
            candidates |= index.get(f, set())
    out: list[Link] = []
    for iri_ in sorted(candidates):  # sorted: a tie must not be broken by the hash seed
        for originals, ws in names.name_words(iri_):
            runs: list[list[Word]] = []
            cur: list[Word] = []
            for w in words:
                if w.content and (w.forms & ws):
                    cur.append(w)
                elif not w.content and cur and w.text not in ("and", "or"):
                    continue
                else:
                    if cur:
                        runs.append(cur)
                    cur = []
            if cur:
                runs.append(cur)
            for run in runs:
                forms = set().union(*(w.forms for w in run))
                cover = len([o for o in originals if _keys(o) & forms]) / len(originals)
                rare = [w for w in run if min((len(index.get(f, ())) for f in w.forms if f in index), default=total) <= max(3, total // 50)]
                only_lexical = all(w.stem in lex.lexical or plural_base(w.text) in lex.lexical for w in run)
                if not rare or (only_lexical and cover < 1.0 and (len(run) < 2 or cover < 0.6)):
                    continue
                start, end = run[0].i, run[-1].i + 1
                if any(t == iri_ and start <= a and b <= end for a, b, t in exact):
                    continue  # the name is written out in full inside the run: that link speaks for itself
                out.append(Link("entity", start, end, iri_, round(0.45 + 0.45 * cover, 3), "partial name"))
    return out
