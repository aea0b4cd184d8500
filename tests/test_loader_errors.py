"""Each kind of bad input: one clear message naming file and line, exit 2, no traceback,
nothing written. Data-driven: (file, edit, expected message, expected line)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_kg


def _replace(old: str, new: str):
    def edit(text: str) -> str:
        assert old in text, f"fixture no longer contains {old!r}"
        return text.replace(old, new, 1)

    return edit


def _append(extra: str):
    return lambda text: text + extra


AUTO = "auto"


def _first_changed_line(before: str, after: str) -> int:
    for n, (a, b) in enumerate(zip(before.splitlines(), after.splitlines(), strict=False), start=1):
        if a != b:
            return n
    return len(before.splitlines()) + 1


CASES = [
    # id, file, edit, message fragment, line: AUTO = the first line the edit changed, None = not checked
    ("malformed-yaml", "data/facts/mini.yaml", _replace("predicate: venue", "predicate: [venue"), "malformed YAML", None),
    (
        "unknown-type",
        "data/entities/all.yaml",
        _replace("type: Company", "type: Compnay"),
        "unknown type 'Compnay' (did you mean 'Company'?)",
        AUTO,
    ),
    (
        "unknown-predicate",
        "data/facts/mini.yaml",
        _replace("predicate: attendee", "predicate: atendee"),
        "unknown predicate 'atendee'",
        AUTO,
    ),
    (
        "unknown-qualifier",
        "data/facts/mini.yaml",
        _replace("condition: launched", "conditon: launched"),
        "unknown qualifier 'conditon'",
        AUTO,
    ),
    (
        "unknown-field",
        "data/entities/all.yaml",
        _replace("  description: Chinese company.", "  descripton: Chinese company."),
        "unknown field 'descripton'",
        AUTO,
    ),
    (
        "duplicate-id",
        "data/entities/all.yaml",
        _append("- id: jack-ma\n  type: Person\n  label: Jack Ma again\n"),
        "duplicate entity id 'jack-ma'",
        AUTO,
    ),
    (
        "dangling-object",
        "data/facts/mini.yaml",
        _replace("object: jack-ma", "object: jack-maa"),
        "object 'jack-maa' is not a known entity id",
        AUTO,
    ),
    ("dangling-broader", "data/entities/all.yaml", _replace("broader: [artificial-intelligence]", "broader: [ai]"), "broader 'ai'", AUTO),
    ("object-vs-value", "data/facts/mini.yaml", _replace("object: alibaba", "value: alibaba"), "relates two entities", AUTO),
    ("bad-date", "data/sources.yaml", _replace('date: "2025-02"', 'date: "2025-13"'), "not a real date", AUTO),
    ("bad-number", "data/facts/mini.yaml", _replace("value: 1.0e+24", "value: lots"), "is not a valid double", AUTO),
    ("offset-length", "data/facts/mini.yaml", _replace("end: 48", "end: 49"), "offsets", AUTO),
    ("bad-slug", "data/entities/all.yaml", _replace("id: jack-ma", "id: Jack_Ma"), "is not a slug", AUTO),
    ("unknown-source", "data/facts/mini.yaml", _replace("source: mini", "source: maxi"), "unknown source 'maxi'", AUTO),
    ("not-utf8", "data/entities/all.yaml", lambda t: t.replace("Jack Ma", "Jack M\udce1", 1), "not UTF-8", None),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(mini, case):
    _id, rel, edit, fragment, line = case
    target = mini.data.parent / rel
    text = target.read_text(encoding="utf-8")
    edited = edit(text)
    target.write_bytes(edited.encode("utf-8", "surrogateescape"))
    if line == AUTO:
        line = _first_changed_line(text, edited)

    for command in (["build"], ["validate"]):
        proc = run_kg(mini, *command)
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr + proc.stdout
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1, proc.stderr
        assert fragment in lines[0]
        assert Path(rel).name in lines[0]
        if line is not None:
            assert f"{Path(rel).name}:{line}:" in lines[0]
    assert not (mini.home / "current").exists(), "a failed build must write nothing"


def test_malformed_turtle_names_file_and_line(mini):
    onto = mini.ontology / "kg.ttl"
    lines = onto.read_text().splitlines()
    lines.insert(40, "kgo:Broken a owl:Class ; rdfs:label .")
    onto.write_text("\n".join(lines) + "\n")
    proc = run_kg(mini, "build")
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert "kg.ttl:41:" in proc.stderr and "malformed Turtle" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_usage_error_exits_2(mini):
    proc = run_kg(mini, "stats", "--format", "xml")
    assert proc.returncode == 2
    assert "--format" in proc.stderr
