"""`kg extract`: proposes mentions, new entities and relations for a new text, deterministically.

- known entities: an Aho-Corasick automaton (pyahocorasick) over every label and alias, matched
  on word boundaries, longest first; short all-caps names only in capitals;
- new entities: acronyms defined in the text ("Notice of Proposed Rulemaking (NPRM)"), model
  names ("Qwen-72B", "Yuan 1.0"), runs of capitalised words; the class guessed from keywords;
  a name close to a known one ("Naibeige" ~ "Nanbeige") is proposed as a merge, never merged;
- relations: between two mentions in one sentence, the words between them read with the same
  ontology phrases `kg ask` uses (verbs, role nouns, voice), plus "X by Y" for models, "X of Y"
  and "Y's X" for people and their organisations.

Everything proposed has status `proposed`, its quote (the sentence) and offsets; nothing enters
data/ until `kg review` accepts it.
"""

from __future__ import annotations

import re
from bisect import bisect_left, insort
from dataclasses import dataclass, field

from kg.iri import slugify
from kg.text import compact, tokens

_ABBREV = {"u.s", "u.k", "mr", "mrs", "ms", "dr", "inc", "corp", "jr", "st", "vs", "e.g", "i.e", "no", "co", "ltd", "d.c"}
_CONNECT = r"(?:of|for|and|the|on|in|&|de|du|van|von)"
_WORD = r"[A-Z][\w&.\-]*[\w]"
_RUN = re.compile(rf"\b{_WORD}(?:\s+{_WORD})*")  # capitalised words, no connectors
_JOINED = re.compile(rf"\b{_WORD}(?:\s+(?:{_CONNECT}\s+)*{_WORD})+")  # with connectors, kept only with a keyword
_AWORD = r"[A-Z][\w&.\-’']*[\w]"  # a word of a defined name may hold an apostrophe ("People’s Republic of China (PRC)")
_ACRONYM = re.compile(
    rf"({_AWORD}(?:\s+(?:{_CONNECT}\s+)*{_AWORD})+)\s*\(([A-Z][A-Za-z0-9&.\-/]{{1,12}}(?: [A-Z][A-Za-z0-9&.\-/]{{1,8}})?)\)"
)
_MODEL = re.compile(
    r"\b[A-Z][A-Za-z0-9]*(?:-[A-Za-z0-9.]*\d[A-Za-z0-9.]*)+\b"  # Qwen-72B, GLM-130B, R-1, Shenzhou-19
    r"|\b[A-Z][A-Za-z]+(?:\s[A-Z][a-z]+)?\s\d+(?:\.\d+|B)\b(?:\s[A-Z]{2,}\b)?"  # Yuan 1.0, DeepSeek Coder 33B, ERNIE 3.0 TITAN
)
_TITLES = set(
    """President Vice Prime Minister Secretary Chairman Chairwoman CEO Chief Senator Governor Mayor Premier Professor Dr Mr Mrs Ms
    Sir General Minister Commissioner Executive US U.S. UK EU Chinese French American European British Japanese Former""".split()
)
_NOT_NAMES = set(
    """The This That These Those A An In On At For From With And But Or If When While As It Its Their They He She We
    Our Your His Her Why What Who Which Where How Also Yet So Even Still Some Many Most More Less Each Every All Both
    Other Others Such Than Then There Here Unlike Like Despite Although Though However Moreover Furthermore Lastly
    Importantly Instead Plus Consider One Two Three First Second Third Far Perhaps Needless Read Check Formed
    January February March April May June July August September October November December
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday
    Chinese American European Japanese Russian Indian French British German Western Eastern Asian""".split()
)
_KEYWORD_CLASS = [
    (r"\b(University|College)\b", "University"), (r"\b(Lab|Labs|Laboratory)\b", "ResearchLab"),
    (r"\b(Institute|Center|Centre|Think Tank)\b", "ThinkTank"),
    (r"\b(Department|Ministry|Commission|Bureau|Agency|Administration|Treasury|Council|Congress|Government|Committee)\b", "GovernmentBody"),
    (r"\b(Capital|Ventures|Partners)\b", "InvestmentFirm"),
    (r"\b(Inc|Corp|Corporation|Group|Technology|Technologies|Company|Co|Ltd|Holdings|Robotics|Semiconductor|Motors|Bank)\b\.?", "Company"),
    (r"\b(States|Kingdom|Republic|Emirates)\b", "Country"), (r"\b(Square|Hall|House|Office|Palace|Center|Centre)\b", "Venue"),
    (r"\b(Centres|Centers|Data)\b", "Initiative"),
    (r"\b(Act|Law)\b", "Law"), (r"\b(Order)\b", "ExecutiveOrder"), (r"\b(Rule|Rules|Rulemaking|Regulation)\b", "Regulation"),
    (r"\b(Summit|Conference|Forum)\b", "Summit"), (r"\b(Meeting)\b", "Meeting"),
    (r"\b(Initiative|Project|Program|Programme|Plan)\b", "Initiative"), (r"\b(Party)\b", "PoliticalParty"),
    (r"\b(Times|Post|Journal|News|Daily|Magazine|Substack|Review)\b", "MediaOutlet"),
]  # fmt: skip


