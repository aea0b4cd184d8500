"""Step 3: rank the candidate readings, and decide whether the best one explains the question.

Features: the question's content words each reading explains (through its entities, relation,
class filter, figure, qualifier), weighted by linking confidence; answer types agreeing with the
question word; the voice of the verb; and, for words no link explains, their overlap with the
evidence quotes and qualifiers of the answers (the sources are a paraphrase resource of their own).
A reading that leaves a content word unexplained is not answered (kg.ask abstains).
"""

from __future__ import annotations

from typing import NamedTuple

from kg.ask.candidates import Reading, quote_words
from kg.ask.lexicon import plural_base
from kg.ask.linking import Word

UNEXPLAINED = 1.2  # cost of a content word the reading does not account for
BY_EVIDENCE = 0.5  # a word found only in the answers' quotes counts half


class Ranked(NamedTuple):
    score: float
    reading: Reading
    explained: dict[int, str]  # word index -> what it was read as
    unexplained: list[int]


def rank(readings: list[Reading], words: list[Word], g, links=()) -> list[Ranked]:
    out = [judge(r, words, g, links) for r in readings]
    out.sort(key=lambda x: (-x.score, len(x.reading.uses), x.reading.intent))
    return out


def describe_link(x, g) -> str:
    if x.kind == "entity":
        return f"entity {g.label(x.target)} ({x.via}{'' if x.score >= 1 else f', {x.score:.2f}'})"
    if x.kind == "phrase":
        return f"{x.target.kind} phrase of {x.target.prop}"
    if x.kind == "class":
        return f"class {x.target}"
    return f"{x.kind} {x.target}"


def _adjacent(x, used, words) -> bool:
    """The modifier stands next to a name the reading uses ('the Paris declaration', 'Alibaba's commitment')."""
    for u in used:
        lo, hi = (x.end, u.start) if x.end <= u.start else (u.end, x.start)
        if hi - lo >= 0 and all(not w.content for w in words[lo:hi]) and hi - lo <= 2:
            return True
    return False


def judge(r: Reading, words: list[Word], g, links=()) -> Ranked:
    explained: dict[int, str] = {}
    score = r.bonus
    for x in r.uses:
        for i in x.span:
            if i not in explained:
                explained[i] = describe_link(x, g)
                if words[i].content:
                    score += x.score
    for i in r.explained:
        explained.setdefault(i, "the answer's type")
    quoted = quote_words(r.texts) if r.texts else set()
    labels = [quote_words([i.label]) for i in r.answers if i.iri]
    used_entities = [x for x in r.uses if x.kind == "entity"]
    modifiers = {
        i: x for x in links if x.kind == "entity" and x.target in r.neighbours and _adjacent(x, used_entities, words) for i in x.span
    }
    used_props = {x.target.prop for x in r.uses if x.kind == "phrase"}
    # a word that names another relation ("spoke" when the reading is about attending) is never explained by a quote
    other_relation = {
        i for x in links if x.kind == "phrase" and x.target.kind != "value" and x.target.prop not in used_props for i in x.span
    }
    unexplained = []
    for w in words:
        if not w.content or w.i in explained:
            continue
        if w.i in modifiers:  # a name of something the anchor is linked to: a modifier ("the Paris declaration")
            explained[w.i] = f"modifier: {g.label(modifiers[w.i].target)}"
            score += BY_EVIDENCE
            continue
        if labels and all({w.text, plural_base(w.text)} & lw for lw in labels):  # "what kind of LLMs" -> "smaller LLMs"
            explained[w.i] = "the answers' name"
            score += BY_EVIDENCE
            continue
        if w.i in other_relation:
            unexplained.append(w.i)
            score -= UNEXPLAINED
            continue
        if quoted and ({w.text, plural_base(w.text), w.stem} & quoted or any(len(w.stem) >= 4 and q.startswith(w.stem) for q in quoted)):
            explained[w.i] = "a word of the evidence"
            score += BY_EVIDENCE
            continue
        unexplained.append(w.i)
        score -= UNEXPLAINED
    if r.shape == "check" and r.verdict == "no":
        score -= 0.05
    return Ranked(round(score, 3), r, explained, unexplained)
