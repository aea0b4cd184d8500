"""Growing the graph: kg source add / extract / review / unmerge, on copies of the data."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

TEXT = """<html><head><script>alert(1)</script></head><body>
<p>Zhipu AI released GLM-4, a new model. Jack Ma, founder of Alibaba, met Xi Jinping.</p>
<p>Naibeige LLM Lab trained Naibeige-32B. The Center for Applied Compute (CAC) published a report.</p>
</body></html>
"""


@pytest.fixture
def env(tmp_path: Path) -> dict:
    shutil.copytree(ROOT / "data", tmp_path / "data")
    e = dict(os.environ)
    e.update(KG_DATA_DIR=str(tmp_path / "data"), KG_HOME=str(tmp_path / "home"), KG_CORPUS_DIR=str(tmp_path / "corpus"))
    return e


def kg(env: dict, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", *args], input=stdin, capture_output=True, text=True, env=env, timeout=300)


def tree_hash(folder: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(folder.rglob("*")):
        if f.is_file():
            h.update(str(f.relative_to(folder)).encode() + f.read_bytes())
    return h.hexdigest()


def added(env: dict, tmp_path: Path) -> str:
    page = tmp_path / "page.html"
    page.write_text(TEXT)
    proc = kg(env, "source", "add", str(page), "--title", "A test page", "--date", "2025-03")
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()[2]


def test_bad_inputs_are_refused_and_data_is_untouched(env, tmp_path):
    before = tree_hash(tmp_path / "data")
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "empty.txt").write_text("  \n")
    (tmp_path / "latin1.txt").write_bytes("caf\xe9 au lait".encode("latin-1"))
    for name, message in [("bin.txt", "binary"), ("empty.txt", "empty"), ("latin1.txt", "unknown encoding")]:
        proc = kg(env, "source", "add", str(tmp_path / name))
        assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr
    sid = added(env, tmp_path)
    again = kg(env, "source", "add", str(tmp_path / "page.html"))
    assert again.returncode == 2 and f"already added, as source {sid!r}" in again.stderr
    known = kg(env, "source", "add", str(ROOT.parent / "shared" / "sources" / "002_fa1702329fcaa973.txt"))
    if (ROOT.parent / "shared" / "sources").is_dir():
        assert known.returncode == 2 and "already a curated source" in known.stderr
    assert kg(env, "source", "add", str(tmp_path / "page.html"), "--date", "March").returncode == 2
    assert tree_hash(tmp_path / "data") == before, "nothing in data/ changes before a review is applied"
    text = (tmp_path / "corpus" / f"{sid}.txt").read_text()
    assert "alert(1)" not in text and "Zhipu AI released GLM-4" in text


def test_extract_proposes_mentions_entities_merges_relations(env, tmp_path):
    sid = added(env, tmp_path)
    assert kg(env, "extract", sid).returncode == 0
    draft = yaml.safe_load((tmp_path / "corpus" / f"{sid}.draft.yaml").read_text())
    items = draft["items"]
    assert all(i["status"] == "proposed" for i in items)
    text = (tmp_path / "corpus" / f"{sid}.txt").read_text()
    assert all(text[i["start"] : i["end"]] == i["quote"] for i in items)
    mentions = {i["entity"] for i in items if i["kind"] == "mention"}
    assert {"zhipu-ai", "jack-ma", "alibaba", "xi-jinping"} <= mentions
    new = {i["label"]: i for i in items if i["kind"] == "entity"}
    assert new["GLM-4"]["type"] == "AIModel" and new["Center for Applied Compute"]["aliases"] == ["CAC"]
    merges = [i for i in items if i["kind"] == "merge"]
    assert [(m["name"], m["into"]) for m in merges] == [("Naibeige LLM Lab", "nanbeige-llm-lab")]  # a typo: proposed, not merged
    facts = {(i["subject"], i["predicate"], i["object"]) for i in items if i["kind"] == "fact"}
    assert ("glm-4", "developer", "zhipu-ai") in facts and ("alibaba", "founder", "jack-ma") in facts


def test_review_is_resumable_remembers_rejections_and_applies_validly(env, tmp_path):
    sid = added(env, tmp_path)
    kg(env, "extract", sid)
    first = kg(env, "review", sid, stdin="a\n\nr\nwrong\nq\n")
    assert first.returncode == 0 and "1 accepted, 1 rejected" in first.stdout
    second = kg(env, "review", sid, stdin="q\n")  # resumes at the third item
    assert "[1/" in second.stdout and "1 accepted, 1 rejected" in second.stdout
    before = tree_hash(tmp_path / "data")
    assert kg(env, "review", sid, "--accept-all", "--apply", "--reviewer", "tester").returncode == 0
    assert tree_hash(tmp_path / "data") != before
    v = kg(env, "validate", "--sources", str(tmp_path / "corpus"))
    assert v.returncode == 0, v.stdout + v.stderr
    ents = yaml.safe_load((tmp_path / "data" / "entities" / "organizations.yaml").read_text())
    assert "Naibeige LLM Lab" in next(e for e in ents if e["id"] == "nanbeige-llm-lab")["aliases"]
    log = yaml.safe_load((tmp_path / "data" / "merges.yaml").read_text())
    assert log[-1]["alias"] == "Naibeige LLM Lab" and log[-1]["reviewer"] == "tester"
    ask = kg(env, "ask", "who developed GLM-4")
    assert ask.returncode == 0 and "Zhipu AI" in ask.stdout
    undo = kg(env, "unmerge", "Naibeige LLM Lab")
    assert undo.returncode == 0
    ents = yaml.safe_load((tmp_path / "data" / "entities" / "organizations.yaml").read_text())
    assert "Naibeige LLM Lab" not in next(e for e in ents if e["id"] == "nanbeige-llm-lab").get("aliases", [])
    # rejected proposals are not proposed again
    kg(env, "extract", sid)
    draft = yaml.safe_load((tmp_path / "corpus" / f"{sid}.draft.yaml").read_text())
    assert sum(1 for i in draft["items"] if i["status"] == "rejected") == 1


def _accept_all_with_edit(env, tmp_path, edit) -> str:
    """Extracts, accepts every item, and lets `edit(item)` play a reviewer's (bad) edit."""
    sid = added(env, tmp_path)
    kg(env, "extract", sid)
    draft_file = tmp_path / "corpus" / f"{sid}.draft.yaml"
    draft = yaml.safe_load(draft_file.read_text())
    for i in draft["items"]:
        i["status"] = "accepted"
        edit(i)
    draft_file.write_text(yaml.safe_dump(draft, sort_keys=False, allow_unicode=True))
    return sid


