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
from kg.iri import slugify
from kg.validate import alias_violations, is_deferred, quote_end_check, shacl_results, shacl_violations


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
        return f"mention of {it['entity']} as {it['quote']!r}" + (f", adding alias {', '.join(it['aliases'])}" if it.get("aliases") else "")
    if k == "entity":
        also = f", also {', '.join(it['aliases'])}" if it.get("aliases") else ""
        return f"new {it['type']} {it['label']!r} [{it['id']}] ({it.get('why', 'edited')}){also}"
    if k == "merge":
        why = it.get("why") or f"score {it.get('score')}"
        return f"merge: {it['name']!r} is {it.get('into_label', it['into'])!r} ({it['into']})? {why}"
    if "value" in it:
        q = "".join(f", {k2} {v!r}" for k2, v in (it.get("qualifiers") or {}).items())
        return f"{it['subject']} {it['predicate']} {it['value']!r}{q} ({it.get('why', 'edited')})"
    return f"{it['subject']} {it['predicate']} {it['object']} ({it.get('why', 'edited')})"


def context(it: dict) -> str:
    """The sentence an item comes from (drafts before issue 15 have only the quote)."""
    return " ".join((it.get("sentence") or it["quote"]).split())


def interactive(path: Path, draft: dict, ask, say, text: str | None = None) -> dict:
    """Walks proposed items; `ask(prompt) -> str` and `say(text)` are the terminal (injectable)."""
    todo = [it for it in draft["items"] if it["status"] in ("proposed", "flagged")]
    for n, it in enumerate(todo, 1):
        flag = f"\n    flagged: {it['note']}" if it["status"] == "flagged" else ""
        quote = "" if context(it) == " ".join(it["quote"].split()) else f"\n    quote: “{' '.join(it['quote'].split())[:160]}”"
        say(f"\n[{n}/{len(todo)}] {describe(it)}\n    “{context(it)[:300]}”{quote}{flag}")
        while True:
            answer = (ask("[a]ccept [r]eject [e]dit [s]kip [q]uit > ") or "s").strip().lower()[:1]
            if answer in ("a", "r"):
                it["status"] = "accepted" if answer == "a" else "rejected"
                note = ask("note (optional) > ").strip()
                if note:
                    it["note"] = note
                break
            if answer == "e":
                try:
                    _edit(it, ask, draft, text)
                except InputError as exc:
                    say(f"    not changed: {exc.message}")
                    continue
                it["status"] = "accepted"
                break
            if answer in ("s", "q"):
                break
        save_draft(path, draft)  # resumable: every decision is kept at once
        if answer == "q":
            break
    return draft


EDITABLE = {
    "entity": ("label", "type", "id", "aliases", "description", "into", "start", "end"),
    "merge": ("into", "name", "aliases", "type", "start", "end"),
    "mention": ("entity", "aliases", "start", "end"),
    "fact": ("subject", "predicate", "object", "value", "condition", "start", "end"),
}


def _edit(it: dict, ask, draft: dict, text: str | None) -> None:
    """Asks for each editable field (empty keeps it). For an entity, `into` turns it into a merge
    into that known entity; for a merge, a `type` turns it back into a new entity."""
    changes = {}
    for f in EDITABLE[it["kind"]]:
        current = it.get(f, (it.get("qualifiers") or {}).get(f) if f == "condition" else None)
        shown = "; ".join(current) if isinstance(current, list) else current
        value = ask(f"{f} [{'' if shown is None else shown}] > ").strip()
        if value:
            changes[f] = value
    edit_item(draft, it, changes, text)


