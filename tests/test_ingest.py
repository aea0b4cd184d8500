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
