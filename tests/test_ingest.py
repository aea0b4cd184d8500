"""Growing the graph: kg source add / extract / review / unmerge, on copies of the data."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, require_nlp

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


# --- issue 15: the NLP engine, batch review, apply errors naming the item ---------------------

_nlp_or_skip = require_nlp  # a skip without the nlp extra, a failure under KG_REQUIRE_NLP=1 (CI)


def test_missing_nlp_extra_fails_under_kg_require_nlp(monkeypatch):
    from kg.extract import nlp

    monkeypatch.setattr(nlp, "available", lambda: False)
    monkeypatch.setenv("KG_REQUIRE_NLP", "1")
    with pytest.raises(pytest.fail.Exception, match="KG_REQUIRE_NLP=1"):
        require_nlp()
    monkeypatch.delenv("KG_REQUIRE_NLP")
    with pytest.raises(pytest.skip.Exception):
        require_nlp()


def test_ci_installs_the_nlp_extra_and_requires_it():
    """CI runs both paths: the README's `make check` (rules), then `make test-nlp`, which installs the
    nlp extra and makes its absence a failure."""
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make check$", ci, re.M) and re.search(r"^make test-nlp$", ci, re.M)
    make = subprocess.run(["make", "-n", "-C", str(ROOT), "install", "NLP=1"], capture_output=True, text=True, check=True).stdout
    assert "--require-hashes -r requirements/nlp-model.txt" in make and ".[test,nlp]" in make
    nlp = subprocess.run(["make", "-n", "-C", str(ROOT), "test-nlp"], capture_output=True, text=True, check=True).stdout
    assert "KG_REQUIRE_NLP=1" in nlp and "install NLP=1" in nlp
    needing = {p.relative_to(ROOT).as_posix() for p in (ROOT / "tests").glob("test_*.py") if "require_nlp" in p.read_text()}
    assert needing <= set(nlp.split()), f"make test-nlp misses {needing - set(nlp.split())}"


@pytest.fixture(scope="module")
def lexicon(tmp_path_factory) -> dict:
    import json

    from kg.build import build
    from kg.paths import Paths

    home = tmp_path_factory.mktemp("lexicon-home")
    return json.loads(build(Paths(data=ROOT / "data", ontology=ROOT / "ontology", home=home)).lexicon.read_text(encoding="utf-8"))


ARTICLE = """Chip start-up draws scrutiny

