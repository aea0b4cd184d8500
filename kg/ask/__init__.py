"""`kg ask`: plain-English questions answered from the graph, deterministically, with evidence.

A compositional reader after QAnswer (Diefenbach et al. 2020), in four steps, one module each:

1. kg.ask.linking: every n-gram mapped to candidate entities, classes, relation and value phrases,
   numbers, years and comparators (kg.ask.lexicon holds the ontology's words);
2. kg.ask.candidates: the small queries that connect those candidates in the graph (one or two
   hops, statement qualifiers, observations), kept only if the graph answers them;
3. kg.ask.ranking: the readings ranked by the question words they explain, linking confidence,
   answer-type agreement and the overlap of the evidence quotes with the question;
4. here: answer only when the best reading explains every content word; otherwise abstain
   (NotUnderstood, exit 2) saying what was understood, what was not, and what can be asked.

Every value is bound by the engine's substitution, never spliced into query text.
"""

from __future__ import annotations

from kg.ask.answer import Answer, AnswerItem, Evidence, NotUnderstood, shown
from kg.graph import KnowledgeGraph

__all__ = ["Answer", "AnswerItem", "Evidence", "NotUnderstood", "ask"]

_CONNECT = ("connect", "relat", "link", "between", "path", "tie")
_DESCRIBE_VERBS = {"tell", "describe", "explain", "info", "about", "mean", "means", "stand", "stands"}


def _memo(g: KnowledgeGraph):
    from kg.ask.lexicon import AskLexicon
    from kg.ask.linking import Names

    lex = g.memo("ask-lexicon-2", lambda: AskLexicon(g.lexicon))
    names = g.memo("ask-names", lambda: Names(g, lex))
    return lex, names


def question_type(words) -> str:
    """who | where | when | how many | how much | what | yesno, from the question word."""
    texts = [w.text for w in words]
    if not texts:
        return "what"
    first, nxt = texts[0], texts[1] if len(texts) > 1 else ""
    if first == "how":
        return {"many": "how many", "much": "how much", "long": "how much"}.get(nxt, "how")
    if first in ("who", "whom", "whose"):
        return "who"
    if first in ("where", "when"):
        return first
    if first in ("what", "which"):
        return "when" if nxt in ("year", "date", "day", "month") else "what"
    from kg.ask.lexicon import AUX
    from kg.ask.linking import NEG_AUX

    if first in AUX or (nxt == "t" and words[0].raw.lower() in NEG_AUX):  # "didn't the UK sign ..."
        return "yesno"
    for t in texts:
        if t in ("who", "whom"):
            return "who"
        if t in ("where", "when"):
            return t
    if "how" in texts:
        k = texts.index("how")
        if k + 1 < len(texts) and texts[k + 1] in ("many", "much"):
            return f"how {texts[k + 1]}"
    return "what"


def ask(g: KnowledgeGraph, question: str) -> Answer:
    return _answer(g, question, suggest=True)


def _read(g: KnowledgeGraph, question: str) -> Answer | None:
    """The answer, or None where `ask` would abstain (no suggestions looked for: they call this)."""
    from kg.errors import KgError

    try:
        return _answer(g, question, suggest=False)
    except KgError:
        return None


def _answer(g: KnowledgeGraph, question: str, suggest: bool) -> Answer:
    from kg.ask import candidates, linking, ranking

    q = question.strip()
    if not q or not any(ch.isalnum() for ch in q):
        raise NotUnderstood('empty question; try: kg ask "who attended the Great Hall meeting"')
    if len(q) > 500:
        raise NotUnderstood("question too long (500 characters at most)")
    lex, names = _memo(g)
    words = linking.read_words(q, lex, names)
    links = linking.link(q, words, lex, names)
    qtype = question_type(words)
    ctx = candidates.Context(g, lex, words, links, qtype, q)

    special = _describe_or_path(g, q, ctx)
    if special is not None:
        return special
    ranked = ranking.rank(candidates.generate(ctx), words, g, ctx.links)
    if not ranked or ranked[0].unexplained:
        _abstain(g, q, ctx, ranked, suggest)
    best = ranked[0]
    if not best.reading.answers:  # "nothing in the graph states ..." only when no close reading finds something
        full = [x for x in ranked[1:] if x.reading.answers and not x.unexplained and x.score >= best.score - 1.0]
        if full:
            best = full[0]
    r = best.reading
    answer = Answer(
        q, r.intent, shown(r.sparql, r.bindings) if r.sparql else "(no query: read from the statements above)", r.answers, r.note
    )
    answer.template, answer.bindings = r.sparql or None, dict(r.bindings)
    answer.verdict = r.verdict
    if qtype == "how many" and r.verdict is None:
        if r.figure and len(r.answers) == 1:
            answer.intent = f"figure({r.intent})"
        else:
            answer.intent = f"count({r.intent})"
            answer.count = len(r.answers)
            answer.note = f"{len(r.answers)} answer(s)" + (f"; {answer.note}" if answer.note else "")
    answer.words = _word_readings(words, best)
    answer.readings = [(x.reading.intent, x.score) for x in ranked[1:4]]
    return answer