def edit_item(draft: dict, it: dict, changes: dict[str, str], text: str | None) -> None:
    """Applies a reviewer's edits to one item, in place. Aliases are added ("A; B"); a new label
    gives a new id (unless an id is given) and every fact of the draft follows it; start/end point
    the evidence at other characters of the text (the quote follows); `into` on an entity makes it
    a merge, `type` on a merge makes it a new entity again."""
    kind = it["kind"]
    new_kind = changes.pop("kind", kind)
    if new_kind not in EDITABLE or {kind, new_kind} not in ({kind}, {"entity", "merge"}):
        raise InputError(f"a {kind} cannot become a {new_kind} (an entity can become a merge and back)")
    allowed = set(EDITABLE[kind]) | set(EDITABLE[new_kind])
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise InputError(f"{', '.join(unknown)} cannot be edited on a {kind} (fields: {', '.join(EDITABLE[kind])})")
    if kind == "entity" and (new_kind == "merge" or "into" in changes):
        into = changes.pop("into", None)
        if not into:
            raise InputError("a merge needs into=<the known entity's id>")
        old_id = it["id"]
        name = changes.pop("name", None) or changes.pop("label", None) or it["label"]
        it.update({"kind": "merge", "name": name, "into": into, "into_label": into,
                   "aliases": it.get("aliases", []), "was_entity": {k: it[k] for k in ("id", "type", "label") if k in it}})  # fmt: skip
        for k in ("id", "type", "label", "description"):
            it.pop(k, None)
        _rename(draft, old_id, into)
        kind = "merge"
    elif kind == "merge" and (new_kind == "entity" or "type" in changes):
        back = it.pop("was_entity", {})
        label = changes.pop("label", None) or changes.pop("name", None) or it["name"]
        cls = changes.pop("type", None) or back.get("type")
        if not cls:
            raise InputError("a new entity needs type=<Class>")
        old = it["into"]
        it.update({"kind": "entity", "label": label, "type": cls, "id": back.get("id") if back.get("label") == label else slugify(label)})
        for k in ("name", "into", "into_label", "score"):
            it.pop(k, None)
        it.setdefault("aliases", [])
        _rename(draft, old, it["id"], only_from=it)
        kind = "entity"
    id_before = it.get("id")
    for f, value in changes.items():
        if f == "aliases":
            add = [a.strip() for a in value.split(";") if a.strip()]
            it["aliases"] = [*(it.get("aliases") or []), *(a for a in add if a not in (it.get("aliases") or []))]
        elif f in ("start", "end"):
            continue
        elif f == "condition":
            it.setdefault("qualifiers", {})["condition"] = value
        elif f == "value":
            it.pop("object", None)
            it["value"] = _scalar(value)
        elif f == "object":
            it.pop("value", None)
            it["object"] = value
        else:
            it[f] = value
    if kind == "entity" and "label" in changes and "id" not in changes:
        old_id, new_id = it["id"], slugify(it["label"]) or it["id"]
        taken = {i.get("id") for i in draft["items"] if i is not it and i["kind"] == "entity"}
        while new_id in taken:
            new_id += "-new"
        it["id"] = new_id
        _rename(draft, old_id, new_id)
    elif kind == "entity" and "id" in changes:
        _rename(draft, id_before, it["id"])
    if "start" in changes or "end" in changes:
        if text is None:
            raise InputError("start/end need the source text")
        try:
            start, end = int(changes.get("start", it["start"])), int(changes.get("end", it["end"]))
        except ValueError:
            raise InputError("start and end are character offsets (whole numbers)") from None
        if not 0 <= start < end <= len(text):
            raise InputError(f"start/end must lie inside the text (0..{len(text)}), start before end")
        it["start"], it["end"], it["quote"] = start, end, text[start:end]
        it["sentence"] = " ".join(text[start:end].split()) if end - start > 40 else it.get("sentence", it["quote"])


def _scalar(value: str):
    try:
        return int(value)
    except ValueError:
        try:
            return float(value)
        except ValueError:
            return value


def _rename(draft: dict, old: str, new: str, only_from: dict | None = None) -> None:
    """Every fact (and mention) of the draft that names `old` names `new` instead."""
    if old == new:
        return
    for i in draft["items"]:
        if i["kind"] == "fact":
            for f in ("subject", "object"):
                if i.get(f) == old:
                    i[f] = new
            if old in (i.get("refers") or {}):  # the quote's words for an event follow its id
                i["refers"][new] = i["refers"].pop(old)


# --- batch review: the whole draft as one editable file -------------------------------------