Zhao Minghui founded Quantix Robotics in Hangzhou. Quantix Robotics’s founder, Zhao Minghui, met Wu Tingfang in Beijing.
Mr Zhao said the company will raise more than $300 million. Zhao added that prices will fall.
Zhipu Nova, a Beijing start-up, released the Nova-7 model.
The Commerce Department’s Bureau of Industry and Security (BIS) added 12 entities to the Entity List.
"""


def _items(draft: dict, kind: str) -> list[dict]:
    return [i for i in draft["items"] if i["kind"] == kind]


def test_nlp_names_titles_coreference_and_relations(lexicon):
    _nlp_or_skip()
    from kg.extract import extract

    draft = extract(ARTICLE, "t", lexicon, engine="nlp")
    assert draft["engine"].startswith("nlp")
    assert all(ARTICLE[i["start"] : i["end"]] == i["quote"] and i["sentence"] for i in draft["items"])
    new = {i["label"]: i for i in _items(draft, "entity")}
    assert "Zhao" not in new and "Mr Zhao" not in new, "a surname or 'Mr X' is the full name mentioned before"
    assert new["Zhao Minghui"]["type"] == "Person" and new["Quantix Robotics"]["type"] in ("Company", "Organization", "ResearchLab")
    assert new["Zhipu Nova"]["type"] == "Company", "the apposition 'a Beijing start-up' types it"
    assert new["Zhipu Nova"].get("description") == "a Beijing start-up", "the text's own words, no placeholder"
    assert (
        new["Bureau of Industry and Security"]["aliases"] == ["BIS"] and new["Bureau of Industry and Security"]["type"] == "GovernmentBody"
    )
    assert "Chip" not in new and "Chip start-up draws scrutiny" not in new, "a heading proposes nothing the body does not repeat"
    merges = {i["name"]: i["into"] for i in _items(draft, "merge")}
    assert merges.get("Commerce Department") == "us-department-of-commerce", "word order variant of a known name"
    facts = {(f["subject"], f["predicate"], f.get("object", f.get("value"))) for f in _items(draft, "fact")}
    ids = {i["label"]: i["id"] for i in _items(draft, "entity")}
    assert (ids["Quantix Robotics"], "founder", ids["Zhao Minghui"]) in facts, "'Y's founder, X' is stated the right way round"
    assert (ids["Zhao Minghui"], "founder", ids["Quantix Robotics"]) not in facts
    assert (ids["Bureau of Industry and Security"], "parentOrganization", "us-department-of-commerce") in facts
    money = [f for f in _items(draft, "fact") if f["predicate"] == "amountUSD"]
    assert money and money[0]["value"] == 300_000_000 and money[0]["qualifiers"] == {"condition": "more than"}


def test_nlp_common_word_alias_matches_only_with_its_case(lexicon):
    _nlp_or_skip()
    from kg.extract import extract

    known = dict(lexicon["entities"])
    known["https://example.org/will"] = {"id": "will-ai", "label": "Will AI", "aliases": ["Will"], "types": ["Company"]}
    text = "Prices will fall, analysts said. Will AI, a start-up, disagreed. Will prices rise? The firm Will said no.\n"
    draft = extract(text, "t", lexicon, known_entities=known, engine="nlp")
    linked = [i for i in _items(draft, "mention") if i["entity"] == "will-ai"]
    assert linked and all(text[i["start"] : i["end"]] != "will" for i in linked)
    assert all(i["start"] != text.index("Will prices") for i in linked), "not as a sentence's first word"


def test_rules_engine_still_works_and_auto_falls_back(lexicon, monkeypatch):
    from kg.errors import InputError
    from kg.extract import extract, nlp

    rules = extract(ARTICLE, "t", lexicon, engine="rules")
    assert rules["engine"] == "rules" and _items(rules, "entity")
    assert all(i["sentence"] for i in rules["items"]), "every item carries its sentence"
    monkeypatch.setattr(nlp, "available", lambda: False)
    assert extract(ARTICLE, "t", lexicon)["engine"] == "rules"
    with pytest.raises(InputError, match=r"pip install '\.\[nlp\]'"):
        extract(ARTICLE, "t", lexicon, engine="nlp")


def test_reupload_is_refused_when_a_pinned_file_differs(tmp_path):
    from kg.errors import InputError
    from kg.extract import nlp

    pkg = tmp_path / nlp.REUPLOAD
    for rel in nlp.PINNED:
        (pkg / rel).parent.mkdir(parents=True, exist_ok=True)
        (pkg / rel).write_bytes(b"not the pinned file")
    with pytest.raises(InputError, match="not the pinned one"):
        nlp.verify_reupload(pkg)


_PROBE = """import sys
sys.argv = ["kg", *sys.argv[1:]]
from kg.cli import main
try:
    main()
except SystemExit:
    pass
