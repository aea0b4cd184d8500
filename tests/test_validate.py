"""validate: quotes at their offsets, sha256 of the text, shared aliases, SHACL on real builds."""

from __future__ import annotations

from tests.conftest import run_kg


def test_mini_fixture_conforms(mini):
    proc = run_kg(mini, "validate", "--sources", str(mini.sources))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "9 quotes checked" in proc.stdout


def _shift_quote(mini, old: str, new: str) -> None:
    facts = mini.data / "facts" / "mini.yaml"
    text = facts.read_text()
    assert old in text
    facts.write_text(text.replace(old, new, 1))


def test_wrong_quote_fails_with_file_line(mini):
    # Same length, so the loader accepts it; only the text can tell it is wrong.
    _shift_quote(mini, 'quote: "In attendance was Jack Ma"', 'quote: "In attendance was Pony Ma"')
    proc = run_kg(mini, "validate", "--sources", str(mini.sources))
    assert proc.returncode == 1
    assert "mini.yaml:" in proc.stdout and "quote not found" in proc.stdout and "not in the text" in proc.stdout


def test_right_quote_wrong_offsets_says_where_it_is(mini):
    facts = mini.data / "facts" / "mini.yaml"
    text = facts.read_text()
    i = text.index('quote: "In attendance was Jack Ma"')
    head, tail = text[:i], text[i:]
    import re

    m = re.search(r"start: (\d+)\n    end: (\d+)", tail)
    start, end = int(m.group(1)), int(m.group(2))
    tail = tail.replace(m.group(0), f"start: {start + 1}\n    end: {end + 1}", 1)
    facts.write_text(head + tail)
    proc = run_kg(mini, "validate", "--sources", str(mini.sources))
    assert proc.returncode == 1
    assert f"the quote occurs at {start}..{end}" in proc.stdout


def test_changed_source_text_is_caught_by_sha256(mini, tmp_path):
    altered = tmp_path / "altered"
    altered.mkdir()
    (altered / "mini.txt").write_text((mini.sources / "mini.txt").read_text().replace("Alibaba.", "Alibaba!"))
    proc = run_kg(mini, "validate", "--sources", str(altered))
    assert proc.returncode == 1
    assert "sha256" in proc.stdout


def test_alias_shared_by_two_entities_is_a_violation(mini):
    ents = mini.data / "entities" / "all.yaml"
    ents.write_text(ents.read_text().replace("label: Jack Ma\n", "label: Jack Ma\n  aliases: [president xi]\n", 1))
    proc = run_kg(mini, "validate")
    assert proc.returncode == 1
    assert "also a label or alias of 'xi-jinping'" in proc.stdout


def test_shacl_violation_is_reported_at_the_fact(mini):
    # An AI model cannot attend a meeting: attendee's range is Person, Organization or Country.
    _shift_quote(mini, 'object: jack-ma\n    quote: "In attendance', 'object: qwq-max\n    quote: "In attendance')
    proc = run_kg(mini, "validate")
    assert proc.returncode == 1
    assert "great-hall-meeting" in proc.stdout or "mini.yaml" in proc.stdout
    assert "attendee" in proc.stdout


def test_unmentioned_entity_is_a_violation(mini):
    ents = mini.data / "entities" / "all.yaml"
    ents.write_text(ents.read_text() + "- id: nobody\n  type: Person\n  label: Nobody\n")
    proc = run_kg(mini, "validate")
    assert proc.returncode == 1
    assert "all.yaml:" in proc.stdout and "no source mentions this entity" in proc.stdout


def test_missing_sources_folder_is_usage_error(mini, tmp_path):
    proc = run_kg(mini, "validate", "--sources", str(tmp_path / "nope"))
    assert proc.returncode == 2
    assert "sources folder not found" in proc.stderr
