"""Scores `kg ask` against the evaluation set tests/data/ask_eval.yaml (issue 10, docs/ask-eval.md).

Run on demand (not in CI): python benchmarks/ask_eval.py [--split dev|heldout|both] [--json [PATH]] [--show-failures]

It opens the curated graph through the library (`KnowledgeGraph.open()`, the same reading the CLI's
`kg ask QUESTION --format json` prints), asks every question and scores the answer by the question's kind.
The rules (docs/ask-eval.md, "Answers") are deliberately strict, because the issue's worst failure is an
answer to a different question that looks like an answer:

- Answers are compared as entity ids: an answer IRI under `kg.iri.ENTITY` becomes its bare id; any other IRI
  or literal stays as it is and so never equals an expected id. Expected `new:<Label>` ids (entities the data
  lacks) can never be matched today.
- A `describe(...)` reading only counts for `describe` questions: a paragraph that happens to mention the
  answer is not an answer to a list, yes/no or figure question.
- yes/no: a check reading (intent `prop(a, b)?`) says yes when it returns a row and no when it returns none.
  Any other reading gives no verdict ("No answers" to "was X issued by Y?" is not a "no").
- An exception from `kg` (`KgError`: not understood, unknown name) is an abstention: right for `none`, wrong
  for every other kind. Any other exception is a crash, wrong for every kind.
- Questions with `data_gap: true` are scored but reported apart: they need the data issue first.

`--show-failures` prints the failed questions of the dev half only (docs/ask-eval.md rule 1: held-out
failures are counted, never shown).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "tests" / "data" / "ask_eval.yaml"
KINDS = ("list", "yesno", "count", "value", "date", "describe", "none")
REL_TOL = 0.01  # "value": the number within 1%

# Today's reading names a check `prop(a, b)?`, a count `count(inner)`, a description `describe(x)`.
_CHECK = re.compile(r"^[A-Za-z_][\w]*\(.*\)\?$")
_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d[\d,]*\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?:\s*\^\s*(\d+))?\s*(%|[a-zA-Z]+)?")
_SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6, "bn": 1e9, "b": 1e9, "billion": 1e9,
          "tn": 1e12, "trillion": 1e12}  # fmt: skip
_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")
_GMONTH = re.compile(r"^--(\d{2})(?:-(\d{2}))?$")  # xsd:gMonth / gMonthDay: a month without its year
_STOP = {"a", "an", "the", "of", "in", "on", "at", "for", "and", "to", "is", "as"}


@dataclass
class Response:
    """What asking one question produced: the answer's JSON, or an abstention, or a crash."""

    answer: dict | None = None
    abstained: str | None = None  # the KgError's message: not understood, unknown name
    error: str | None = None  # any other exception: a bug, wrong for every kind


@dataclass
class Outcome:
    id: str
    kind: str
    source: str
    split: str
    data_gap: bool
    right: bool
    status: str  # right | wrong (answered, non-empty, wrong) | empty | abstained | error
    distractor: bool = False  # the answer contained one of the question's distractors
    precision: float | None = None  # list questions only
    recall: float | None = None
    f1: float | None = None
    got: str = ""
    expected: Any = None
    intent: str = ""
    question: str = field(default="", repr=False)


# --- reading an answer -------------------------------------------------------------------------------------


def entity_id(iri: str | None) -> str | None:
    """The bare id of an entity IRI (the eval file's spelling); other IRIs stay whole, so never match."""
    from kg.iri import ENTITY

    if iri is None:
        return None
    return iri[len(ENTITY) :] if iri.startswith(ENTITY) else iri


def answer_ids(answer: dict) -> list[str]:
    """Every answer as a comparable key: entity id, else the literal value, else the label."""
    out = []
    for a in answer.get("answers", []):
        eid = entity_id(a.get("iri"))
        out.append(eid if eid is not None else "literal:" + str(a.get("value", a.get("label", ""))))
    return out


def is_describe(answer: dict) -> bool:
    return answer.get("intent", "").startswith("describe(")


def _inner(intent: str) -> str:
    return intent[len("count(") : -1] if intent.startswith("count(") and intent.endswith(")") else intent


def verdict(answer: dict) -> str | None:
    """yes/no from a check reading; None when the reading was not a yes/no question at all."""
    if answer.get("verdict") in ("yes", "no"):  # a reader that states its verdict
        return answer["verdict"]
    if _CHECK.match(_inner(answer.get("intent", ""))):
        return "yes" if answer.get("answers") else "no"
    return None


