"""Named SPARQL queries in queries/*.rq: the first comment line is the title."""

from __future__ import annotations

from pathlib import Path


def named_queries(folder: Path | None) -> list[dict]:
    if folder is None or not folder.is_dir():
        return []
    out = []
    for f in sorted(folder.glob("*.rq")):
        text = f.read_text(encoding="utf-8")
        first = next((line for line in text.splitlines() if line.startswith("#")), "# (untitled)")
        out.append({"name": f.stem, "title": first.lstrip("# ").strip(), "path": str(f), "text": text})
    return out