sys.stderr.write("SPACY-LOADED\\n" if any(m == "spacy" or m.startswith("spacy.") for m in sys.modules) else "NO-SPACY\\n")
"""


def test_read_commands_never_import_spacy(env, tmp_path):
    _nlp_or_skip()
    probe = tmp_path / "probe.py"
    probe.write_text(_PROBE)

    def loaded(*args: str) -> bool:
        proc = subprocess.run([sys.executable, str(probe), *args], capture_output=True, text=True, env=env, timeout=300)
        assert "SPACY" in proc.stderr, proc.stderr[-500:]
        return "SPACY-LOADED" in proc.stderr

    kg(env, "build")
    for args in (
        ["ask", "who developed GLM-4"],
        ["show", "Alibaba"],
        ["search", "Alibaba"],
        ["stats"],
        ["query", "SELECT * WHERE { ?s ?p ?o } LIMIT 1"],
    ):
        assert not loaded(*args), f"kg {args[0]} imported spaCy"
    sid = added(env, tmp_path)
    assert loaded("extract", sid), "the probe sees spaCy when a command does load it"


def _export(env, tmp_path, sid: str) -> tuple[Path, list[str]]:
    batch = tmp_path / "review.txt"
    proc = kg(env, "review", sid, "--export", str(batch))
    assert proc.returncode == 0, proc.stderr
    return batch, batch.read_text(encoding="utf-8").splitlines()


def _line(lines: list[str], *words: str) -> int:
    return next(n for n, line in enumerate(lines) if not line.startswith("#") and all(w in line for w in words))


def test_batch_review_edits_in_bulk_and_applies(env, tmp_path):
    sid = added(env, tmp_path)
    assert kg(env, "extract", sid).returncode == 0
    batch, lines = _export(env, tmp_path, sid)
    items = [line for line in lines if line and not line.startswith("#")]
    draft = yaml.safe_load((tmp_path / "corpus" / f"{sid}.draft.yaml").read_text())
    assert len(items) == len(draft["items"]), "one line per item"
    for n, line in enumerate(lines):  # each item line is followed by its sentence
        if line and not line.startswith("#"):
            assert lines[n + 1].startswith("#     “"), lines[n + 1]
    text = (tmp_path / "corpus" / f"{sid}.txt").read_text()
    lines = [("a" + line[1:]) if line.startswith("? ") else line for line in lines]  # accept everything ...
    cac = _line(lines, "entity", 'label="Center for Applied Compute"')
    lines[cac] = (
        lines[cac]
        .replace('label="Center for Applied Compute"', 'label="Centre for Applied Compute"')
        .replace("aliases=CAC", 'aliases="CAC; C.A.C."')
    )  # ... with a new label (its id follows) and an alias added
    glm = _line(lines, "entity", "label=GLM-4")
    lines[glm] = lines[glm].split(" entity ")[0] + " merge name=GLM-4 into=glm-130b"  # an entity turned into a merge
    start = text.index("Jack Ma")
    mention = _line(lines, "mention", "entity=jack-ma")
    head, _, why = lines[mention].partition("  #")  # evidence pointed elsewhere
    lines[mention] = f"{head} start={start} end={start + len('Jack Ma, founder of Alibaba')}  #{why}"
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = kg(env, "review", sid, "--import", str(batch), "--apply")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    ents = yaml.safe_load((tmp_path / "data" / "entities" / "ingested.yaml").read_text())
    centre = next(e for e in ents if e["label"] == "Centre for Applied Compute")
    assert centre["id"] == "centre-for-applied-compute" and centre["aliases"] == ["CAC", "C.A.C."]
    assert not any(e.get("description", "").startswith("Added from source") for e in ents)
    assert "GLM-4" not in {e["label"] for e in ents}
    models = yaml.safe_load((tmp_path / "data" / "entities" / "ai-models.yaml").read_text())
    assert "GLM-4" in next(e for e in models if e["id"] == "glm-130b")["aliases"]
    facts = yaml.safe_load((tmp_path / "data" / "facts" / f"{sid}.yaml").read_text())
    assert any(m["entity"] == "jack-ma" and m["quote"] == "Jack Ma, founder of Alibaba" for m in facts["mentions"])
    assert all(f["subject"] != "glm-4" for f in facts["facts"]), "facts follow the entity into its merge"
    v = kg(env, "validate", "--sources", str(tmp_path / "corpus"))
    assert v.returncode == 0, v.stdout + v.stderr


def test_batch_file_errors_name_the_line_and_apply_errors_name_the_item(env, tmp_path):
    sid = added(env, tmp_path)
    kg(env, "extract", sid)
    batch, lines = _export(env, tmp_path, sid)
    n = _line(lines, "fact")
    bad = list(lines)
    head, _, why = bad[n].partition("  #")
    bad[n] = f"{head} colour=blue  #{why}"
    batch.write_text("\n".join(bad) + "\n")
    _refused(kg(env, "review", sid, "--import", str(batch)), f"review.txt:{n + 1}", "colour cannot be edited")
    before = tree_hash(tmp_path / "data")
    item = int(lines[n].split()[1])
    lines = [("a" + line[1:]) if line.startswith("? ") else line for line in lines]
    lines[n] = re.sub(r"predicate=\S+", "predicate=inventedd", lines[n])
    batch.write_text("\n".join(lines) + "\n")
    proc = kg(env, "review", sid, "--import", str(batch), "--apply")
    _refused(proc, f"draft item {item} (", "unknown predicate 'inventedd'")
    assert tree_hash(tmp_path / "data") == before


RELATIONS_TEXT = """Notes on a rule