def numbers_in(text: str) -> list[float]:
    """Numbers written in an answer value: 1e+24, 10^24, 13.5%, $500bn, 1,300,000,000."""
    out = []
    for m in _NUMBER.finditer(text):
        raw = m.group(0)
        lead = re.match(r"[-+]?(?:\d[\d,]*\.?\d*|\.\d+)(?:[eE][-+]?\d+)?", raw)
        if not lead:
            continue
        try:
            v = float(lead.group(0).replace(",", ""))
        except ValueError:
            continue
        if m.group(1):  # 10^24
            v = v ** int(m.group(1))
        suffix = (m.group(2) or "").lower()
        v *= _SCALE.get(suffix, 1.0)
        out.append(v)
    return out


def _literal_items(answer: dict) -> list[dict]:
    """The answers that are values themselves (no entity): the figures of a value question."""
    return [a for a in answer.get("answers", []) if a.get("iri") is None]


def _item_text(a: dict) -> str:
    return str(a["value"]) if a.get("value") is not None else str(a.get("label", ""))


def _close(x: float, y: float) -> bool:
    return math.isclose(x, y, rel_tol=REL_TOL, abs_tol=1e-12)


def _words(text: str) -> list[str]:
    return [w for w in re.sub(r"[^0-9a-z]+", " ", text.casefold()).split() if w not in _STOP]


def _phrase_in(expected: str, text: str) -> bool:
    """A literal matches in substance: every content word of the expected phrase is in the answer."""
    want, have = _words(expected), set(_words(text))
    return bool(want) and all(w in have for w in want)


# --- scoring by kind ---------------------------------------------------------------------------------------


def _norm_unit(u: str) -> str:
    u = u.casefold().strip()
    return {"%": "percent", "usd": "usd", "$": "usd", "dollars": "usd"}.get(u, u)


def _value_alternative_matches(alt: dict, answer: dict) -> bool | None:
    """True/False when the answer's values decide this alternative; None when the answer gives no figure."""
    items = _literal_items(answer)
    if not items:
        return None
    want = alt.get("value")
    if isinstance(want, str) or (isinstance(want, list) and all(isinstance(w, str) for w in want)):
        texts = " ; ".join(_item_text(a) for a in answer.get("answers", []))
        return all(_phrase_in(w, texts) for w in ([want] if isinstance(want, str) else want))
    wants = want if isinstance(want, list) else [want]
    for a in items:
        if "unit" in a and alt.get("unit") and _norm_unit(str(a["unit"])) != _norm_unit(alt["unit"]):
            continue
        if "bound" in a and alt.get("bound") and a["bound"] != alt["bound"]:
            continue
        got = numbers_in(_item_text(a))
        if got and all(any(_close(g, float(w)) for g in got) for w in wants):
            return True
    return False


def _score_value(expected: Any, answer: dict) -> bool:
    """A value question: the answer's figure(s) agree with the expected one, or with one of the alternatives."""
    alts = expected if isinstance(expected, list) else [expected]
    if answer.get("value") is not None:  # a reader that states the figure at the top level
        answer = {"answers": [{"iri": None, **(answer["value"] if isinstance(answer["value"], dict) else {"value": answer["value"]})}]}
    numeric_alts = [a for a in alts if not isinstance(a.get("value"), str | list)]
    items = _literal_items(answer)
    if numeric_alts and len(numeric_alts) == len(alts) and len(alts) > 1:
        # Alternatives: every figure given must be one of them, and at least one given.
        given = [(a, numbers_in(_item_text(a))) for a in items]
        given = [(a, ns) for a, ns in given if ns]
        if not given:
            return False
        return all(any(_value_alternative_matches(alt, {"answers": [a]}) for alt in alts) for a, _ in given)
    return any(_value_alternative_matches(alt, answer) is True for alt in alts)


def _dates_in(answer: dict) -> list[str]:
    out = []
    for a in _literal_items(answer):
        text = _item_text(a).strip()
        g = _GMONTH.match(text)
        if g:
            out.append("--" + "-".join(p for p in g.groups() if p))
            continue
        m = _DATE.match(text)
        if m:
            out.append("-".join(p for p in m.groups() if p))
    return out


def _date_matches(expected: str, got: str) -> bool:
    """Same date at the expected precision; an answer less precise than expected is wrong."""
    if expected.startswith("--"):  # a month whose year the source does not give
        if got.startswith("--"):
            return got[2:4] == expected[2:4]
        parts = got.split("-")
        return len(parts) >= 2 and parts[1] == expected[2:]
    if got.startswith("--"):  # a month without its year never settles a dated answer
        return False
    n = len(expected.split("-"))
    parts = got.split("-")
    return len(parts) >= n and "-".join(parts[:n]) == expected


