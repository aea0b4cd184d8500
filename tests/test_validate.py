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


def _line_of(mini, text: str) -> int:
    lines = (mini.data / "facts" / "mini.yaml").read_text().splitlines()
    return next(n for n, line in enumerate(lines, start=1) if text in line)


def test_quote_must_name_both_ends_or_say_which_words_do(mini):
    # "In attendance was Jack Ma" names Jack Ma only; its `refers` says which words stand for the meeting.
    _shift_quote(mini, "\n    refers: {great-hall-meeting: In attendance}", "")
    proc = run_kg(mini, "validate")
    assert proc.returncode == 1
    line = _line_of(mini, "predicate: attendee") - 1  # the fact's `- subject:` line
    assert (
        f"mini.yaml:{line}: great-hall-meeting attendee jack-ma: the quote names neither label nor alias of great-hall-meeting"
        in proc.stdout
    )
    assert "quote-ends: mini: 4 of 5 facts between two entities name both ends (enforced)" in proc.stdout


def test_an_alias_in_the_quote_names_the_end(mini):
    _shift_quote(mini, "\n    refers: {great-hall-meeting: In attendance}", "")
    ents = mini.data / "entities" / "all.yaml"
    ents.write_text(ents.read_text().replace("label: Great Hall meeting\n", "label: Great Hall meeting\n  aliases: [attendance]\n", 1))
    proc = run_kg(mini, "validate")
    assert proc.returncode == 0, proc.stdout
    assert "5 of 5 facts between two entities name both ends" in proc.stdout


def test_pending_quote_ends_is_counted_not_failed_and_listed_on_request(mini):
    _shift_quote(mini, "\n    refers: {great-hall-meeting: In attendance}", "")
    _shift_quote(mini, "source: mini\n", "source: mini\npending: [quote-ends]\n")
    proc = run_kg(mini, "validate")
    assert proc.returncode == 0, proc.stdout
    assert "quote-ends: mini: 4 of 5 facts between two entities name both ends (pending)" in proc.stdout
    assert "great-hall-meeting attendee jack-ma" not in proc.stdout
    listed = run_kg(mini, "validate", "--pending")
    assert listed.returncode == 0
    assert "pending: " in listed.stdout and "great-hall-meeting attendee jack-ma" in listed.stdout


def _related_to(mini, note: str = "") -> None:
    extra = f"\n    note: {note}" if note else ""
    _shift_quote(mini, "  - subject: alibaba\n    predicate: founder", "  - subject: alibaba\n    predicate: relatedTo")
    _shift_quote(mini, '    quote: "Jack Ma, founder of Alibaba"\n    start: 100\n    end: 127',
                 '    quote: "Jack Ma, founder of Alibaba"\n    start: 100\n    end: 127' + extra)  # fmt: skip


def test_related_to_without_a_note_is_a_violation(mini):
    _related_to(mini)
    proc = run_kg(mini, "validate")
    assert proc.returncode == 1
    assert f"mini.yaml:{_line_of(mini, 'predicate: relatedTo') - 1}:" in proc.stdout and "relatedTo fact needs a note" in proc.stdout
    assert "relatedTo: mini: 1 of 6 facts (16.7%), 1 without a note (enforced)" in proc.stdout


def test_related_to_with_a_note_conforms_and_pending_defers_the_rule(mini):
    _related_to(mini, "the text does not say how")
    assert run_kg(mini, "validate").returncode == 0
    mini_facts = mini.data / "facts" / "mini.yaml"
    mini_facts.write_text(
        mini_facts.read_text()
        .replace("\n    note: the text does not say how", "", 1)
        .replace("source: mini\n", "source: mini\npending: [related-to-note]\n", 1)
    )
    proc = run_kg(mini, "validate")
    assert proc.returncode == 0, proc.stdout
    assert "1 without a note (pending)" in proc.stdout