def test_apply_that_would_not_load_changes_nothing(env, tmp_path):
    def edit(i):
        if i["kind"] == "fact":
            i["predicate"] = "inventedd"

    sid = _accept_all_with_edit(env, tmp_path, edit)
    before = tree_hash(tmp_path / "data")
    proc = kg(env, "review", sid, "--apply")
    assert proc.returncode == 2 and "unknown predicate 'inventedd'" in proc.stderr
    assert tree_hash(tmp_path / "data") == before


def test_apply_that_would_break_a_shape_changes_nothing(env, tmp_path):
    def edit(i):
        if i["kind"] == "fact" and i["predicate"] == "founder":
            i["predicate"] = "attendee"  # Alibaba is no event: the attendee shape refuses it

    sid = _accept_all_with_edit(env, tmp_path, edit)
    before = tree_hash(tmp_path / "data")
    proc = kg(env, "review", sid, "--apply")
    assert proc.returncode == 1 and "not applied" in proc.stdout and "kgo:Event" in proc.stdout
    assert tree_hash(tmp_path / "data") == before


def _refused(proc: subprocess.CompletedProcess, *words: str) -> None:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kg: error: ") and "Traceback" not in proc.stderr, proc.stderr
    assert all(w in lines[0] for w in words), lines[0]