def _score_date(expected: str, answer: dict) -> bool:
    """Every date the answer gives is the expected one (a span needs both ends, and only them)."""
    got = sorted(set(_dates_in(answer)))
    if not got:
        return False
    wants = expected.split("/") if "/" in expected else [expected]
    return all(any(_date_matches(w, g) for w in wants) for g in got) and all(any(_date_matches(w, g) for g in got) for w in wants)


def _score_count(expected: int, answer: dict) -> bool:
    """The integer: the size of a count reading over entities, or a single figure the answer states."""
    if answer.get("count") is not None:  # a reader that states its count
        return int(answer["count"]) == int(expected)
    intent = answer.get("intent", "")
    inner = _inner(intent)
    if inner.startswith("describe(") or _CHECK.match(inner):
        return False
    items = answer.get("answers", [])
    literal = _literal_items(answer)
    if len(items) == 1 and literal:
        got = numbers_in(_item_text(literal[0]))
        return len(got) == 1 and _close(got[0], float(expected))
    return intent.startswith("count(") and len(items) == int(expected)


def score(q: dict, r: Response) -> Outcome:
    """One question's outcome under the kind's rule (module docstring)."""
    kind, expected = q["kind"], q["answers"]
    o = Outcome(q["id"], kind, str(q["source"]), q["split"], bool(q.get("data_gap")), False, "wrong", expected=expected)
    o.question = q["question"]
    distractors = set(q.get("distractors") or [])
    if r.error is not None:
        o.status, o.got = "error", r.error
        return o
    if r.abstained is not None or (r.answer or {}).get("abstained"):
        o.right = kind == "none"
        o.status, o.got = ("right" if o.right else "abstained"), f"abstained: {r.abstained or ''}"
        return o
    a = r.answer or {}
    o.intent = a.get("intent", "")
    ids = answer_ids(a)
    o.got = ", ".join(ids)
    o.distractor = bool(distractors & set(ids))
    v = verdict(a)
    answered = bool(ids) or v is not None
    if kind == "list":
        want, have = set(expected), set(ids)
        if is_describe(a):
            have = set()  # a description is not a list answer; nothing it names is credited
        o.right = have == want and not o.distractor
        tp = len(want & have)
        o.precision = tp / len(have) if have else 0.0
        o.recall = tp / len(want) if want else (1.0 if not have else 0.0)
        o.f1 = 2 * o.precision * o.recall / (o.precision + o.recall) if o.precision + o.recall else 0.0
    elif kind == "yesno":
        o.right = v == expected
        o.got = f"verdict: {v}" if v else o.got
    elif kind == "none":
        # Nothing returned, and not a "no" verdict to a question that was not yes/no.
        o.right = not ids and v is None
    elif kind == "describe":
        o.right = is_describe(a) and set(ids) == set(expected)
    elif is_describe(a):
        o.right = False
    elif kind == "count":
        o.right = _score_count(expected, a)
    elif kind == "value":
        o.right = _score_value(expected, a)
    elif kind == "date":
        o.right = _score_date(str(expected), a)
    else:
        raise ValueError(f"unknown kind {kind!r}")
    o.status = "right" if o.right else ("wrong" if answered else "empty")
    return o


# --- running and reporting ---------------------------------------------------------------------------------


def load(path: Path = EVAL) -> list[dict]:
    import yaml

    return yaml.safe_load(path.read_text(encoding="utf-8"))


def ask_one(g: Any, question: str) -> Response:
    from kg.errors import KgError

    try:
        return Response(answer=g.ask(question).as_json())
    except KgError as e:  # not understood, unknown name: the reader declined to answer
        return Response(abstained=f"{type(e).__name__} (exit {e.exit_code}): {e}")
    except Exception as e:  # noqa: BLE001 - a crash is scored, not raised
        return Response(error=f"{type(e).__name__}: {e}")


def _rate(xs: list[Outcome]) -> dict:
    n = len(xs)
    right = sum(o.right for o in xs)
    return {"n": n, "right": right, "accuracy": round(right / n, 3) if n else None}