BATCH_HEAD = """# kg review batch for {sid}: one line per proposal, its sentence below it. Edit, then:
#   kg review {sid} --import {file} [--apply]
# The first word is the decision: a (accept), r (reject), ? (undecided). Fields are key=value
# (double quotes around a value with spaces), changed in place: an entity's label (its id
# follows), type, aliases="A; B" (spellings added); into=<known id> turns an entity into a merge,
# type=<Class> turns a merge back into an entity; start=/end= point the evidence elsewhere in the
# text. Lines starting with # are ignored.
"""
_FIELDS = {
    "entity": ("id", "type", "label", "aliases", "description"),
    "merge": ("name", "into", "aliases"),
    "mention": ("entity", "aliases"),
    "fact": ("subject", "predicate", "object", "value", "condition"),
}
_LETTER = {"accepted": "a", "rejected": "r", "proposed": "?", "flagged": "?"}


def _field(k: str, v) -> str:
    if isinstance(v, list):
        v = "; ".join(v)
    v = str(v)
    return f"{k}={v}" if v and all(c.isalnum() or c in "-_.:/" for c in v) else f'{k}="{v.replace(chr(34), chr(39))}"'


def export_batch(draft: dict, sid: str, file_name: str) -> str:
    """The draft as a batch file (see BATCH_HEAD)."""
    lines = [BATCH_HEAD.format(sid=sid, file=file_name)]
    for n, it in enumerate(draft["items"], 1):
        fields = []
        for f in _FIELDS[it["kind"]]:
            v = (it.get("qualifiers") or {}).get(f) if f == "condition" else it.get(f)
            if v not in (None, [], ""):
                fields.append(_field(f, v))
        extra = f"  # {it['why']}" if it.get("why") else ""
        flag = f"  # flagged: {it['note']}" if it["status"] == "flagged" else ""
        lines.append(f"{_LETTER[it['status']]} {n} {it['kind']} {' '.join(fields)}{extra}{flag}")
        lines.append(f"#     “{context(it)}”")
    return "\n".join(lines) + "\n"


def import_batch(draft: dict, content: str, where: Path, text: str | None) -> dict[str, int]:
    """Reads decisions and edits from a batch file into the draft; an error names the file and line."""
    import shlex

    counts = {"accepted": 0, "rejected": 0, "proposed": 0, "edited": 0}
    items = draft["items"]
    before = [{f: (it.get("qualifiers") or {}).get(f) if f == "condition" else it.get(f) for f in _FIELDS[it["kind"]]} for it in items]
    plan = []  # read every line first: edits are judged against the draft as exported, not as edited so far
    for ln, line in enumerate(content.splitlines(), 1):
        body = line.split("  #", 1)[0].strip()
        if not body or body.startswith("#"):
            continue
        at = Location(where, ln)
        try:
            words = shlex.split(body)
        except ValueError as exc:
            raise InputError(f"cannot read the line: {exc}", at) from None
        if len(words) < 3 or words[0] not in ("a", "r", "?", "s") or not words[1].isdigit():
            raise InputError("a line is: <a|r|?> <item number> <kind> key=value ...", at)
        n = int(words[1])
        if not 1 <= n <= len(items):
            raise InputError(f"no item {n} in the draft (it has {len(items)})", at)
        it = items[n - 1]
        changes = {}
        for w in words[3:]:
            if "=" not in w:
                raise InputError(f"{w!r} is not key=value", at)
            k, v = w.split("=", 1)
            changes[k] = v
        if words[2] != it["kind"]:
            if words[2] not in EDITABLE:
                raise InputError(f"unknown kind {words[2]!r} (entity, merge, mention, fact)", at)
            changes["kind"] = words[2]
        changed = {k: v for k, v in changes.items() if k == "kind" or _differs(before[n - 1].get(k), v, k)}
        plan.append((at, n, words[0], changed))
    for at, n, decision, changed in plan:
        it = items[n - 1]
        if changed:
            try:
                edit_item(draft, it, _only_new_aliases(it, changed), text)
            except InputError as exc:
                raise InputError(f"item {n}: {exc.message}", at) from None
            counts["edited"] += 1
        it["status"] = {"a": "accepted", "r": "rejected"}.get(decision, "proposed")
        counts[it["status"]] += 1
    return counts


def _differs(current, value: str, key: str) -> bool:
    if isinstance(current, list):
        return [a.strip() for a in value.split(";") if a.strip()] != current
    return current is None and value != "" or current is not None and str(current) != value