def _word_readings(words, best) -> list[tuple[str, str]]:
    out = []
    for w in words:
        if w.i in best.explained:
            out.append((w.raw, best.explained[w.i]))
        elif w.content:
            out.append((w.raw, "not understood"))
        else:
            out.append((w.raw, "function word"))
    return out


def _describe_or_path(g: KnowledgeGraph, q: str, ctx) -> Answer | None:
    """'what is X' / 'tell me about X' (and nothing else asked): a description; 'how is X connected to Y': a path."""
    words = ctx.words
    content = [w for w in words if w.content and w.text not in _DESCRIBE_VERBS]
    texts = [w.text for w in words]

    def named_class(e, w) -> bool:  # "the Green Data Centres initiative": the class word of the named thing
        return any(c.start <= w.i < c.end and c.start in (e.end, e.end + 1) and ctx.lex.is_a(e.target, c.target) for c in ctx.classes)

    full = [e for e in ctx.entities if all(e.start <= w.i < e.end or named_class(e, w) for w in content) and e.score >= 0.7]
    starts = (texts[:1] in (["what"], ["who"]) and len(texts) > 1 and texts[1] in ("is", "are", "was", "poss", "does")) or texts[:1] in (
        ["tell"], ["describe"], ["explain"], ["about"])  # fmt: skip
    full = [e for e in full if "Observation" not in ctx.lex.types(e.target)]  # "what was X" of a figure asks its value
    if starts and content and full:
        e = max(full, key=lambda x: (x.score, x.end - x.start))
        rest = [w for w in words if not (e.start <= w.i < e.end) and not named_class(e, w)]
        lead = 3 if texts[:3] == ["tell", "me", "about"] else 1
        # a phrase overlapping the name is not asked ("what is IN. Capital": "is in" is not "contained in")
        asks = [x for x in ctx.relations + ctx.values if (x.end <= e.start or x.start >= e.end) and x.start >= lead]
        if not any(w.content and w.text not in _DESCRIBE_VERBS for w in rest) and not asks:
            return _describe(g, q, e.target, ctx)
    if len(ctx.entities) >= 2 and any(w.raw.lower().startswith(_CONNECT) for w in words):
        a = ctx.entities[0]
        others = [b for b in ctx.entities[1:] if not (a.start < b.end and b.start < a.end)]
        if others:
            a, b = sorted([a, others[0]], key=lambda x: x.start)
            return _connection(g, q, a.target, b.target)
    return None


def _describe(g, q, x: str, ctx) -> Answer:
    from kg.show import card

    c = card(g, x)
    e = g.entity(x)
    summary = e.get("description") or ", ".join(e["types"])
    item = AnswerItem(x, f"{e['label']} ({', '.join(e['types'])}): {summary}")
    item.evidence = [Evidence(m["source"], m["quote"], m["start"], m["end"]) for m in c["mentions"][:3]]
    a = Answer(q, f"describe({e['label']})", c["sparql"], [item])
    a.words = [(w.raw, f"entity {e['label']}" if w.content else "function word") for w in ctx.words]
    return a


def _connection(g, q, a: str, b: str) -> Answer:
    from kg.nav import shortest_path

    steps = shortest_path(g, a, b)
    items = [AnswerItem(None, " ".join(steps.chain))] if steps else []
    for edge in steps.edges if steps else []:
        items[0].evidence += [Evidence(**e) for e in edge["evidence"]]
    return Answer(q, f"path({g.label(a)}, {g.label(b)})", "(networkx shortest path over the entity graph)", items)


def _abstain(g, q: str, ctx, ranked, suggest: bool = True) -> None:
    """Says what was understood, which words were not, and questions the graph can answer about them."""
    from kg.graph import UnknownName

    words = ctx.words
    if ranked:
        best = ranked[0]
        understood = [f"{words[i].raw!r} as {what}" for i, what in sorted(best.explained.items())]
        missing = [words[i].raw for i in best.unexplained]
    else:
        understood = [f"{words[x.start].raw!r} as entity {g.label(x.target)}" for x in ctx.entities[:3]]
        explained = {i for x in ctx.links for i in x.span}
        missing = [w.raw for w in words if w.content and w.i not in explained]
    name = _unknown_name(ctx, ranked[0] if ranked else None)
    if name:
        raise UnknownName(name, [s.label for s in g.index.suggest(name)])
    nearest = _nearest(g, ctx) if suggest else []
    parts = []
    if understood:
        parts.append("understood " + ", ".join(understood))
    if missing:
        parts.append("not understood: " + ", ".join(repr(m) for m in missing))
    tail = "; try for example " + "; ".join(repr(n) for n in nearest) if nearest else (
        "; try for example 'who attended the Great Hall meeting', 'what does the NPRM prohibit', 'what is DeepSeek', "
        "'how is Jack Ma connected to Xi Jinping'")  # fmt: skip
    raise NotUnderstood("could not read the question (" + "; ".join(parts or ["nothing"]) + ")" + tail, understood, missing, nearest)