Ada Quill, a professor of physics at Peking University, spoke on Monday.
The Department of Commerce issued the Widget Rule to implement the Export Control Reform Act.
The Widget Rule prohibits investments to develop supercomputers.
Alibaba launched its own model, Tongyi-9, in May.
The Bureau of Industry and Security updated its Entity List.
The boss of Nvidia, Jensen Huang, spoke.
Huawei's revenue rose 22% to $99 billion in 2023.
The Office of Investment Security, part of the Department of the Treasury, administers the program.
Secretary of Commerce Wren Halvard said the rule works. "It works," said Ada Quill, Director of Peking University.
"""


def _nlp_draft(text: str, lexicon: dict) -> tuple[dict, dict[str, str]]:
    """The spaCy engine's draft, and each proposed or merged name's id."""
    _nlp_or_skip()
    from kg.extract import extract

    draft = extract(text, "t", lexicon, engine="nlp")
    ids = {i["label"]: i["id"] for i in _items(draft, "entity")}
    for i in _items(draft, "merge"):
        ids[i["name"]] = i["into"]
    return draft, ids


def test_nlp_relations_through_jobs_purposes_activities_and_pronouns(lexicon):
    draft, ids = _nlp_draft(RELATIONS_TEXT, lexicon)
    facts = {(f["subject"], f["predicate"], f.get("object")) for f in _items(draft, "fact")}
    assert (ids["Ada Quill"], "worksFor", "peking-university") in facts, "a job noun 'at' an organisation"
    assert (ids["Widget Rule"], "implements", ids["Export Control Reform Act"]) in facts, "a purpose clause: the rule implements"
    assert ("us-department-of-commerce", "implements", ids["Export Control Reform Act"]) not in facts, "the domain decides"
    assert (ids["Widget Rule"], "prohibits", "supercomputers") in facts, "through the activity noun 'investments to develop'"
    assert (ids["Tongyi-9"], "developer", "alibaba") in facts, "'launched its own model, Y': Y in apposition"
    assert (ids["Entity List"], "issuedBy", ids["Bureau of Industry and Security"]) in facts, "'its' is the clause's subject"
    assert (ids["Jensen Huang"], "leads", "nvidia") in facts, "'the boss of Y, X'"
    assert (ids["Office of Investment Security"], "parentOrganization", ids["Department of the Treasury"]) in facts, "'part of Y'"
    assert (ids["Wren Halvard"], "worksFor", "us-department-of-commerce") in facts, "a title before the name, in one NER span with it"
    assert (ids["Ada Quill"], "leads", "peking-university") in facts, "a title in apposition after the name"
    money = next(f for f in _items(draft, "fact") if f["predicate"] == "amountUSD" and f["subject"] == "huawei")
    assert money["value"] == 99_000_000_000 and money["qualifiers"] == {"qualifierDate": "2023"}, "whose figure, and as of when"
    for f in _items(draft, "fact"):
        assert RELATIONS_TEXT[f["start"] : f["end"]] == f["quote"]


PATTERNS_TEXT = """More notes