def _only_new_aliases(it: dict, changed: dict) -> dict:
    if "aliases" in changed:
        have = it.get("aliases") or []
        changed = changed | {"aliases": "; ".join(a.strip() for a in changed["aliases"].split(";") if a.strip() and a.strip() not in have)}
    return changed


def check_items(draft: dict, vocab, known_ids: set[str], text: str) -> None:
    """Refuses, before anything is staged, an accepted item the build could not use, naming the
    draft item (its number, as `kg review --export` shows it) and what is wrong with it."""
    from kg.errors import Location
    from kg.load import literal_for

    items = draft["items"]
    new_ids = {i["id"] for i in items if i["kind"] == "entity" and i["status"] == "accepted"}
    for n, it in enumerate(items, 1):
        if it["status"] != "accepted":
            continue

        def bad(msg: str, n=n, it=it) -> InputError:
            return InputError(f"draft item {n} ({describe(it)}): {msg}; edit or reject it (kg review {draft['source']})")

        k = it["kind"]
        if not (isinstance(it.get("start"), int) and isinstance(it.get("end"), int) and 0 <= it["start"] < it["end"] <= len(text)):
            raise bad("its evidence offsets are not inside the text")
        if text[it["start"] : it["end"]] != it["quote"]:
            raise bad("its quote is not the text at its offsets")
        if k == "entity":
            if it["type"] not in vocab.classes:
                raise bad(f"unknown class {it['type']!r}")
            if not it.get("label", "").strip() or slugify(it["id"]) != it["id"]:
                raise bad("an entity needs a label and an id of lowercase letters, digits and '-'")
            if it["id"] in known_ids:
                raise bad(f"the id {it['id']!r} is taken by a known entity: give another id, or merge into it (into={it['id']})")
        elif k in ("merge", "mention"):
            target = it["into"] if k == "merge" else it["entity"]
            if target not in known_ids:
                raise bad(f"no known entity {target!r}")
        elif k == "fact":
            prop = vocab.properties.get(it["predicate"])
            if prop is None or prop.qualifier:
                raise bad(f"unknown predicate {it['predicate']!r}")
            drafted = {i["id"] for i in items if i["kind"] == "entity"}  # not accepted: the fact is left out (listed)
            for role in ("subject", "object"):
                if role in it and it[role] not in known_ids | new_ids | drafted:
                    raise bad(f"its {role} {it[role]!r} is neither a known entity nor an accepted new one")
            if prop.kind == "object" and "object" not in it:
                raise bad(f"{it['predicate']} needs an object (an entity id), not a value")
            if prop.kind == "datatype":
                if "value" not in it:
                    raise bad(f"{it['predicate']} needs a value, not an object")
                try:
                    literal_for(it["value"], prop.ranges, Location(Path(draft["source"])), it["predicate"])
                except InputError as exc:
                    raise bad(exc.message) from None


