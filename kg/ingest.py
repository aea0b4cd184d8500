"""`kg source add`: registers a new text in the corpus folder (never in data/ until a review is
accepted): plain text, Markdown, or HTML stripped to text; with its sha256 and metadata."""

from __future__ import annotations

import hashlib
import html.parser
import json
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

from kg.errors import InputError, Location
from kg.iri import SOURCE_ID_RE, slugify


def corpus_dir(paths) -> Path:
    """KG_CORPUS_DIR, else `corpus/` beside the build output."""
    return Path(os.environ.get("KG_CORPUS_DIR") or paths.home / "corpus")


class _Text(html.parser.HTMLParser):
    SKIP = {"script", "style", "head", "noscript", "template"}
    BLOCK = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article", "blockquote", "ul", "ol"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    p = _Text()
    p.feed(markup)
    p.close()
    text = "".join(p.parts)
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    return re.sub(r"\n\s*\n+", "\n\n", text).strip() + "\n"


MAX_SOURCE_BYTES = 5 * 1024 * 1024  # a long report is a few hundred KB; docs/ingest.md says why 5 MB

# Byte order marks, longest first (the UTF-32 LE mark begins with the UTF-16 LE one).
_BOMS = [(b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"), (b"\xef\xbb\xbf", "utf-8-sig"),
         (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")]  # fmt: skip


def _read_capped(path: Path, cap: int) -> bytes:
    """The bytes of a regular file of at most `cap` bytes. Opened non-blocking, so a FIFO is
    refused at once instead of waiting for a writer; a device (/dev/zero) is refused before a
    byte is read; a file that grows while read is still cut at the cap."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", Location(path)) from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        what = "a FIFO" if stat.S_ISFIFO(st.st_mode) else "a directory" if stat.S_ISDIR(st.st_mode) else "a device or socket"
        raise InputError(f"not a regular file ({what}); save the text to a file first", Location(path))
    with os.fdopen(fd, "rb") as f:
        too_big = f"the file is larger than {cap // (1024 * 1024)} MB (the limit for a source text)"
        if st.st_size > cap:
            raise InputError(too_big, Location(path))
        try:
            raw = f.read(cap + 1)
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror}", Location(path)) from None
    if len(raw) > cap:
        raise InputError(too_big, Location(path))
    return raw


def decode(raw: bytes, where: Location) -> str:
    """UTF-8, or UTF-16/UTF-32/UTF-8 announced by a byte order mark; anything else is refused with
    the offset of the first bad byte. NUL is looked for in the whole text: text has none."""
    enc = next((e for bom, e in _BOMS if raw.startswith(bom)), None)
    if enc is None and b"\x00" in raw:
        raise InputError(f"this looks like a binary file, not text (a NUL byte at byte {raw.index(0)})", where)
    try:
        text = raw.decode(enc or "utf-8")
    except UnicodeDecodeError as exc:
        if enc in ("utf-16", "utf-32"):
            name = enc.upper()
            raise InputError(f"not valid {name} (byte {exc.start}), though it begins with a {name} byte order mark", where) from None
        raise InputError(f"unknown encoding: not UTF-8 (byte {exc.start}); convert the file to UTF-8 first", where) from None
    if "\x00" in text:
        raise InputError(f"this looks like a binary file, not text (a NUL character at character {text.index(chr(0))})", where)
    return text


def read_text(path: Path, cap: int = MAX_SOURCE_BYTES) -> str:
    """The text of a file, or a clear refusal (not a regular file, too large, binary, empty,
    unknown encoding)."""
    text = decode(_read_capped(path, cap), Location(path))
    if not text.strip():
        raise InputError("the file is empty", Location(path))
    if path.suffix.lower() in (".html", ".htm") or re.match(r"\s*(<!doctype html|<html)", text, re.I):
        text = html_to_text(text)
    return text.replace("\r\n", "\n")


def add_source(paths, file: Path, title: str | None = None, publisher: str | None = None,
               date: str | None = None, url: str | None = None) -> dict:  # fmt: skip
    """Stores the text as <corpus>/<id>.txt with <id>.json metadata; returns the record."""
    from kg.load import literal_for
    from kg.ontology import XSD

    text = read_text(file)
    data = text.encode("utf-8")
    sha = hashlib.sha256(data).hexdigest()
    corpus = corpus_dir(paths)
    corpus.mkdir(parents=True, exist_ok=True)
    for known_id, rec in corpus_records(corpus):
        if rec.get("sha256") == sha:
            raise InputError(f"this text is already added, as source {known_id!r}", Location(file))
    for known in _known_sources(paths):
        if known.get("sha256") == sha:
            raise InputError(f"this text is already a curated source: {known['id']!r}", Location(file))
    if date is not None:
        literal_for(date, [XSD + "date", XSD + "gYearMonth", XSD + "gYear"], Location(file), "--date")
    sid = f"{slugify(file.stem)[:40] or 'source'}_{sha[:16]}"
    record = {"id": sid, "file": f"{sid}.txt", "title": title, "publisher": publisher, "date": date, "url": url,
              "sha256": sha, "description": None, "added_from": str(file)}  # fmt: skip
    inside(corpus, f"{sid}.txt").write_bytes(data)
    inside(corpus, f"{sid}.json").write_text(json.dumps(record, indent=2) + "\n")
    return record


def _known_sources(paths) -> list[dict]:
    """The curated source records, read like every data file (kg.yamlio): an alias bomb or a
    malformed sources.yaml is one line naming file:line, never a hang."""
    from kg.yamlio import load_yaml

    f = paths.data / "sources.yaml"
    records = load_yaml(f) if f.exists() else None
    return [r for r in records if isinstance(r, dict)] if isinstance(records, list) else []


def check_source_id(sid: str) -> str:
    """A source id names files in the corpus: it must be an id (docs/data-format.md), never a
    path ('../x', 'a/b'), so no command reads or writes outside the corpus."""
    if not SOURCE_ID_RE.match(sid) or sid in RESERVED:
        raise InputError(f"{sid!r} is not a source id: it may hold only letters, digits, '_', '.', '-' (see kg source add)")
    return sid


RESERVED = {"rejected"}  # corpus files that are not source records


def inside(corpus: Path, name: str) -> Path:
    """corpus/name, refused unless it resolves inside the corpus (no '..', no symlink out)."""
    path = corpus / name
    root = corpus.resolve()
    if not path.resolve().is_relative_to(root) or path.resolve() == root:
        raise InputError(f"{name!r} is outside the corpus folder {corpus}", Location(corpus))
    return path


def corpus_records(corpus: Path) -> Iterator[tuple[str, dict]]:
    """(id, record) for every source record in the corpus: a `<id>.json` holding a JSON object
    whose id is its file name. Other JSON there (rejected.json: the rejected proposals) is not one."""
    for meta in sorted(corpus.glob("*.json")):
        if not SOURCE_ID_RE.match(meta.stem) or meta.stem in RESERVED:
            continue
        rec = _read_record(corpus, meta)
        if rec is not None:
            yield meta.stem, rec


def _read_record(corpus: Path, meta: Path) -> dict | None:
    try:
        rec = json.loads(inside(corpus, meta.name).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"not a readable source record: {exc}", Location(meta)) from None
    return rec if isinstance(rec, dict) and rec.get("id") == meta.stem else None


def load_record(paths, sid: str) -> tuple[dict, str]:
    """The record and text of an added source; every path it names must lie inside the corpus."""
    corpus = corpus_dir(paths)
    check_source_id(sid)
    meta = corpus / f"{sid}.json"
    rec = _read_record(corpus, meta) if meta.exists() else None
    if rec is None:
        known = [k for k, _ in corpus_records(corpus)] if corpus.is_dir() else []
        raise InputError(f"no added source {sid!r}; added: {', '.join(known) or 'none'} (kg source add FILE)")
    name = rec.get("file")
    if not isinstance(name, str) or name != f"{sid}.txt":
        raise InputError(f"the record's file must be {sid}.txt, not {name!r}", Location(meta))
    try:
        return rec, inside(corpus, name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the source text {name}: {exc}", Location(meta)) from None
