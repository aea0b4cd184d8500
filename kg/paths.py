"""Where kg finds its ontology, data, source texts and build output.

Never the current directory: a user runs `kg` from anywhere. Settings (environment):
  KG_DATA_DIR      curated data (sources.yaml, entities/, facts/)
  KG_ONTOLOGY_DIR  ontology Turtle files
  KG_HOME          build output (default: <checkout>/build in a source checkout,
                   else $XDG_CACHE_HOME/kg or ~/.cache/kg)
  KG_SOURCES_DIR   folder with the source texts, for `kg validate` (or --sources)
  KG_QUERIES_DIR   named SPARQL queries (default: the checkout's or package's queries/)
Defaults: the checkout's top-level ontology/ and data/ when kg runs from a source tree,
else the copies shipped inside the installed package (kg/_resources/).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

_PKG = Path(__file__).resolve().parent
SHAPES_FILE = "shapes.ttl"


def _checkout_root() -> Path | None:
    root = _PKG.parent
    if (root / "pyproject.toml").is_file() and (root / "ontology").is_dir() and (root / "data").is_dir():
        return root
    return None


def _default(kind: str) -> Path:
    root = _checkout_root()
    if root is not None:
        return root / kind
    return _PKG / "_resources" / kind


class Paths(NamedTuple):
    """All locations one run uses; tests build their own to work on copies."""

    data: Path
    ontology: Path
    home: Path
    sources: Path | None = None
    queries: Path | None = None

    @classmethod
    def from_env(cls, sources: Path | None = None) -> Paths:
        env = os.environ
        root = _checkout_root()
        if "KG_HOME" in env:
            home = Path(env["KG_HOME"])
        elif root is not None:
            home = root / "build"
        else:
            home = Path(env.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "kg"
        src = sources or (Path(env["KG_SOURCES_DIR"]) if env.get("KG_SOURCES_DIR") else None)
        return cls(
            data=Path(env.get("KG_DATA_DIR") or _default("data")),
            ontology=Path(env.get("KG_ONTOLOGY_DIR") or _default("ontology")),
            home=home,
            sources=src,
            queries=Path(env.get("KG_QUERIES_DIR") or _default("queries")),
        )

    def ontology_files(self) -> list[Path]:
        return sorted(p for p in self.ontology.glob("*.ttl") if p.name != SHAPES_FILE)

    def shapes_file(self) -> Path:
        return self.ontology / SHAPES_FILE

    def data_files(self) -> list[Path]:
        files = [self.shapes_file(), self.data / "sources.yaml"]
        files += sorted((self.data / "entities").glob("*.yaml"))
        files += sorted((self.data / "facts").glob("*.yaml"))
        return [f for f in files if f.exists()]


def display_path(path: Path) -> str:
    """Shortest honest name for a file in a message: relative to cwd when below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
