"""Each kind of bad input: one clear message naming file and line, exit 2, no traceback,
nothing written. Data-driven: (file, edit, expected message, expected line)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import kg_in_process, run_kg


def _replace(old: str, new: str):
    def edit(text: str) -> str:
        assert old in text, f"fixture no longer contains {old!r}"
        return text.replace(old, new, 1)

    return edit


def _append(extra: str):
    return lambda text: text + extra


CLAIM = 'claims:\n  - id: jack-ma-claim\n    claimant: jack-ma\n    about: [alibaba]\n    quote: "Alibaba launched its own model"\n    start: 129\n    end: 159\n'
AUTO = "auto"


class At(str):
    """Expected line: the first line of the edited file that contains this text."""


_LOL = "".join(f"  l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]\n" for n in range(1, 10))
BILLION_LAUGHS = "- id: lol\n  type: Person\n  label: &l0 lol\n  description:\n" + _LOL.replace("  l", "    l")


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
    # refused before anything is expanded: 9**9 references would take minutes and gigabytes
    ("alias-bomb", "data/entities/all.yaml", _append(BILLION_LAUGHS), "YAML anchors (&l0) are not allowed", At("&l0")),
    (
        "recursive-alias",
        "data/entities/all.yaml",
        _append("- &r\n  id: rec\n  type: Person\n  label: R\n  aliases: *r\n"),
        "YAML anchors (&r) are not allowed",
        At("&r"),
    ),
    ("alias", "data/entities/all.yaml", _replace("aliases: [President Xi]", "aliases: *xi"), "YAML aliases (*xi) are not allowed", AUTO),
    ("merge-key", "data/facts/mini.yaml", _replace("    predicate: venue", "    <<: *base\n    predicate: venue"), "YAML aliases", AUTO),
    (
        "deep-nesting",
        "data/entities/all.yaml",
        _replace("aliases: [President Xi]", "aliases: " + "[" * 5000 + "]" * 5000),
        "nested more than 32 levels deep",
        AUTO,
    ),  # fmt: skip
    ("aliases-not-a-list", "data/entities/all.yaml", _replace("aliases: [President Xi]", "aliases: Trump"), "must be a list of text", AUTO),
    (
        "alias-not-text",
        "data/entities/all.yaml",
        _replace("aliases: [President Xi]", "aliases: [President Xi, 12]"),
        "not the number 12",
        AUTO,
    ),
    ("label-list", "data/entities/all.yaml", _replace("label: Jack Ma", "label: [Alexa, Pan]"), "'label' must be text, not a list", AUTO),
    ("label-mapping", "data/entities/all.yaml", _replace("label: Jack Ma", "label: {first: Jack}"), "'label' must be text", AUTO),
    ("label-bool", "data/entities/all.yaml", _replace("label: Jack Ma", "label: yes"), "'label' must be text, not true/false", AUTO),
    (
        "description-list",
        "data/entities/all.yaml",
        _replace("description: Chinese company.", "description: [a, b]"),
        "'description' must be text",
        AUTO,
    ),
    ("subject-number", "data/facts/mini.yaml", _replace("subject: great-hall-meeting", "subject: 12"), "'subject' must be text", AUTO),
    ("impossible-date", "data/sources.yaml", _replace('date: "2025-02"', "date: 2025-02-30"), "'2025-02-30' is not a real date", AUTO),
    ("not-finite", "data/facts/mini.yaml", _replace("value: 1.0e+24", "value: .nan"), "not a finite number", AUTO),
    ("url-space", "data/sources.yaml", _replace("url: null", "url: http://exa mple.com/"), "is not a valid IRI: it contains ' '", AUTO),
    ("url-scheme", "data/sources.yaml", _replace("url: null", 'url: "javascript:alert(1)"'), "scheme http or https", AUTO),
    ("url-relative", "data/sources.yaml", _replace("url: null", "url: example.com/page"), "not an absolute IRI", AUTO),
    ("url-no-host", "data/sources.yaml", _replace("url: null", "url: https:///x"), "has no host", AUTO),
    ("url-brace", "data/sources.yaml", _replace("url: null", 'url: "https://example.com/{x}"'), "contains '{'", AUTO),
    ("url-bad-escape", "data/sources.yaml", _replace("url: null", "url: https://example.com/%zz"), "not a valid IRI", AUTO),
    (
        "sameas-not-iri",
        "data/entities/all.yaml",
        _replace("label: Jack Ma", 'label: Jack Ma\n  sameAs: ["https://exa mple.com/", "x"]'),
        "sameAs 'https://exa mple.com/' is not a valid IRI",
        At("sameAs"),
    ),
    (
        "sameas-control",
        "data/entities/all.yaml",
        _replace("label: Jack Ma", 'label: Jack Ma\n  sameAs: ["https://example.com/\\x01"]'),
        "contains '\\x01'",
        At("sameAs"),
    ),
    # issue 11: bounds, refers, pending checks, term qualifiers, claims
    ("bound-unknown", "data/facts/mini.yaml", _replace("value: 1.0e+24", "value: 1.0e+24\n    bound: roughly"), "bound must be one of", At("bound:")),
    ("bound-on-object", "data/facts/mini.yaml", _replace("object: alibaba", "object: alibaba\n    bound: moreThan"), "'bound' qualifies a value", At("bound:")),
    ("bound-as-qualifier", "data/facts/mini.yaml", _replace("condition: launched", "bound: moreThan\n      condition: launched"), "is a field of the fact", At("bound:")),
    ("refers-not-in-quote", "data/facts/mini.yaml", _replace("{great-hall-meeting: In attendance}", "{great-hall-meeting: the meeting}"), "'the meeting' (for 'great-hall-meeting') is not in the quote", AUTO),
    ("refers-not-an-end", "data/facts/mini.yaml", _replace("{great-hall-meeting: In attendance}", "{alibaba: In attendance}"), "'alibaba' is not an end of this fact", AUTO),
    ("pending-unknown", "data/facts/mini.yaml", _replace("source: mini", "source: mini\npending: [everything]"), "unknown check 'everything'", AUTO),
    ("term-qualifier-dangling", "data/facts/mini.yaml", _replace("condition: launched", "activity: [nowhere]\n      condition: launched"), "qualifier activity 'nowhere' is not a known entity id", None),
    ("claim-without-claimant", "data/facts/mini.yaml", _append(CLAIM.replace("    claimant: jack-ma\n", "")), "claim lacks required field 'claimant'", At("jack-ma-claim")),
    ("claim-dangling-claimant", "data/facts/mini.yaml", _append(CLAIM.replace("claimant: jack-ma", "claimant: jack-mma")), "claimant of a claim 'jack-mma' is not a known entity id (did you mean 'jack-ma'?)", At("claimant:")),
    ("claim-id-is-an-entity", "data/facts/mini.yaml", _append(CLAIM.replace("id: jack-ma-claim", "id: jack-ma")), "duplicate id 'jack-ma'", At("id: jack-ma")),
    ("claim-unknown-field", "data/facts/mini.yaml", _append(CLAIM.replace("about:", "abuot:")), "unknown field 'abuot' in claim (did you mean 'about'?)", At("abuot")),
    ("claim-bad-month", "data/facts/mini.yaml", _append(CLAIM + '    date: "--13"\n'), "'--13' is not a real date", At("--13")),
    ("claim-offsets", "data/facts/mini.yaml", _append(CLAIM.replace("end: 159", "end: 160")), "offsets 129..160", At("end: 160")),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(mini, case):
    _id, rel, edit, fragment, line = case
    target = mini.data.parent / rel
    text = target.read_text(encoding="utf-8")
    edited = edit(text)
    target.write_bytes(edited.encode("utf-8", "surrogateescape"))
    if line == AUTO:
        line = _first_changed_line(text, edited)
    elif isinstance(line, At):
        line = next(n for n, t in enumerate(edited.splitlines(), start=1) if line in t)

    for command in (["build"], ["validate"]):
        proc = kg_in_process(mini, *command)  # the subprocess path: test_malformed_turtle_names_file_and_line, test_build.py
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