@dataclass
class Mention:
    start: int
    end: int
    text: str
    iri: str | None = None  # a known entity
    candidate: str | None = None  # a proposed new entity id
    types: list[str] = field(default_factory=list)


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans; a period after an abbreviation or an initial does not end a sentence."""
    spans, start = [], 0
    for m in re.finditer(r"[.!?]+[”\"’)]*(?=\s+[A-Z“\"(‘]|\s*\n|\s*$)|\n\s*\n|\n", text):
        if m.group(0).startswith("."):
            # The word before the period, looked for in a window: the sentence may be long.
            word = _LAST_WORD.search(text, max(start, m.start() + 1 - _WINDOW), m.start() + 1)
            w = (word.group(1) if word else "").lower().rstrip(".")
            if w in _ABBREV or len(w) == 1:
                continue
        if _NONSPACE.search(text, start, m.end()):
            spans.append((start, m.end()))
        start = m.end()
    if _NONSPACE.search(text, start):
        spans.append((start, len(text)))
    return [(s + len(text[s:e]) - len(text[s:e].lstrip()), e) for s, e in spans]


_LAST_WORD = re.compile(r"([\w.]+)[.!?]*[”\"’)]*$")
_NONSPACE = re.compile(r"\S")
_INITIAL = re.compile(r"\s*[“\"(‘]?\s*")  # what may stand before a sentence's first word
_WINDOW = 300


def _within(ms: list[Mention], starts: list[int], lo: int, hi: int) -> list[Mention]:
    """The mentions (sorted by start; `starts` their starts) that start in [lo, hi): a bisection,
    so looking up each sentence's or line's mentions stays linear in the text overall."""
    return ms[bisect_left(starts, lo) : bisect_left(starts, hi)]


def _lower_same_length(text: str) -> str:
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


class Gazetteer:
    """Known names -> entity IRIs, matched with pyahocorasick."""

    def __init__(self, entities: dict[str, dict]) -> None:
        import ahocorasick

        self.entities = entities
        self.auto = ahocorasick.Automaton()
        for iri, e in entities.items():
            for name in [e["label"], *e.get("aliases", [])]:
                key = _lower_same_length(name)
                if len(key) < 2:
                    continue
                exact = len(compact(name)) <= 3 and name.replace(".", "").isupper()
                prev = self.auto.get(key, [])
                self.auto.add_word(key, [*prev, (iri, name, exact)])
        self.auto.make_automaton()
        self.keys = {compact(n): iri for iri, e in entities.items() for n in [e["label"], *e.get("aliases", [])]}
        self.key_list = list(self.keys)  # for resolve(): built once, not per candidate

    def find(self, text: str) -> list[Mention]:
        if not self.entities:
            return []
        low = _lower_same_length(text)
        hits = []
        for end, values in self.auto.iter(low):
            for iri, name, exact in values:
                start = end - len(name) + 1
                if start > 0 and text[start - 1].isalnum() or end + 1 < len(text) and text[end + 1].isalnum():
                    continue
                if exact and text[start : end + 1] != name:
                    continue
                hits.append(Mention(start, end + 1, text[start : end + 1], iri=iri, types=self.entities[iri]["types"]))
        return _non_overlapping(hits)


def _non_overlapping(ms: list[Mention]) -> list[Mention]:
    """Longest first, then leftmost; a mention overlapping one already taken is dropped. The taken
    spans do not overlap, so sorted by start, only the two neighbours of a new span can clash."""
    taken: list[tuple[int, int, Mention]] = []
    for m in sorted(ms, key=lambda m: (-(m.end - m.start), m.start)):
        i = bisect_left(taken, (m.start, -1))
        if (i == 0 or taken[i - 1][1] <= m.start) and (i == len(taken) or m.end <= taken[i][0]):
            taken.insert(i, (m.start, m.end, m))
    return [t[2] for t in taken]


def guess_class(name: str, model: bool = False) -> tuple[str, str]:
    if model:
        return "AIModel", "model-name pattern"
    for pattern, cls in _KEYWORD_CLASS:
        if re.search(pattern, name):
            return cls, f"keyword {re.search(pattern, name).group(1)!r}"
    words = name.split()
    if 2 <= len(words) <= 3 and all(w[:1].isupper() and w[1:].islower() for w in words):
        return "Person", "two or three capitalised words"
    return "Organization", "proper name"


def _clean(name: str, s: int) -> tuple[str, int]:
    """Drops leading titles and sentence words ('President', 'The') and a trailing possessive."""
    name = re.sub(r"['’]s$", "", name.strip(" ,.;:’'\""))
    words = name.split()
    while words and (words[0] in _TITLES or words[0] in _NOT_NAMES):
        s += len(words[0]) + 1
        words = words[1:]
    return " ".join(words), s


def candidates(text: str, known: list[Mention]) -> list[dict]:
    """New names the gazetteer does not know, with a guessed class and any acronym alias."""
    out: dict[str, dict] = {}
    occupied = sorted((m.start, m.end) for m in known)  # sorted by start, for bisection
    longest = [max((e - s for s, e in occupied), default=0)]

    def occupy(s: int, e: int) -> None:
        insort(occupied, (s, e))
        longest[0] = max(longest[0], e - s)

    def free(s: int, e: int) -> bool:
        """Nothing taken overlaps, except known names strictly inside (a longer new name wins:
        'Naibeige LLM Lab' over the known 'LLM'). Only spans starting less than the longest span
        before `s` can overlap: a bisection, not a scan of everything taken."""
        near = occupied[bisect_left(occupied, (s - longest[0], -1)) : bisect_left(occupied, (e, -1))]
        return all(e <= a or s >= b or (s <= a and b <= e and (s, e) != (a, b) and (a, b) in known_spans) for a, b in near)

    known_spans = {(m.start, m.end) for m in known}
    alias_of: dict[str, str] = {}

    def add(name: str, s: int, model: bool = False, alias: str | None = None, place: bool = False) -> None:
        name, s = _clean(name, s)
        e = s + len(name)
        if len(name) < 2 or not free(s, e) or text[s:e] != name:
            return
        key = compact(name)
        key = alias_of.get(key, key)  # "CFIUS" after "Committee on Foreign Investment ... (CFIUS)"
        if not key or key in out:
            if key in out and alias and alias not in out[key]["aliases"]:
                out[key]["aliases"].append(alias)
                alias_of[compact(alias)] = key
            return
        cls, why = guess_class(name, model)
        if place and cls in ("Organization", "Person"):
            cls, why = "Place", "after 'in'"
        out[key] = {"label": name, "type": cls, "why": why, "aliases": [alias] if alias else [], "start": s, "end": e}
        if alias:
            alias_of[compact(alias)] = key
        occupy(s, e)

    spans = sentences(text)
    last_seen = _last_starts(text, {m.group(0) for s, e in spans for m in _RUN.finditer(text, s, e)
                                    if len(m.group(0).split()) == 1 and _INITIAL.fullmatch(text, s, m.start())})  # fmt: skip

    def occurs_after(name: str, pos: int) -> bool:
        """`name in text[pos:]`, without a search through the rest of the text for every sentence."""
        return last_seen.get(name, -1) >= pos

    for m in _ACRONYM.finditer(text):
        name, start = m.group(1), m.start(1)
        owner = re.search(r".*\S[’']s\s+(?=[A-Z])", name)  # "the Commerce Department’s Bureau of ... (BIS)": BIS is the bureau
        if owner and not re.fullmatch(r"(?:People|Children|Women|Men|Workers)[’']s\s+", name[: owner.end()].split()[-1] + " "):
            name, start = name[owner.end() :], start + owner.end()
        add(name, start, alias=m.group(2))
        occupy(m.start(2), m.end(2))
    for m in _MODEL.finditer(text):
        if not re.fullmatch(r"[A-Z][a-z]+ \d{1,4}", m.group(0)):
            add(m.group(0), m.start(), model=True)
    for s, e in spans:
        for m in _JOINED.finditer(text, s, e):
            if any(re.search(p, m.group(0)) for p, _ in _KEYWORD_CLASS[:4]) and " and " not in m.group(0):
                add(m.group(0), m.start())
        for m in _RUN.finditer(text, s, e):
            name = m.group(0)
            initial = _INITIAL.fullmatch(text, s, m.start()) is not None
            single = len(name.split()) == 1
            if single and (initial and not occurs_after(name, e) or name in _NOT_NAMES or len(name) < 3):
                continue
            before = text[max(s, m.start() - 3) : m.start()]
            add(name, m.start(), place=before in ("in ", "to "))
    return sorted(out.values(), key=lambda c: c["start"])


def _last_starts(text: str, names: set[str]) -> dict[str, int]:
    """Where each name last starts in the text (as a substring): one Aho-Corasick pass for all."""
    import ahocorasick

    if not names:
        return {}
    auto = ahocorasick.Automaton()
    for name in names:
        auto.add_word(name, name)
    auto.make_automaton()
    last: dict[str, int] = {}
    for end, name in auto.iter(text):
        last[name] = end - len(name) + 1
    return last


def resolve(name: str, gaz: Gazetteer, threshold: float = 85.0) -> tuple[str, str, float] | None:
    """A known entity this new name may be (a spelling or typo), for a merge proposal."""
    from rapidfuzz import fuzz, process

    key = compact(name)
    if len(key) < 5:
        return None
    best = process.extractOne(key, gaz.key_list, scorer=fuzz.ratio, score_cutoff=threshold)
    if best is None:
        return None
    iri = gaz.keys[best[0]]
    return iri, gaz.entities[iri]["label"], float(best[1])


class Relations:
    """Relation readings from the ontology's phrases (the lexicon `kg ask` uses)."""

    def __init__(self, lexicon: dict) -> None:
        self.props = lexicon["properties"]
        self.stems = lexicon["ask"]["stems"]
        self.phrases = [(p, k, tuple(w)) for p, k, w in lexicon["ask"]["phrases"]]
        self.classes = lexicon["classes"]
        # Phrases by their first word (verbs by stem), so reading a gap looks only at phrases that can start there.
        self.by_first: dict[tuple[bool, str], list[tuple[int, str, str, tuple]]] = {}
        self.empty = [(n, p, k, w) for n, (p, k, w) in enumerate(self.phrases) if not w]
        for n, (p, k, w) in enumerate(self.phrases):
            if w:
                self.by_first.setdefault((k == "verb", w[0]), []).append((n, p, k, w))

    def kinds(self, types: list[str]) -> set[str]:
        return {a for t in types for a in self.classes.get(t, {}).get("ancestors", [t])}

    def read_tail(self, a: Mention, tail: str) -> tuple[str, bool, str] | None:
        """A verb phrase near the end of a line whose object follows on the next lines."""
        toks = [t.text for t in tokens(tail)]
        stems = [self.stems.get(t, t) for t in toks]
        best = None
        for prop, kind, words in self.phrases:
            if kind != "verb":
                continue
            n = len(words)
            for i in range(len(stems) - n + 1):
                if tuple(stems[i : i + n]) == words and (best is None or i < best[2]):
                    best = (prop, words, i)
        if best is None:
            return None
        prop, words, _ = best
        return prop, not self.props[prop]["inverse_voice"], f"verb {' '.join(words)!r}"

    def read(self, a: Mention, gap: str, b: Mention) -> tuple[str, str, str, str] | None:
        """(subject, predicate, object, why) for 'A <gap> B', or None."""
        g = gap.strip()
        low = g.lower().strip(" ,")
        ka, kb = self.kinds(a.types), self.kinds(b.types)
        if low == "by" and "AIModel" in ka:
            return "a", "developer", "b", "'X by Y' for a model"
        if low in ("’s", "'s") and "AIModel" in kb:
            return "b", "developer", "a", "'Y's X' for a model"
        if low in ("’s", "'s") and "Person" in kb and "Organization" in ka:
            return "b", "affiliation", "a", "'Y's X' for a person"
        if low == "of" and "Person" in ka and "Organization" in kb:
            return "a", "affiliation", "b", "'X of Y' for a person"
        toks = [t.text for t in tokens(g)]
        if not toks or len(toks) > 5:
            return None
        stems = [self.stems.get(t, t) for t in toks]
        # The longest phrase found; among equally long ones the first in the lexicon, at its first place.
        found = [(-len(w), n, 0, p, k, w) for n, p, k, w in self.empty]
        for verb, seq in ((False, toks), (True, stems)):
            for i, word in enumerate(seq):
                for n, p, k, w in self.by_first.get((verb, word), ()):
                    if tuple(seq[i : i + len(w)]) == w:
                        found.append((-len(w), n, i, p, k, w))
        if not found:
            return None
        _, _, i, prop, kind, words = min(found, key=lambda f: f[:3])
        if kind == "noun":  # "A, founder of B": B founder A
            return "b", prop, "a", f"role noun {' '.join(words)!r}"
        if kind == "noun_inv":
            return "a", prop, "b", f"role noun {' '.join(words)!r}"
        passive = "by" in toks[i + len(words) :] and any(t in ("is", "was", "were", "are", "been", "be") for t in toks[:i])
        agent_first = not passive
        inverse = self.props[prop]["inverse_voice"]
        if agent_first != inverse:
            return "a", prop, "b", f"verb {' '.join(words)!r}"
        return "b", prop, "a", f"verb {' '.join(words)!r}" + (" (passive)" if passive else "")


