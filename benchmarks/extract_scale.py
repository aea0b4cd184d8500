"""How `kg extract` scales with the length of a text (issue 12: it was quadratic).

The three first sources, concatenated and repeated to 200 KB, 1 MB and 2 MB, extracted against
the real lexicon; seconds per size and per MB. Near-linear means a flat s/MB column. Run on demand:
    python benchmarks/extract_scale.py [--sizes 200000,1000000,2000000]
Measured (2 shared cores, Python 3.11): see docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kg.extract import extract  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def text_of(size: int, sources: Path) -> str:
    corpus = "\n\n".join(p.read_text(encoding="utf-8") for p in sorted(sources.glob("*.txt")))
    return (corpus * (size // len(corpus) + 1))[:size]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="200000,1000000,2000000")
    ap.add_argument("--sources", type=Path, default=ROOT.parent / "shared" / "sources")
    args = ap.parse_args()
    from kg.build import ensure_built
    from kg.paths import Paths

    lexicon = json.loads(ensure_built(Paths.from_env()).lexicon.read_text(encoding="utf-8"))
    print(f"{'size':>10} {'seconds':>8} {'s/MB':>6} {'items':>7}")
    for size in (int(s) for s in args.sizes.split(",")):
        text = text_of(size, args.sources)
        t = time.perf_counter()
        draft = extract(text, "scale", lexicon)
        seconds = time.perf_counter() - t
        print(f"{size:>10} {seconds:>8.2f} {seconds / (size / 1e6):>6.2f} {len(draft['items']):>7}")


if __name__ == "__main__":
    main()