Chinese President Xi Jinping spoke on Monday.
US Vice President JD Vance spoke too.
Nvidia chief executive Mara Okonkwo spoke.
Tessa Brandt at Nvidia spoke.
Jack Ma co-founded Alibaba in 1999.
Alibaba made headlines for developing Tongyi-9.
The Widget Rule, issued pursuant to the Export Control Reform Act, is long.
The Widget Rule prohibits U.S. persons from engaging in transactions involving supercomputers.
The Widget Rule requires U.S. persons to notify the Department of Commerce of transactions involving quantum computers.
Joe Biden signed the Gizmo Order.
"""


def test_nlp_titles_with_nationality_deputies_gerunds_and_rule_activities(lexicon):
    draft, ids = _nlp_draft(PATTERNS_TEXT, lexicon)
    facts = {(f["subject"], f["predicate"], f.get("object")): f for f in _items(draft, "fact")}
    lead = facts.get(("xi-jinping", "leads", "china"))
    assert lead and lead["refers"] == {"china": "Chinese"}, "a nationality word names the state the president leads (and says so)"
    assert ("jd-vance", "worksFor", "united-states") in facts and ("jd-vance", "leads", "united-states") not in facts, "a vice president"
    assert (ids["Mara Okonkwo"], "leads", "nvidia") in facts, "'Nvidia chief executive X'"
    assert (ids["Tessa Brandt"], "worksFor", "nvidia") in facts, "'X at Y' for a person"
    assert ("alibaba", "founder", "jack-ma") in facts, "'co-founded': the second verb shares the subject"
    assert (ids["Tongyi-9"], "developer", "alibaba") in facts, "a gerund's doer is its verb's subject"
    assert (ids["Widget Rule"], "implements", ids["Export Control Reform Act"]) in facts, "'issued pursuant to' a policy"
    assert (ids["Widget Rule"], "prohibits", "supercomputers") in facts, "'prohibits persons from engaging in transactions involving X'"
    assert (ids["Widget Rule"], "requiresNotificationFor", "quantum-computers") in facts, "'to notify ... of transactions involving X'"
    assert (ids["Widget Rule"], "requiresNotificationFor", "us-department-of-commerce") not in facts, "who is notified is not covered"
    assert ids["Joe Biden"] == "joe-biden", "a full name of a person the data knows by the surname is a merge, not someone new"
    assert (ids["Gizmo Order"], "issuedBy", "joe-biden") in facts
    for f in facts.values():
        assert PATTERNS_TEXT[f["start"] : f["end"]] == f["quote"]
        for eid, words in (f.get("refers") or {}).items():
            assert eid in (f["subject"], f.get("object")) and words in f["quote"]


RULE_TEXT = """Rule notes

Secretary of the Treasury Wren Halvard said the rule works.
Commerce Secretary Ines Marlow agreed.
The Widget Rule establishes notification requirements for transactions involving semiconductors.
The Widget Rule is aimed at China.
The Gizmo Order was not signed by Joe Biden.
The Widget Rule is long. It prohibits the development of quantum computers.
The Widget Rule also prohibits U.S. investments to develop, produce, or fabricate
supercomputers;
design of any integrated circuit; and
extreme ultraviolet lithography.
"""


def test_nlp_titles_naming_known_bodies_rule_lists_pronouns_and_negation(lexicon):
    _nlp_or_skip()
    from kg.extract import extract

    draft = extract(RULE_TEXT, "t", lexicon, engine="nlp")
    ids = {i["label"]: i["id"] for i in _items(draft, "entity")}
    facts = {(f["subject"], f["predicate"], f.get("object")): f for f in _items(draft, "fact")}
    rule = ids["Widget Rule"]
    works = facts.get((ids["Wren Halvard"], "worksFor", "us-department-of-the-treasury"))
    assert works and works["refers"] == {"us-department-of-the-treasury": "Treasury"}, "a known body named only inside the title"
    assert (ids["Ines Marlow"], "worksFor", "us-department-of-commerce") in facts, "'Commerce Secretary X'"
    assert (rule, "requiresNotificationFor", "semiconductors") in facts, "'notification requirements for transactions involving X'"
    assert (rule, "targets", "china") in facts, "'is aimed at': a phrase the ontology states in the passive"
    assert not [f for f in facts if f[0] == ids["Gizmo Order"]], "a negated verb states nothing"
    it = facts.get((rule, "prohibits", "quantum-computers"))
    assert it and it["refers"] == {rule: "It"}, "'It' is the previous sentence's subject; 'the development of X' is X"
    assert not [f for f in facts if f[1] == "prohibits" and f[2] in ("development", "design")], "activity nouns are not what is barred"
    for item in ("supercomputers", "integrated-circuits", "extreme-ultraviolet-lithography"):
        f = facts.get((rule, "prohibits", item))
        assert f and f["quote"].startswith("The Widget Rule also prohibits"), f"list item {item}: quoted from its header"
    for f in facts.values():
        assert RULE_TEXT[f["start"] : f["end"]] == f["quote"]


EVENT_TEXT = """Chip talks