def extract(text: str, source_id: str, lexicon: dict, known_entities: dict | None = None, rejected: set | None = None) -> dict:
    """The draft: items of kind mention / entity / merge / fact, all `proposed`."""
    entities = known_entities if known_entities is not None else lexicon["entities"]
    gaz = Gazetteer(entities)
    rel = Relations(lexicon)
    known = gaz.find(text)
    found = candidates(text, known)
    known = _outside(known, found)
    items: list[dict] = []
    rejected = rejected or set()

    def sentence_of(pos: int) -> tuple[int, int]:
        return next(((s, e) for s, e in spans if s <= pos < e), (max(0, pos - 100), min(len(text), pos + 100)))

    spans = sentences(text)
    seen_mentions = set()
    for m in known:
        eid = entities[m.iri]["id"]
        if eid in seen_mentions:
            continue
        seen_mentions.add(eid)
        items.append({"kind": "mention", "entity": eid, "quote": m.text, "start": m.start, "end": m.end})
    new_mentions: list[Mention] = []
    taken_ids = {e["id"] for e in entities.values()}  # iri_taken, for every candidate at once
    for c in found:
        near = resolve(c["label"], gaz)
        if near is not None:
            iri, label, score = near
            items.append({"kind": "merge", "name": c["label"], "into": entities[iri]["id"], "into_label": label,
                          "score": round(score, 1), "quote": c["label"], "start": c["start"], "end": c["end"]})  # fmt: skip
            new_mentions.append(Mention(c["start"], c["end"], c["label"], iri=iri, types=entities[iri]["types"]))
            continue
        cid = slugify(c["label"])
        if not cid or cid in taken_ids:
            cid = f"{cid or 'entity'}-new"
        items.append({"kind": "entity", "id": cid, "type": c["type"], "label": c["label"], "aliases": c["aliases"],
                      "why": c["why"], "quote": c["label"], "start": c["start"], "end": c["end"]})  # fmt: skip
        new_mentions.append(Mention(c["start"], c["end"], c["label"], candidate=cid, types=[c["type"]]))
    every = sorted(known + new_mentions, key=lambda m: m.start)
    starts = [m.start for m in every]
    ids = {m.start: (entities[m.iri]["id"] if m.iri else m.candidate) for m in every}
    seen_facts = set()
    for s, e in spans:
        inside = [m for m in _within(every, starts, s, e) if m.end <= e]
        for i, a in enumerate(inside):
            for b in inside[i + 1 : i + 2]:
                gap = text[a.end : b.start]
                if len(gap) > 80 or "\n" in gap:
                    continue
                reading = rel.read(a, gap, b)
                if reading is None:
                    continue
                first, prop, second, why = reading
                subj, obj = (a, b) if first == "a" else (b, a)
                inv = rel.props[prop].get("inverse_of")
                if inv and not rel.props[prop]["phrases"] and rel.props[inv]["phrases"]:
                    prop, subj, obj = inv, obj, subj  # state it the way the curated data does
                key = (ids[subj.start], prop, ids[obj.start])
                if key in seen_facts or key[0] == key[2]:
                    continue
                seen_facts.add(key)
                qs, qe = _quote_span(text, s, e, a, b)
                items.append({"kind": "fact", "subject": key[0], "predicate": prop, "object": key[2], "why": why,
                              "quote": text[qs:qe], "start": qs, "end": qe})  # fmt: skip
    for subj, prop, obj, (qs, qe), why in [*_list_relations(text, every, rel), *_attendance(text, spans, every, rel)]:
        key = (ids[subj.start], prop, ids[obj.start])
        if key not in seen_facts and key[0] != key[2]:
            seen_facts.add(key)
            items.append({"kind": "fact", "subject": key[0], "predicate": prop, "object": key[2], "why": why,
                          "quote": text[qs:qe], "start": qs, "end": qe})  # fmt: skip
    for it in items:
        it["status"] = "rejected" if item_key(it) in rejected else "proposed"
        s, e = sentence_of(it["start"])
        it["sentence"] = " ".join(text[s:e].split())  # the context a reviewer reads the item in
    return {"source": source_id, "items": items}


