"""Names in an article: titles and honorifics, in-article coreference, name variants of known
entities, and type-aware merge proposals. Shared by both engines (rules and nlp), so a draft made
without spaCy gets the same resolution; nothing here imports spaCy.

Why each rule:
- "Mr Huang" and "Huang" stand for the Jensen Huang named earlier: a new entity "Huang" would be a
  duplicate a curator has to reject (issue 15). A short form is linked only when exactly one full
  name in the article (or the known entity it links to) ends with it.
- "Commerce Department" is the known "Department of Commerce", "People's Republic of China" the
  known "China", "quantum technology" the known "quantum technologies", "FT" the known "Financial
  Times": such variants are proposed as merges (the spelling becomes an alias), never as new
  entities, and never merged silently.
- A fuzzy merge needs compatible types: "DeepSeek R1" (a model) is not DeepSeek (a company), and
  "ChatGPT" is not the "ChatGPT-3" model (a different version number).
"""

from __future__ import annotations

import re

from kg.text import STOPWORDS, compact

HONORIFICS = {"mr", "mrs", "ms", "miss", "dr", "prof", "professor", "sir", "dame", "madam", "mx"}
# Words of a title before a name ("Under Secretary of Commerce for Industry and Security Alan Estevez").
TITLE_WORDS = set(
    """president vice prime minister secretary under deputy assistant acting chairman chairwoman chair chief executive
    officer ceo cfo cto coo founder co-founder cofounder director administrator commissioner ambassador governor senator
    representative congressman congresswoman mayor premier professor general admiral spokesperson spokesman spokeswoman
    head boss leader chancellor envoy justice judge attorney counsel""".split()
)
# Nationality words and the country (or union) they name, by its usual English name; a known
# entity of that name is what a "Chinese President ..." leads.
DEMONYMS = {"chinese": "China", "american": "United States", "us": "United States", "u.s.": "United States",
            "french": "France", "british": "United Kingdom", "japanese": "Japan", "german": "Germany",
            "russian": "Russia", "indian": "India", "taiwanese": "Taiwan", "dutch": "Netherlands",
            "european": "European Union", "canadian": "Canada", "italian": "Italy", "israeli": "Israel",
            "iranian": "Iran", "ukrainian": "Ukraine", "australian": "Australia", "singaporean": "Singapore",
            "vietnamese": "Vietnam", "mexican": "Mexico", "brazilian": "Brazil", "korean": "South Korea",
            "saudi": "Saudi Arabia", "malaysian": "Malaysia", "spanish": "Spain", "polish": "Poland"}  # fmt: skip
LEAD_TITLES = {"president", "chairman", "chairwoman", "chair", "ceo", "head", "boss", "leader", "director", "administrator",
               "chancellor", "premier", "governor", "mayor"}  # fmt: skip
_TOP = ("Person", "Organization", "Place", "AIModel", "Product", "CreativeWork", "Policy", "Technology", "Industry",
        "Concept", "Event", "Observation")  # fmt: skip
# Types that may share a name without being one thing (a lab and its parent, a model and its maker).
_COMPATIBLE = {frozenset({"Product", "AIModel"}), frozenset({"Technology", "Industry"}), frozenset({"Technology", "Concept"}),
               frozenset({"Organization", "Place"})}  # fmt: skip


def top_class(types: list[str] | set[str], classes: dict) -> str | None:
    """The broad kind (Person, Organization, Place, Policy...) of an entity with these types."""
    kinds = {a for t in types for a in classes.get(t, {}).get("ancestors", [t])}
    return next((t for t in _TOP if t in kinds), None)


def compatible(a: list[str] | set[str], b: list[str] | set[str], classes: dict) -> bool:
    """Whether two entities of these types could be one: the same broad kind (or a pair that is
    often confused in writing, such as a country named for its government)."""
    ta, tb = top_class(a, classes), top_class(b, classes)
    return ta is None or tb is None or ta == tb or frozenset({ta, tb}) in _COMPATIBLE


def is_common_word(name: str) -> bool:
    """A one-word name that is also an everyday English word ("Will", "May", "Apple" is not):
    such a name matches only written with its capital, and not as a sentence's first word."""
    return " " not in name and name.lower() in _COMMON


_COMMON = STOPWORDS | set(
    """will may can might shall must said says new one two first last next well good great best just also even still
    only back over under after before between during since about above below up down out off again further then once
    here there when where why how all any both each few more most other some such no nor not own same so than too very
    now case point part place time year way day man woman people world life hand work week state group number fact
    today secondly lastly finally limitations ambassador""".split()
)


