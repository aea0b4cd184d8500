"""`kg review`: walk a draft's proposals (accept / reject / edit / skip; resumable), then apply the
accepted ones to data/ only if the result still validates, atomically; merges are logged and
reversible (`kg unmerge`)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from pathlib import Path

import yaml

from kg.errors import InputError, Location, ViolationsFound
from kg.extract import item_key
from kg.ingest import check_source_id, corpus_dir, inside, load_record
from kg.validate import alias_violations, shacl_results, shacl_violations


def draft_path(paths, sid: str) -> Path:
    """<corpus>/<sid>.draft.yaml, for a valid source id only (never a path out of the corpus)."""
    return inside(corpus_dir(paths), f"{check_source_id(sid)}.draft.yaml")


def rejected_keys(paths) -> set[tuple]:
    """The keys of proposals rejected before (a JSON list of lists), so they are not proposed again."""
    f = corpus_dir(paths) / "rejected.json"
    if not f.exists():
        return set()
    try:
        keys = json.loads(f.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read the rejected proposals: {exc}", Location(f)) from None
    if not isinstance(keys, list) or not all(isinstance(k, list) and all(isinstance(x, str) for x in k) for k in keys):
        raise InputError("the rejected proposals must be a JSON list of lists", Location(f))
    return {tuple(k) for k in keys}


def remember_rejected(paths, items: list[dict]) -> None:
    f = corpus_dir(paths) / "rejected.json"
    keys = rejected_keys(paths) | {item_key(i) for i in items if i.get("status") == "rejected"}
    f.write_text(json.dumps(sorted(list(k) for k in keys), indent=1))


def save_draft(path: Path, draft: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(yaml.safe_dump(draft, sort_keys=False, allow_unicode=True, width=110), encoding="utf-8")
    tmp.replace(path)


def load_draft(paths, sid: str) -> tuple[Path, dict]:
    path = draft_path(paths, sid)
    if not path.exists():
        raise InputError(f"no draft for {sid!r}: run kg extract {sid} first")
    return path, yaml.safe_load(path.read_text(encoding="utf-8"))


def describe(it: dict) -> str:
    k = it["kind"]
    if k == "mention":
        return f"mention of {it['entity']}"
    if k == "entity":
        return f"new {it['type']} {it['label']!r} ({it['why']})" + (f", also {', '.join(it['aliases'])}" if it["aliases"] else "")
    if k == "merge":
        return f"merge: {it['name']!r} is {it['into_label']!r} ({it['into']})? score {it['score']}"
    return f"{it['subject']} {it['predicate']} {it['object']} ({it['why']})"


def interactive(path: Path, draft: dict, ask, say) -> dict:
    """Walks proposed items; `ask(prompt) -> str` and `say(text)` are the terminal (injectable)."""
    todo = [it for it in draft["items"] if it["status"] in ("proposed", "flagged")]
    for n, it in enumerate(todo, 1):
        flag = f"\n    flagged: {it['note']}" if it["status"] == "flagged" else ""
        say(f"\n[{n}/{len(todo)}] {describe(it)}\n    “{' '.join(it['quote'].split())[:240]}”{flag}")
        while True:
            answer = (ask("[a]ccept [r]eject [e]dit [s]kip [q]uit > ") or "s").strip().lower()[:1]
            if answer in ("a", "r"):
                it["status"] = "accepted" if answer == "a" else "rejected"
                note = ask("note (optional) > ").strip()
                if note:
                    it["note"] = note
                break
            if answer == "e":
                _edit(it, ask)
                it["status"] = "accepted"
                break
            if answer in ("s", "q"):
                break
        save_draft(path, draft)  # resumable: every decision is kept at once
        if answer == "q":
            break
    return draft


def _edit(it: dict, ask) -> None:
    fields = {"entity": ("label", "type", "id"), "fact": ("subject", "predicate", "object"), "merge": ("into",), "mention": ("entity",)}
    for f in fields[it["kind"]]:
        value = ask(f"{f} [{it[f]}] > ").strip()
        if value:
            it[f] = value


def apply(paths, sid: str, reviewer: str | None = None) -> dict:
    """Writes accepted items into data/ if, and only if, the result passes the loader's checks."""
    from kg.build import compile_all
    from kg.paths import Paths

    path, draft = load_draft(paths, sid)
    record, _text = load_record(paths, sid)
    items = [i for i in draft["items"] if i["status"] == "accepted"]
    if not items:
        raise InputError("nothing accepted in the draft: review it first (kg review SOURCE)")
    staging = Path(tempfile.mkdtemp(prefix="kg-apply-"))
    try:
        data = staging / "data"
        shutil.copytree(paths.data, data)
        new_ids = {i["id"] for i in items if i["kind"] == "entity"}
        known = _known_ids(data) | new_ids
        dropped = []
        facts = []
        for i in items:
            if i["kind"] == "fact":
                if i["subject"] in known and i["object"] in known:
                    facts.append({k: i[k] for k in ("subject", "predicate", "object", "quote", "start", "end")} | _note(i))
                else:
                    dropped.append(describe(i))
        mentions = [
            {"entity": i["entity"], "quote": i["quote"], "start": i["start"], "end": i["end"]} for i in items if i["kind"] == "mention"
        ]
        mentions += [{"entity": i["id"], "quote": i["quote"], "start": i["start"], "end": i["end"]} for i in items if i["kind"] == "entity"]
        mentions += [
            {"entity": i["into"], "quote": i["quote"], "start": i["start"], "end": i["end"]} for i in items if i["kind"] == "merge"
        ]
        _append_yaml(
            data / "sources.yaml", [{k: record[k] for k in ("id", "file", "title", "publisher", "date", "url", "sha256", "description")}]
        )
        ents = [{"id": i["id"], "type": i["type"], "label": i["label"], **({"aliases": i["aliases"]} if i["aliases"] else {}),
                 "description": f"Added from source {sid}."} for i in items if i["kind"] == "entity"]  # fmt: skip
        if ents:
            _append_yaml(data / "entities" / "ingested.yaml", ents)
        merges = [i for i in items if i["kind"] == "merge"]
        for m in merges:
            _add_alias(data / "entities", m["into"], m["name"])
        facts_file = data / "facts" / f"{sid}.yaml"
        if facts_file.exists():
            raise InputError(f"data/facts/{sid}.yaml exists already: this source was applied before")
        facts_file.write_text(yaml.safe_dump({"source": sid, "mentions": mentions, "facts": facts}, sort_keys=False,
                                             allow_unicode=True, width=110), encoding="utf-8")  # fmt: skip
        staged = Paths(data=data, ontology=paths.ontology, home=staging / "home", sources=corpus_dir(paths))
        try:  # the very loader and compiler the build runs, on exactly the files apply would write
            ds, _data, _vocab, origins = compile_all(staged)
        except InputError as exc:  # e.g. a source url that is not a valid IRI: nothing is applied
            raise _unstaged(exc, data, paths.data) from None
        clashes = alias_violations(_data)
        if clashes:  # a new name that is another entity's name: edit or reject one of them
            raise ViolationsFound(["not applied; names would be shared:", *[c.replace(str(data), "data") for c in clashes]])
        results = shacl_results(ds, paths.shapes_file())
        if results:  # e.g. a guessed class that a relation's range does not allow: edit or reject, then apply
            flagged = _flag(items, results)
            save_draft(path, draft)
            shown = [p.replace(str(data), "data") for p in shacl_violations(ds, paths.shapes_file(), origins)]
            hint = (f"{flagged} accepted item(s) flagged as the cause: review them again (kg review {sid}) "
                    f"or reject them (kg review {sid} --reject-flagged), then apply")  # fmt: skip
            raise ViolationsFound(["not applied; the accepted items would break these rules:", *shown, hint])
        if merges:
            log = data / "merges.yaml"
            _append_yaml(log, [{"alias": m["name"], "entity": m["into"], "source": sid, "action": "merge",
                                "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                                "reviewer": reviewer} for m in merges])  # fmt: skip
        _replace_tree(data, paths.data)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    remember_rejected(paths, draft["items"])
    draft["status"] = "applied"
    save_draft(path, draft)
    return {"facts": len(facts), "mentions": len(mentions), "entities": len(ents), "merges": len(merges), "dropped": dropped}


def _flag(items: list[dict], results) -> int:
    """Marks the accepted items a violation points at: a fact whose property shape failed on its
    subject (or object), or a new entity that is itself the failing node."""
    from kg.iri import ENTITY

    n = 0
    for r in results:
        focus = r.focus[len(ENTITY) :] if r.focus.startswith(ENTITY) else r.focus
        for it in items:
            hit = (it["kind"] == "fact" and r.shape == it["predicate"] and focus in (it["subject"], it["object"])) or (
                it["kind"] == "entity" and focus == it["id"]
            )
            if hit and it["status"] == "accepted":
                it["status"], it["note"] = "flagged", f"would break a rule: {r.message}"
                n += 1
    return n


def _note(i: dict) -> dict:
    return {"note": i["note"]} if i.get("note") else {}


def _unstaged(exc: InputError, staged: Path, data: Path) -> InputError:
    """The loader's error, with the staged copy's path turned back into the data/ file it stands for."""
    from kg.errors import Location

    where = exc.where
    if where is not None:
        try:
            where = Location(data / where.path.relative_to(staged), where.line)
        except ValueError:
            pass
    return InputError(f"{exc.message}; not applied (the line is in the file as the review would write it)", where)


def _known_ids(data: Path) -> set[str]:
    from kg.yamlio import load_yaml  # refuses anchors and aliases, as the build does

    ids = set()
    for f in (data / "entities").glob("*.yaml"):
        records = load_yaml(f)
        ids |= {e.get("id") for e in records if isinstance(e, dict)} if isinstance(records, list) else set()
    return ids


def _append_yaml(path: Path, records: list[dict]) -> None:
    body = yaml.safe_dump(records, sort_keys=False, allow_unicode=True, width=110)
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    path.write_text(old + ("" if not old or old.endswith("\n") else "\n") + "\n" + body, encoding="utf-8")


def _add_alias(folder: Path, eid: str, alias: str, remove: bool = False) -> bool:
    """Adds (or removes) one alias in an entity record by editing only that record's lines."""
    for f in sorted(folder.glob("*.yaml")):
        lines = f.read_text(encoding="utf-8").splitlines(keepends=True)
        for n, line in enumerate(lines):
            if line.rstrip("\n") == f"- id: {eid}":
                end = next((k for k in range(n + 1, len(lines)) if lines[k].startswith("- ")), len(lines))
                record = yaml.safe_load("".join(lines[n:end]))[0]
                aliases = [a for a in record.get("aliases", []) if a != alias] if remove else [*record.get("aliases", []), alias]
                if not remove and alias in record.get("aliases", []):
                    return True
                record["aliases"] = aliases
                if not aliases:
                    record.pop("aliases")
                ordered = {k: record[k] for k in ("id", "type", "label", "aliases", "description", "broader", "sameAs") if k in record}
                text = yaml.safe_dump([ordered], sort_keys=False, allow_unicode=True, width=110)
                lines[n:end] = [text + ("\n" if end < len(lines) else "")]
                f.write_text("".join(lines), encoding="utf-8")
                return True
    return False


def unmerge(paths, alias: str) -> str:
    """Reverses a logged merge: the alias leaves the entity, and the log says so."""
    log = paths.data / "merges.yaml"
    entries = yaml.safe_load(log.read_text()) if log.exists() else []
    live = [e for e in entries or [] if e["alias"] == alias]
    if not live or live[-1]["action"] != "merge":
        raise InputError(f"no merge of {alias!r} in data/merges.yaml")
    eid = live[-1]["entity"]
    if not _add_alias(paths.data / "entities", eid, alias, remove=True):
        raise InputError(f"entity {eid!r} not found")
    _append_yaml(log, [{"alias": alias, "entity": eid, "source": live[-1]["source"], "action": "unmerge",
                        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "reviewer": None}])  # fmt: skip
    return eid


def _replace_tree(new: Path, target: Path) -> None:
    """Moves each changed file into place with an atomic rename."""
    for f in new.rglob("*"):
        if f.is_file():
            dest = target / f.relative_to(new)
            if not dest.exists() or dest.read_bytes() != f.read_bytes():
                dest.parent.mkdir(parents=True, exist_ok=True)
                tmp = dest.with_name(f".{dest.name}.tmp")
                shutil.copyfile(f, tmp)
                tmp.replace(dest)