_ATTEND = re.compile(r"\b(in attendance|attended|attending|attendees|were there|was there|took part|others included)\b", re.I)


def _outside(known: list[Mention], found: list[dict]) -> list[Mention]:
    """The known mentions not inside a new candidate name (`found` is sorted by start)."""
    starts = [c["start"] for c in found]
    longest = max((c["end"] - c["start"] for c in found), default=0)
    out = []
    for m in known:
        near = found[bisect_left(starts, m.start - longest) : bisect_left(starts, m.start + 1)]
        if not any(c["start"] <= m.start and m.end <= c["end"] for c in near):
            out.append(m)
    return out


def _attendance(text: str, spans: list[tuple[int, int]], mentions: list[Mention], rel: Relations):
    """'In attendance ... were X and Y', 'firms like X and Y were there', 'Others included X; Y':
    the people (or, when none, the organisations) of such a sentence attended an event named
    before it: the one whose name shares most words with the sentence, else the latest; an
    attendance sentence right after another continues the same event."""
    last: tuple[int, Mention] | None = None
    starts = [m.start for m in mentions]
    for n, (s, e) in enumerate(spans):
        if not _ATTEND.search(text, s, e):
            continue
        words = {t.text for t in tokens(text[s:e])} - {"the", "of", "a", "an", "in", "at"}
        events = [m for m in _within(mentions, starts, spans[max(0, n - 20)][0], e) if "Event" in rel.kinds(m.types)]
        scored = sorted(events, key=lambda m: (len(words & {t.text for t in tokens(m.text)}), m.start))
        if scored and words & {t.text for t in tokens(scored[-1].text)}:
            event = scored[-1]
        elif last is not None and n - last[0] <= 5:
            event = last[1]
        elif scored:
            event = max(scored, key=lambda m: m.start)
        else:
            continue
        last = (n, event)
        inside = [m for m in _within(mentions, starts, s, e) if m.end <= e and m is not event]
        people = [m for m in inside if "Person" in rel.kinds(m.types)]
        for m in people or [m for m in inside if "Organization" in rel.kinds(m.types)]:
            yield event, "attendee", m, _quote_span(text, s, e, m, m), "attendance sentence after the event"


