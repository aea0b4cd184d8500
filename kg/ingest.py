"""`kg source add`: registers a new text in the corpus folder (never in data/ until a review is
accepted): plain text, Markdown, or HTML stripped to text; with its sha256 and metadata."""

from __future__ import annotations

import hashlib
import html.parser
import json
import os
import re
from pathlib import Path

from kg.errors import InputError, Location
from kg.iri import slugify


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


def read_text(path: Path) -> str:
    """The text of a file, or a clear refusal (binary, empty, unknown encoding)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", Location(path)) from None
    if not raw.strip():
        raise InputError("the file is empty", Location(path))
    if b"\x00" in raw[:8192]:
        raise InputError("this looks like a binary file, not text (it contains NUL bytes)", Location(path))
    for enc in ("utf-8-sig", "utf-16") if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-8-sig",):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError as exc:
            err = exc
    else:
        raise InputError(f"unknown encoding: not UTF-8 (byte {err.start}); convert the file to UTF-8 first", Location(path))
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
    for meta in corpus.glob("*.json"):
        if json.loads(meta.read_text()).get("sha256") == sha:
            raise InputError(f"this text is already added, as source {meta.stem!r}", Location(file))
    for known in _known_sources(paths):
        if known["sha256"] == sha:
            raise InputError(f"this text is already a curated source: {known['id']!r}", Location(file))
    if date is not None:
        literal_for(date, [XSD + "date", XSD + "gYearMonth", XSD + "gYear"], Location(file), "--date")
    sid = f"{slugify(file.stem)[:40] or 'source'}_{sha[:16]}"
    record = {"id": sid, "file": f"{sid}.txt", "title": title, "publisher": publisher, "date": date, "url": url,
              "sha256": sha, "description": None, "added_from": str(file)}  # fmt: skip
    (corpus / f"{sid}.txt").write_bytes(data)
    (corpus / f"{sid}.json").write_text(json.dumps(record, indent=2) + "\n")
    return record


def _known_sources(paths) -> list[dict]:
    import yaml

    f = paths.data / "sources.yaml"
    return yaml.safe_load(f.read_text()) or [] if f.exists() else []


def load_record(paths, sid: str) -> tuple[dict, str]:
    corpus = corpus_dir(paths)
    meta = corpus / f"{sid}.json"
    if not meta.exists():
        known = sorted(p.stem for p in corpus.glob("*.json"))
        raise InputError(f"no added source {sid!r}; added: {', '.join(known) or 'none'} (kg source add FILE)")
    record = json.loads(meta.read_text())
    return record, (corpus / record["file"]).read_text(encoding="utf-8")