def strip_title(name: str) -> tuple[str, str]:
    """("Mr Huang" -> ("Huang", "Mr")), ("Under Secretary Alan Estevez" -> ("Alan Estevez", "Under
    Secretary")): honorifics and title words before a name are not part of it."""
    words = name.split()
    k = 0
    while k < len(words) - 1 and (words[k].lower().rstrip(".") in HONORIFICS or words[k].lower() in TITLE_WORDS):
        k += 1
    return " ".join(words[k:]), " ".join(words[:k])


def _norm(name: str) -> str:
    n = re.sub(r"[’‘`]", "'", name).strip()
    n = re.sub(r"^(the|a|an)\s+", "", n, flags=re.I)
    n = re.sub(r"'s$", "", n)
    return n


_COUNTRY_PREFIX = re.compile(r"^(?:U\.S\.|US|United States|American|UK|U\.K\.|EU)\s+", re.I)
_OF_FORM = re.compile(r"^(Department|Ministry|Bureau|Office|Agency|Council|Commission|Board|Institute|University) of (?:the )?(.+)$", re.I)
_SUFFIX_FORM = re.compile(r"^(.+?) (Department|Ministry|Bureau|Office|Agency|Council|Commission|Board|Institute|University)$", re.I)
_REPUBLIC = re.compile(
    r"^(?:the )?(?:People's |Democratic |Federal |Islamic |Socialist )*(?:Republic|Kingdom|Federation|State) of (.+)$", re.I
)


def variant_keys(name: str) -> set[str]:
    """Keys under which two spellings of one name meet: word order of "Department of X" / "X
    Department", a country prefix ("U.S. Commerce Department"), "the", a possessive, "Republic of
    X" for X, a plural or singular last word. Compact (lowercase, no spaces or punctuation)."""
    n = _norm(name)
    forms = {n, _COUNTRY_PREFIX.sub("", n)}
    for f in list(forms):
        m = _OF_FORM.match(f)
        if m:
            forms.add(f"{m.group(2)} {m.group(1)}")
        m = _SUFFIX_FORM.match(f)
        if m:
            forms.add(f"{m.group(2)} of {m.group(1)}")
        m = _REPUBLIC.match(f)
        if m:
            forms.add(m.group(1))
    out = set()
    for f in forms:
        out.add(compact(f))
        if f[:1].islower() or f.lower() == f:  # concepts: "quantum technology" / "quantum technologies"
            out |= {compact(x) for x in _number_forms(f)}
    return {k for k in out if len(k) >= 2}


def _number_forms(f: str) -> set[str]:
    words = f.split()
    last = words[-1]
    forms = set()
    if last.endswith("ies"):
        forms.add(last[:-3] + "y")
    elif last.endswith("s") and not last.endswith("ss"):
        forms.add(last[:-1])
    elif last.endswith("y"):
        forms.add(last[:-1] + "ies")
    else:
        forms.add(last + "s")
    return {" ".join([*words[:-1], x]) for x in forms}


def initials(name: str) -> str:
    """The acronym a name would have: "Financial Times" -> "FT", "Bureau of Industry and Security" -> "BIS"."""
    words = [w for w in re.split(r"[\s\-]+", _norm(name)) if w and w.lower() not in ("of", "and", "the", "for", "on", "in", "&", "de")]
    return "".join(w[0] for w in words if w[0].isalpha()).upper()


def looks_like_acronym(name: str) -> bool:
    return 2 <= len(name) <= 8 and name.replace(".", "").replace("&", "").isupper() and " " not in name


_VERSION = re.compile(r"\d")


def different_version(a: str, b: str) -> bool:
    """ "ChatGPT" and "ChatGPT-3", "GLM-4" and "GLM-5": names that differ in a version number are
    different things, however close the letters."""
    da, db = re.findall(r"\d+(?:\.\d+)?", a), re.findall(r"\d+(?:\.\d+)?", b)
    return bool(da or db) and da != db