def _lines(text: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for line in text.split("\n"):
        if line.strip():
            out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


def _list_relations(text: str, mentions: list[Mention], rel: Relations):
    """A line that ends in a relation phrase and no object ("The NPRM prohibits U.S. investments
    to develop, produce, design, or fabricate") followed by lines that each begin with a name
    ("semiconductor manufacturing equipment;"): the relation holds for each item, with the
    line's first name as subject, until an item ends its sentence."""
    lines = _lines(text)
    starts = [m.start for m in mentions]
    for n, (ls, le) in enumerate(lines):
        line = text[ls:le].rstrip()
        if line.endswith((".", "?", "!", ";", ",")) or n + 1 >= len(lines):
            continue  # a list header ends in its verb phrase (or a colon)
        start = next((s for s, e in sentences(text[ls:le]) if s <= len(line) - 1 < e), 0) + ls  # the line's last sentence
        on_line = [m for m in _within(mentions, starts, start, le) if m.end <= le]
        if not on_line:
            continue
        tail = list(text[on_line[0].end : le])
        for m in on_line[1:]:  # other names on the line are not verbs ("export controls")
            tail[m.start - on_line[0].end : m.end - on_line[0].end] = " " * (m.end - m.start)
        tail_text = "".join(tail)
        reading = rel.read_tail(on_line[0], tail_text)
        if reading is None or len(tokens(tail_text[tail_text.lower().find(reading[2].split("'")[1][:4]) :])) > 10:
            continue
        prop, subject_first, why = reading
        for k in range(n + 1, len(lines)):
            ns, ne = lines[k]
            items = [m for m in _within(mentions, starts, ns, ne) if m.end <= ne]
            item_line = text[ns:ne].rstrip()
            if not items or items[0].start - ns > 3 or len(item_line) > 160 or not item_line.endswith((";", ",", ".", "and", ":")):
                break
            for m in items:
                subj, obj = (on_line[0], m) if subject_first else (m, on_line[0])
                yield subj, prop, obj, (ns, len(text[:ne].rstrip(" ;,"))), why + " (list item)"
            if text[ns:ne].rstrip().endswith("."):
                break


def _quote_span(text: str, s: int, e: int, a: Mention, b: Mention) -> tuple[int, int]:
    """The sentence, or the clause around the two mentions when the sentence is long."""
    if e - s <= 300:
        qs, qe = s, e
    else:
        qs, qe = max(s, a.start - 60), min(e, b.end + 60)
    while qe > qs and text[qe - 1].isspace():
        qe -= 1
    return qs, qe


def iri_taken(eid: str, entities: dict) -> bool:
    return any(e["id"] == eid for e in entities.values())


def item_key(it: dict) -> tuple:
    kind = it["kind"]
    if kind == "mention":
        return ("mention", it["entity"])
    if kind == "entity":
        return ("entity", compact(it["label"]))
    if kind == "merge":
        return ("merge", compact(it["name"]), it["into"])
    if "object" not in it:  # a value fact: figure, date, title
        return ("fact", it["subject"], it["predicate"], str(it.get("value")))
    return ("fact", it["subject"], it["predicate"], it["object"])
