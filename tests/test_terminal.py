"""Labels from data cannot drive the user's terminal: control characters are shown, not sent."""

from __future__ import annotations

import json

from kg.paths import Paths
from kg.terminal import clean
from tests.conftest import run_kg

EVIL = "Jack\x1b]0;pwn\x07 Ma\x1b[2J\x9b31m"


def poison(mini: Paths) -> None:
    f = mini.data / "entities" / "all.yaml"
    text = f.read_text(encoding="utf-8")
    escaped = EVIL.encode("unicode_escape").decode()  # YAML double quotes read \xNN
    assert "label: Jack Ma\n" in text
    f.write_text(text.replace("label: Jack Ma\n", f'label: "{escaped}"\n  aliases: [Jack Ma]\n'), encoding="utf-8")


def test_clean_keeps_layout_and_shows_controls():
    assert clean("a\tb\nc\x1b[2J\x07\x7f\x9b") == "a\tb\nc\\x1b[2J\\x07\\x7f\\x9b"
    assert clean("a\nb", keep_layout=False) == "a\\x0ab"
    assert clean("Pony Ma 马化腾") == "Pony Ma 马化腾"


def test_escape_sequences_in_labels_are_not_printed_raw(mini: Paths):
    """Regression: `kg search` / `show` printed a label's ESC ] 0 ; ... BEL and ESC [ 2 J raw."""
    poison(mini)
    outputs = {
        "search": run_kg(mini, "search", "jack"),
        "show": run_kg(mini, "show", "jack-ma"),
        "neighbors": run_kg(mini, "neighbors", "Great Hall meeting"),
        "path": run_kg(mini, "path", "Jack Ma", "Xi Jinping"),
        "ask": run_kg(mini, "ask", "who attended the Great Hall meeting"),
        "query": run_kg(mini, "query", "SELECT ?l WHERE { kgr:jack-ma rdfs:label ?l }"),
    }
    for name, proc in outputs.items():
        assert proc.returncode == 0, (name, proc.stderr)
        for raw in ("\x1b", "\x07", "\x9b"):
            assert raw not in proc.stdout and raw not in proc.stderr, name
    assert "\\x1b]0;pwn\\x07" in outputs["show"].stdout and "\\x1b[2J" in outputs["search"].stdout
    hits = json.loads(run_kg(mini, "search", "jack", "--format", "json").stdout)
    assert EVIL in {h["label"] for h in hits}  # JSON keeps the data exact (json.dumps escapes it)