class KnownNames:
    """Known entities by the variant keys of every label and alias (for merge proposals)."""

    def __init__(self, entities: dict[str, dict], classes: dict) -> None:
        self.entities = entities
        self.classes = classes
        self.by_variant: dict[str, set[str]] = {}
        self.by_initials: dict[str, set[str]] = {}
        for iri, e in entities.items():
            for n in [e["label"], *e.get("aliases", [])]:
                for k in variant_keys(n):
                    self.by_variant.setdefault(k, set()).add(iri)
                if " " in n.strip():
                    self.by_initials.setdefault(initials(n), set()).add(iri)
        # people the data knows by one name only ("Biden", or "President Biden"): a full name
        # ending in it ("Joe Biden") is proposed as that person, not as someone new
        self.by_surname: dict[str, set[str]] = {}
        for iri, e in entities.items():
            if not any("Person" in classes.get(t, {}).get("ancestors", [t]) for t in e.get("types", [])):
                continue
            for n in [e["label"], *e.get("aliases", [])]:
                bare = strip_title(n)[0].split()
                if len(bare) == 1 and bare[0][:1].isupper():
                    self.by_surname.setdefault(bare[0].lower(), set()).add(iri)

    def variant_of(self, name: str, types: list[str], aliases: list[str] = ()) -> tuple[str, str] | None:
        """(iri, why) of the one known entity this name (or one of its aliases) is a variant of."""
        for n in [name, *aliases]:
            hits = set().union(*(self.by_variant.get(k, set()) for k in variant_keys(n)))
            hits = {h for h in hits if compatible(types, self.entities[h]["types"], self.classes)}
            if len(hits) == 1:
                return next(iter(hits)), f"a variant of the known name ({n!r})"
        for n in [name, *aliases]:
            if looks_like_acronym(n):
                hits = {
                    h for h in self.by_initials.get(n.replace(".", ""), set()) if compatible(types, self.entities[h]["types"], self.classes)
                }
                if len(hits) == 1:
                    return next(iter(hits)), f"{n!r} is the initials of the known name"
        words = strip_title(name)[0].split()
        if "Person" in types and len(words) >= 2 and words[-1][:1].isupper():
            hits = self.by_surname.get(person_parts(" ".join(words))[1], set())
            if len(hits) == 1:
                return next(iter(hits)), f"the known person {self.entities[next(iter(hits))]['label']!r} by the full name"
        return None


def resolve_fuzzy(name: str, types: list[str], gaz, classes: dict, threshold: float = 88.0) -> tuple[str, str, float] | None:
    """A known entity this new name may be misspelt from, of a compatible type and not another
    version ("Naibeige LLM Lab" ~ "Nanbeige LLM Lab"; not "DeepSeek R1" ~ "DeepSeek")."""
    from rapidfuzz import fuzz, process

    key = compact(name)
    if len(key) < 5:
        return None
    for cand, score, _ in process.extract(key, gaz.key_list, scorer=fuzz.ratio, score_cutoff=threshold, limit=5):
        iri = gaz.keys[cand]
        e = gaz.entities[iri]
        if not compatible(types, e["types"], classes) or different_version(name, e["label"]):
            continue
        if cand.startswith(key) or key.startswith(cand):  # "DeepSeek" inside "DeepSeek R1": a part, not a typo
            continue
        return iri, e["label"], float(score)
    return None


def person_parts(name: str) -> tuple[str, str]:
    """(first, last) of a personal name, middle initials dropped: "Alan F. Estevez" -> ("alan", "estevez")."""
    words = [w for w in name.replace(",", " ").split() if not re.fullmatch(r"[A-Z]\.?", w)]
    return (words[0].lower(), words[-1].lower()) if words else ("", "")


def short_form_index(full_names: list[tuple[str, str, bool]]) -> dict[str, set[str]]:
    """Short form -> the ids it may stand for, from the article's full names [(name, id, is_person)]:
    a person's surname (and "first last" without middle initials); an organisation's single
    distinctive word ("Treasury" for "Department of the Treasury", "Commerce")."""
    out: dict[str, set[str]] = {}
    for name, eid, person in full_names:
        words = name.split()
        if len(words) < 2:
            continue
        if person:  # the surname is the last word ("Jensen Huang") or the first ("Liang Wenfeng"): both index it
            first, last = person_parts(name)
            out.setdefault(last, set()).add(eid)
            out.setdefault(first, set()).add(eid)
            out.setdefault(f"{first} {last}", set()).add(eid)
        else:
            m = re.search(r"\b(?:of|for) (?:the )?(.+)$", name)
            if m and len(m.group(1).split()) > 1:  # "Industry and Security" for "Bureau of Industry and Security"
                out.setdefault(m.group(1).lower(), set()).add(eid)
            for w in words:
                lw = w.lower().strip(",.’'")
                if (
                    lw not in _COMMON
                    and lw not in ("department", "ministry", "bureau", "office", "agency", "u.s.", "us")
                    and w[:1].isupper()
                ):
                    out.setdefault(lw, set()).add(eid)
    return out