def apply(paths, sid: str, reviewer: str | None = None) -> dict:
    """Writes accepted items into data/ if, and only if, the result passes the loader's checks."""
    from kg.build import compile_all
    from kg.ontology import read_vocabulary
    from kg.paths import Paths

    path, draft = load_draft(paths, sid)
    record, text = load_record(paths, sid)
    items = [i for i in draft["items"] if i["status"] == "accepted"]
    if not items:
        raise InputError("nothing accepted in the draft: review it first (kg review SOURCE)")
    number = {id(i): n for n, i in enumerate(draft["items"], 1)}
    staging = Path(tempfile.mkdtemp(prefix="kg-apply-"))
    try:
        data = staging / "data"
        shutil.copytree(paths.data, data)
        known_before = _known_ids(data)
        check_items(draft, read_vocabulary(paths.ontology_files()), known_before, text)
        new_ids = {i["id"] for i in items if i["kind"] == "entity"}
        known = known_before | new_ids
        dropped = []
        facts = []
        for i in items:
            if i["kind"] == "fact":
                if i["subject"] in known and i.get("object", i["subject"]) in known:
                    keys = ("subject", "predicate", "object", "value", "qualifiers", "quote", "start", "end", "refers")
                    facts.append({k: i[k] for k in keys if k in i} | _note(i))
                else:
                    dropped.append(f"item {number[id(i)]}: {describe(i)}")
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
        # No placeholder descriptions: the text's own apposition when it gives one, else none.
        ents = [{"id": i["id"], "type": i["type"], "label": i["label"], **({"aliases": i["aliases"]} if i.get("aliases") else {}),
                 **({"description": i["description"]} if i.get("description") else {})}
                for i in items if i["kind"] == "entity"]  # fmt: skip
        if ents:
            _append_yaml(data / "entities" / "ingested.yaml", ents)
        merges = [i for i in items if i["kind"] == "merge"]
        spellings = [(m["into"], a) for m in merges for a in [m["name"], *(m.get("aliases") or [])]]
        spellings += [(i["entity"], a) for i in items if i["kind"] == "mention" for a in i.get("aliases") or []]
        for eid, alias in spellings:
            _add_alias(data / "entities", eid, alias)
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
            named = _items_named(draft, clashes)
            raise ViolationsFound(["not applied; names would be shared:", *[c.replace(str(data), "data") for c in clashes], *named])
        results = [r for r in shacl_results(ds, paths.shapes_file()) if not is_deferred(r, _data)]
        if results:  # e.g. a guessed class that a relation's range does not allow: edit or reject, then apply
            flagged = _flag(items, results)
            save_draft(path, draft)
            shown = [p.replace(str(data), "data") for p in shacl_violations(ds, paths.shapes_file(), origins, _data)]
            which = [f"  item {number[id(i)]}: {describe(i)}: {i['note']}" for i in items if i["status"] == "flagged"]
            hint = (f"{flagged} accepted item(s) flagged as the cause: review them again (kg review {sid}) "
                    f"or reject them (kg review {sid} --reject-flagged), then apply")  # fmt: skip
            raise ViolationsFound(["not applied; the accepted items would break these rules:", *shown, *which, hint])
        ends = quote_end_check(_data).errors  # the rule kg validate enforces: a fact's quote names both its ends
        if ends:
            flagged = _flag_unnamed_ends(items, ends)
            save_draft(path, draft)
            which = [f"  item {number[id(i)]}: {describe(i)}: {i['note']}" for i in items if i["status"] == "flagged"]
            hint = (f"{flagged} accepted item(s) flagged as the cause: review them again (kg review {sid}) "
                    f"or reject them (kg review {sid} --reject-flagged), then apply")  # fmt: skip
            shown = [e.replace(str(data), "data") for e in ends]
            raise ViolationsFound(["not applied; the accepted items' quotes would not name both ends:", *shown, *which, hint])
        if spellings:
            log = data / "merges.yaml"
            _append_yaml(log, [{"alias": a, "entity": eid, "source": sid, "action": "merge",
                                "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                                "reviewer": reviewer} for eid, a in spellings])  # fmt: skip
        _replace_tree(data, paths.data)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    remember_rejected(paths, draft["items"])
    draft["status"] = "applied"
    save_draft(path, draft)
    return {"facts": len(facts), "mentions": len(mentions), "entities": len(ents), "merges": len(merges), "dropped": dropped}


def _items_named(draft: dict, clashes: list[str]) -> list[str]:
    """The accepted draft items whose names appear in alias clashes."""
    out = []
    for n, i in enumerate(draft["items"], 1):
        if i["status"] != "accepted" or i["kind"] not in ("entity", "merge", "mention"):
            continue
        names = [i.get("label") or i.get("name") or "", *(i.get("aliases") or [])]
        if any(nm and (repr(nm) in c or f'"{nm}"' in c) for nm in names for c in clashes):
            out.append(f"  caused by item {n}: {describe(i)}")
    return out


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


def _flag_unnamed_ends(items: list[dict], errors: list[str]) -> int:
    """Marks the accepted facts whose quote does not name both ends (each error line reads
    `where: subject predicate object: ...`), so --reject-flagged can drop exactly them."""
    bad = set()
    for line in errors:
        head = line.split(": ", 2)
        if len(head) >= 2:
            bad.add(tuple(head[1].split(" ")[:3]))
    n = 0
    for it in items:
        if it["kind"] == "fact" and it["status"] == "accepted" and (it["subject"], it["predicate"], it.get("object")) in bad:
            it["status"], it["note"] = "flagged", "would break a rule: its quote does not name both ends"
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
