"""Shape of the `kg ask` evaluation set (tests/data/ask_eval.yaml, see docs/ask-eval.md).

The set is judged against the parser elsewhere; here only its form is checked, so that a broken entry (an id
that does not exist, a lost split, a quote that is not in the source) is caught when the file is edited, not
when the scores look odd. Nothing here imports or runs the parser.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT, SHARED_SOURCES

EVAL = ROOT / "tests" / "data" / "ask_eval.yaml"
KINDS = {"list", "yesno", "count", "value", "date", "describe", "none"}
SOURCES = {"000": "000_4c4716a0aeb260af", "001": "001_6f8456d336a4a46f", "002": "002_fa1702329fcaa973"}
SPLITS = {"dev", "heldout"}
BOUNDS = {"more-than", "less-than", "at-least", "at-most", "approximately", "range", "within"}
REQUIRED = {"id", "source", "question", "kind", "answers", "evidence", "split"}
OPTIONAL = {"distractors", "data_gap", "gap", "also_sources", "form", "note", "batch"}
DATE = re.compile(r"^(\d{4}(-\d{2}(-\d{2})?)?|--\d{2}|\d{4}/\d{4})$")


def _questions() -> list[dict[str, Any]]:
    data = yaml.safe_load(EVAL.read_text(encoding="utf-8"))
    assert isinstance(data, list)
    return data


def _entity_ids() -> set[str]:
    ids: set[str] = set()
    for path in sorted((ROOT / "data" / "entities").glob("*.yaml")):
        ids |= {entity["id"] for entity in yaml.safe_load(path.read_text(encoding="utf-8"))}
    return ids


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _value_ok(answer: Any) -> bool:
    if not isinstance(answer, dict) or "value" not in answer:
        return False
    if set(answer) - {"value", "unit", "bound", "qualifier"}:
        return False
    if "bound" in answer and answer["bound"] not in BOUNDS:
        return False
    value = answer["value"]
    if answer.get("bound") == "range":
        return isinstance(value, list) and len(value) == 2 and all(_number(v) for v in value)
    if "unit" in answer:
        return _number(value)  # a figure with a unit must load as a number, not as a string like "1e+23"
    return isinstance(value, (str, list)) and bool(value)  # a literal answer: a title, a role, a phrase


def test_entries_have_the_documented_fields() -> None:
    for q in _questions():
        assert REQUIRED <= set(q), q.get("id")
        assert not set(q) - REQUIRED - OPTIONAL, (q["id"], set(q) - REQUIRED - OPTIONAL)
        assert isinstance(q["question"], str) and q["question"].strip(), q["id"]
        assert isinstance(q["evidence"], str) and q["evidence"].strip(), q["id"]


def test_ids_are_unique_and_numbered() -> None:
    ids = [q["id"] for q in _questions()]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"q\d{3}", i) for i in ids)
    assert len({q["question"].strip().lower() for q in _questions()}) == len(ids), "a question is repeated"


def test_kinds_sources_and_answer_shapes() -> None:
    for q in _questions():
        kind, answers = q["kind"], q["answers"]
        assert kind in KINDS, q["id"]
        assert q["source"] in SOURCES, q["id"]
        assert set(q.get("also_sources", [])) <= set(SOURCES) - {q["source"]}, q["id"]
        if kind in {"list", "describe"}:
            assert isinstance(answers, list) and answers, q["id"]
            assert all(isinstance(a, str) for a in answers), q["id"]
            assert len(answers) == len(set(answers)), q["id"]
            assert kind == "list" or len(answers) == 1, q["id"]
        elif kind == "none":
            assert answers == [], q["id"]
        elif kind == "yesno":
            assert answers in ("yes", "no"), q["id"]
        elif kind == "count":
            assert isinstance(answers, int) and not isinstance(answers, bool) and answers >= 0, q["id"]
        elif kind == "value":
            alternatives = answers if isinstance(answers, list) else [answers]
            assert alternatives and all(_value_ok(a) for a in alternatives), q["id"]
        elif kind == "date":
            assert isinstance(answers, str) and DATE.match(answers), q["id"]
        if q.get("data_gap"):
            assert q["data_gap"] is True and q.get("gap"), q["id"]


def test_answer_and_distractor_ids_exist() -> None:
    known = _entity_ids()
    for q in _questions():
        ids = list(q.get("distractors", []))
        if q["kind"] in {"list", "describe"}:
            ids += q["answers"]
        missing = [i for i in ids if not i.startswith("new:") and i not in known]
        assert not missing, (q["id"], missing)
        if q["kind"] in {"list", "describe"}:
            assert not set(q["answers"]) & set(q.get("distractors", [])), q["id"]


def test_size_and_mix() -> None:
    questions = _questions()
    assert len(questions) >= 150
    kinds = Counter(q["kind"] for q in questions)
    assert kinds["none"] >= 0.10 * len(questions)
    assert set(kinds) == KINDS
    yesno = Counter(q["answers"] for q in questions if q["kind"] == "yesno")
    assert yesno["yes"] and yesno["no"]
    per_source = Counter(q["source"] for q in questions)
    assert all(per_source[s] >= 0.25 * len(questions) for s in SOURCES), per_source


def test_splits_are_balanced() -> None:
    questions = _questions()
    assert {q["split"] for q in questions} == SPLITS
    overall = Counter(q["split"] for q in questions)
    assert abs(overall["dev"] - overall["heldout"]) <= 2, overall
    for field in ("source", "kind"):
        for key in {q[field] for q in questions}:
            c = Counter(q["split"] for q in questions if q[field] == key)
            assert abs(c["dev"] - c["heldout"]) <= 3, (field, key, c)
            if sum(c.values()) >= 4:
                assert c["dev"] and c["heldout"], (field, key, c)


def _squash(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.skipif(not SHARED_SOURCES.is_dir(), reason="the first sources are not beside the checkout")
def test_evidence_is_verbatim_in_its_source() -> None:
    texts = {sid: _squash((SHARED_SOURCES / f"{name}.txt").read_text(encoding="utf-8")) for sid, name in SOURCES.items()}
    for q in _questions():
        assert _squash(q["evidence"]) in texts[q["source"]], (q["id"], q["evidence"])