Jack Ma met Pony Ma in Beijing on 3 May 2024 to discuss chips.
Huawei hosted a conference in Shenzhen in March 2025.
Jack Ma held a meeting.
"""


def test_nlp_events_with_date_venue_and_participants(lexicon):
    _nlp_or_skip()
    from kg.extract import extract

    draft = extract(EVENT_TEXT, "t", lexicon, engine="nlp")
    events = [i for i in _items(draft, "entity") if i.get("event")]
    assert sorted(e["type"] for e in events) == ["Meeting", "Summit"], "a meeting with no date or venue is not proposed"
    meeting = next(e for e in events if e["type"] == "Meeting")
    about = {(f["predicate"], f.get("object", f.get("value"))) for f in _items(draft, "fact") if f["subject"] == meeting["id"]}
    assert about == {("attendee", "jack-ma"), ("attendee", "pony-ma"), ("venue", "beijing"), ("date", "2024-05-03")}
    conf = next(e for e in events if e["type"] == "Summit")
    about = {(f["predicate"], f.get("object", f.get("value"))) for f in _items(draft, "fact") if f["subject"] == conf["id"]}
    assert ("host", "huawei") in about and ("date", "2025-03") in about
    for f in _items(draft, "fact"):
        if f["subject"] in (meeting["id"], conf["id"]):
            assert EVENT_TEXT[f["start"] : f["end"]] == f["quote"] and f["refers"][f["subject"]] in f["quote"]


def test_event_proposals_apply_through_review_and_keep_the_quote_ends_rule(env, tmp_path):
    _nlp_or_skip()
    page = tmp_path / "events.txt"
    page.write_text(EVENT_TEXT)
    proc = kg(env, "source", "add", str(page), "--title", "Events", "--date", "2025-03")
    assert proc.returncode == 0, proc.stderr
    sid = proc.stdout.split()[2]
    assert kg(env, "extract", sid, "--engine", "nlp").returncode == 0
    draft_file = tmp_path / "corpus" / f"{sid}.draft.yaml"
    draft = yaml.safe_load(draft_file.read_text())
    event_ids = {i["id"] for i in draft["items"] if i.get("event")}
    assert event_ids
    for i in draft["items"]:  # accept the events and their facts, and the mentions they need
        keep = i.get("event") or i["kind"] == "mention" or i["kind"] == "fact" and i["subject"] in event_ids
        i["status"] = "accepted" if keep else "rejected"
    broken = next(i for i in draft["items"] if i["kind"] == "fact" and i.get("refers"))
    broken_refers = broken.pop("refers")  # without the words for the event, its quote does not name it
    draft_file.write_text(yaml.safe_dump(draft, sort_keys=False, allow_unicode=True))
    proc = kg(env, "review", sid, "--apply")
    assert proc.returncode == 1 and "name both ends" in proc.stdout + proc.stderr
    draft = yaml.safe_load(draft_file.read_text())
    for i in draft["items"]:
        if i["kind"] == "fact" and i["status"] == "flagged":
            i["status"], i["refers"] = "accepted", broken_refers
    draft_file.write_text(yaml.safe_dump(draft, sort_keys=False, allow_unicode=True))
    proc = kg(env, "review", sid, "--apply")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    facts = yaml.safe_load((tmp_path / "data" / "facts" / f"{sid}.yaml").read_text())["facts"]
    assert {f["subject"] for f in facts} == event_ids and all(f.get("refers") or "value" in f for f in facts)
    v = kg(env, "validate", "--sources", str(tmp_path / "corpus"))
    assert v.returncode == 0, v.stdout + v.stderr