def test_source_add_after_an_apply_that_rejected_something(env, tmp_path):
    """Regression: `kg review --apply` writes rejected.json into the corpus; `kg source add` read
    it as a source record and crashed (exit 3)."""
    sid = added(env, tmp_path)
    kg(env, "extract", sid)
    assert "0 accepted, 1 rejected" in kg(env, "review", sid, stdin="r\n\nq\n").stdout
    applied = kg(env, "review", sid, "--accept-all", "--apply")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert (tmp_path / "corpus" / "rejected.json").exists()
    (tmp_path / "second.txt").write_text("Zhipu AI released GLM-5 in Beijing.\n")
    second = kg(env, "source", "add", str(tmp_path / "second.txt"))
    assert second.returncode == 0, second.stderr
    _refused(kg(env, "extract", "rejected"), "not a source id")
    missing = kg(env, "extract", "nothing_here")
    _refused(missing, "no added source")
    assert "rejected" not in missing.stderr.split("added:")[1]


def test_source_ids_never_leave_the_corpus(env, tmp_path):
    """`kg extract ../x` read a crafted record beside the corpus and wrote its draft there."""
    sid = added(env, tmp_path)
    (tmp_path / "x.json").write_text('{"id": "x", "file": "x.txt", "sha256": ""}')
    (tmp_path / "x.txt").write_text("Jack Ma founded Alibaba.\n")
    for bad in ("../x", "a/b", "/etc/passwd", ".hidden", ""):
        _refused(kg(env, "extract", bad), "not a source id")
        _refused(kg(env, "review", bad), "not a source id")
    assert not list(tmp_path.glob("*.draft.yaml"))
    record = tmp_path / "corpus" / f"{sid}.json"
    crafted = record.read_text().replace(f'"{sid}.txt"', '"../x.txt"')
    record.write_text(crafted)
    _refused(kg(env, "extract", sid), "file must be")
    record.write_text(crafted.replace('"../x.txt"', f'"{sid}.txt"'))
    text = tmp_path / "corpus" / f"{sid}.txt"
    text.unlink()
    text.symlink_to(tmp_path / "x.txt")  # a text that is a link out of the corpus
    _refused(kg(env, "extract", sid), "outside the corpus")


def test_source_add_refuses_devices_fifos_and_large_files_quickly(env, tmp_path):
    _refused(kg(env, "source", "add", "/dev/zero"), "not a regular file")  # was MemoryError
    fifo = tmp_path / "fifo.txt"
    os.mkfifo(fifo)
    _refused(kg(env, "source", "add", str(fifo)), "not a regular file", "FIFO")  # was a hang (no writer)
    big = tmp_path / "big.txt"
    with open(big, "wb") as f:
        f.truncate(5 * 1024 * 1024 + 1)  # sparse: the size is refused before anything is read
    _refused(kg(env, "source", "add", str(big)), "larger than 5 MB")
    _refused(kg(env, "source", "add", str(tmp_path)), "not a regular file")


def test_source_add_encodings(env, tmp_path):
    late_nul = tmp_path / "late.txt"
    late_nul.write_bytes(b"Jack Ma founded Alibaba. " * 1000 + b"\x00")  # the NUL is past the first 8 KB
    _refused(kg(env, "source", "add", str(late_nul)), "binary", "byte 25000")
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Le caf\xe9 de Jack Ma.".encode("latin-1"))
    _refused(kg(env, "source", "add", str(latin)), "not UTF-8", "byte 6")
    bad16 = tmp_path / "bad16.txt"
    bad16.write_bytes(b"\xff\xfe" + "Jack".encode("utf-16-le") + b"\x00\xd8")  # a lone high surrogate
    _refused(kg(env, "source", "add", str(bad16)), "not valid UTF-16")
    for n, (enc, bom) in enumerate([("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"), ("utf-32-le", b"\xff\xfe\x00\x00"),
                                    ("utf-32-be", b"\x00\x00\xfe\xff"), ("utf-8", b"\xef\xbb\xbf")]):  # fmt: skip
        f = tmp_path / f"t{n}.txt"
        text = f"Text {n}: Jack Ma, founder of Alibaba, met Xi Jinping in Zürich.\n"
        f.write_bytes(bom + text.encode(enc))
        proc = kg(env, "source", "add", str(f))
        assert proc.returncode == 0, (enc, proc.stderr)
        sid = proc.stdout.split()[2]
        assert (tmp_path / "corpus" / f"{sid}.txt").read_text(encoding="utf-8") == text, enc