def _unknown_name(ctx, best) -> str | None:
    """Unexplained capitalised words (with a partial name next to them) look like a name the graph lacks."""
    words = ctx.words
    missing = set(best.unexplained) if best else {w.i for w in words if w.content}
    # a word that is part of a name the graph has ("Macron" of Emmanuel Macron) is not an unknown name
    linked = {i for x in ctx.entities if x.score >= 0.9 or (x.score >= 0.6 and not ctx.lex.is_a(x.target, "Claim")) for i in x.span}
    caps = [i for i in missing if i > 0 and words[i].raw[:1].isupper() and i not in linked]
    if not caps:
        return None
    partial = {i for x in ctx.entities if x.score < 0.95 for i in x.span}
    run = set(caps)
    for i in sorted(caps):
        k = i - 1
        while k >= 0 and (k in partial or k in missing) and words[k].content:
            run.add(k)
            k -= 1
        k = i + 1
        while k < len(words) and (k in partial or k in missing) and words[k].content:
            run.add(k)
            k += 1
    span = sorted(run)
    groups, cur = [], [span[0]]
    for i in span[1:]:
        if i == cur[-1] + 1:
            cur.append(i)
        else:
            groups.append(cur)
            cur = [i]
    groups.append(cur)
    best_group = max(groups, key=len)
    return " ".join(words[i].raw for i in best_group)


_SUGGEST_SKIP = {"Claim", "Observation"}  # sentences and figures: no good subject


def _base_forms(p: dict) -> list[str]:
    """Phrases in their base form ("attend", "depend on"): the ones with an -s or -ed sibling."""
    from kg.ask.lexicon import AUX

    phrases = set(p["phrases"])
    out = []
    for ph in sorted(phrases, key=lambda x: (len(x), x)):
        head, _, rest = ph.partition(" ")
        tail = f" {rest}" if rest else ""
        if head not in AUX and any(f"{head}{end}{tail}" in phrases for end in ("s", "es", "ed", "d")):
            out.append(ph)
    return out


def _wh(lex, iri: str) -> str:
    from kg.ask.lexicon import AGENT_CLASSES, PLACE_CLASSES

    if any(lex.is_a(iri, c) for c in PLACE_CLASSES):
        return "where"
    return "who" if any(lex.is_a(iri, c) for c in AGENT_CLASSES) else "what"


def _phrasings(lex, e: str, label: str, st: dict) -> list[str]:
    """Ways an analyst would ask for the other end of one statement about e, best first."""
    from kg.ask.lexicon import AUX

    p = lex.props.get(st["p"])
    if not p or p["kind"] != "object" or st["s"] == st["o"]:
        return []
    agent_is_s = not p["inverse_voice"]
    other = st["o"] if st["s"] == e else st["s"]
    e_is_agent = (st["s"] == e) == agent_is_s
    if e_is_agent:
        return [f"{_wh(lex, other)} did {label} {b}" for b in _base_forms(p)[:2]]
    # "depends on" before "depends": the form with its preposition takes the object
    flexed = sorted(
        (
            ph
            for ph in p["phrases"]
            if ph.split()[0].endswith(("ed", "s")) and not ph.split()[0].endswith("ss") and ph.split()[0] not in AUX
        ),
        key=lambda x: -len(x),
    )
    past = [p["verb"]] if p.get("verb") else []
    for ph in flexed:
        if not any(x.split()[0] == ph.split()[0] for x in past):
            past.append(ph)
    wh = "who" if _wh(lex, other) == "who" else "what"
    # a participle with its preposition reads as a state: "who is affiliated with X", "what is located in X"
    past = [f"is {v}" if v != p.get("verb") and " " in v and v.split()[0].endswith("ed") else v for v in past]
    return [f"{wh} {v} {label}" for v in past[:2]]


def _nearest(g, ctx, budget: int = 8) -> list[str]:
    """Questions about the entities the question named that the reader itself answers (each one tried,
    at most `budget` tries): one per relation, so a user sees what can be asked, in words that work."""
    out: list[str] = []
    lex = ctx.lex
    tried = 0
    ents = [e for e in ctx.entities if not (set(lex.types(e.target)) & _SUGGEST_SKIP)]
    ents = sorted(ents, key=lambda x: (x.score < 0.9, len(g.label(x.target).split()) > 6))[:3]
    for e in ents:
        label = g.label(e.target)
        if len(label.split()) > 8:
            continue
        seen: set[str] = set()
        for st in ctx.statements(e.target):
            if st["p"] in seen:
                continue
            for q in _phrasings(lex, e.target, label, st):
                if tried >= budget or len(out) >= 3:
                    return out
                tried += 1
                a = _read(g, q)
                if q not in out and a is not None and a.answers and not a.intent.startswith(("describe", "path")):
                    seen.add(st["p"])
                    out.append(q)
                    break
    return out