def summarize(outcomes: list[Outcome]) -> dict:
    """The figures of one split: overall (data-gap questions apart), per kind, per source, failure modes."""
    scored = [o for o in outcomes if not o.data_gap]
    gap = [o for o in outcomes if o.data_gap]
    lists = [o for o in scored if o.kind == "list"]
    by_kind: dict[str, list[Outcome]] = defaultdict(list)
    by_source: dict[str, list[Outcome]] = defaultdict(list)
    for o in scored:
        by_kind[o.kind].append(o)
        by_source[o.source].append(o)
    n = len(scored)
    status = {s: sum(o.status == s for o in scored) for s in ("right", "wrong", "empty", "abstained", "error")}

    def mean(vals: list[float]) -> float | None:
        return round(sum(vals) / len(vals), 3) if vals else None

    return {
        "overall": _rate(scored),
        "all_including_data_gap": _rate(outcomes),
        "data_gap": _rate(gap),
        "by_kind": {k: _rate(by_kind[k]) for k in KINDS if by_kind[k]},
        "by_source": {s: _rate(by_source[s]) for s in sorted(by_source)},
        "status": status,
        "answered_different_question": round(status["wrong"] / n, 3) if n else None,
        "list_partial": {
            "precision": mean([o.precision for o in lists if o.precision is not None]),
            "recall": mean([o.recall for o in lists if o.recall is not None]),
            "f1": mean([o.f1 for o in lists if o.f1 is not None]),
        },
        "with_distractor": sum(o.distractor for o in outcomes if o.kind in ("list", "none")),
        "none_right": _rate([o for o in outcomes if o.kind == "none"]),
        # A none question is also "right" when a misreading happens to return nothing: count the honest ones.
        "none_right_by_abstaining": sum(o.right and o.got.startswith("abstained") for o in outcomes if o.kind == "none"),
    }


def _pct(r: dict) -> str:
    return f"{r['right']:>3}/{r['n']:<3} {100 * r['accuracy']:5.1f}%" if r["n"] else "    -        "


def table(figures: dict[str, dict]) -> str:
    """A compact side-by-side table of the splits' figures."""
    splits = list(figures)
    rows: list[tuple[str, list[str]]] = [("overall (without data gap)", [_pct(figures[s]["overall"]) for s in splits])]
    for k in KINDS:
        rows.append((f"  {k}", [_pct(figures[s]["by_kind"].get(k, {"n": 0})) for s in splits]))
    sources = sorted({src for s in splits for src in figures[s]["by_source"]})
    for src in sources:
        rows.append((f"  source {src}", [_pct(figures[s]["by_source"].get(src, {"n": 0})) for s in splits]))
    rows.append(("data-gap questions", [_pct(figures[s]["data_gap"]) for s in splits]))
    rows.append(("all, data gap included", [_pct(figures[s]["all_including_data_gap"]) for s in splits]))
    rows.append(("none right by abstaining", [f"{figures[s]['none_right_by_abstaining']:>13}" for s in splits]))
    rows.append(("answered a different question", [f"{100 * figures[s]['answered_different_question']:12.1f}%" for s in splits]))
    for st in ("wrong", "empty", "abstained", "error"):
        rows.append((f"  {st}", [f"{figures[s]['status'][st]:>13}" for s in splits]))
    lp = "list P/R/F1 (mean)"
    rows.append((lp, [" {precision:.2f}/{recall:.2f}/{f1:.2f}".format(**figures[s]["list_partial"]) for s in splits]))
    rows.append(("answers with a distractor", [f"{figures[s]['with_distractor']:>13}" for s in splits]))
    w = max(len(r[0]) for r in rows)
    head = " " * w + "".join(f"  {s:>13}" for s in splits)
    return "\n".join([head] + [f"{name:<{w}}" + "".join(f"  {c:>13}" for c in cells) for name, cells in rows])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--split", choices=("dev", "heldout", "both"), default="dev")
    ap.add_argument("--json", nargs="?", const="-", metavar="PATH", help="write the figures as JSON (to stdout, or to PATH)")
    ap.add_argument("--show-failures", action="store_true", help="print the failed dev questions (never held-out ones)")
    args = ap.parse_args(argv)

    from kg import KnowledgeGraph

    g = KnowledgeGraph.open()
    questions = load()
    splits = ["dev", "heldout"] if args.split == "both" else [args.split]
    figures: dict[str, dict] = {}
    outcomes: dict[str, list[Outcome]] = {}
    for split in splits:
        outcomes[split] = [score(q, ask_one(g, q["question"])) for q in questions if q["split"] == split]
        figures[split] = summarize(outcomes[split])
    if args.json != "-":
        print(table(figures))
    if args.show_failures and "dev" in outcomes:
        print("\nfailed dev questions:")
        for o in outcomes["dev"]:
            if not o.right:
                gap = " [data gap]" if o.data_gap else ""
                print(f"{o.id} {o.kind:<8} {o.status:<9}{gap} {o.question}\n    expected {o.expected}\n    got {o.intent} -> {o.got}")
    if args.json:
        out = {"figures": figures, "dev_outcomes": [asdict(o) for o in outcomes.get("dev", [])]}
        text = json.dumps(out, indent=2, ensure_ascii=False, default=str)
        if args.json == "-":
            print(text)
        else:
            Path(args.json).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
