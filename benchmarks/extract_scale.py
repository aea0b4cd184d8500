"""How `kg extract` scales with the length of a text (issue 12: it was quadratic).

Two texts at 200 KB, 1 MB and 2 MB, extracted against the real lexicon: the three first sources
repeated, and sentences whose names are all new. Near-linear means a flat s/MB column. On demand:
    python benchmarks/extract_scale.py [--sizes 200000,1000000,2000000]
Measured (2 shared cores, Python 3.11): see docs/ingest.md.
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
    """The first sources, repeated: real prose, but the same names over and over."""
    corpus = "\n\n".join(p.read_text(encoding="utf-8") for p in sorted(sources.glob("*.txt")))
    return (corpus * (size // len(corpus) + 1))[:size]


def unique_text(size: int) -> str:
    """Sentences whose names are all new (the worst case for new-name proposals): every name is
    a candidate, and each sentence-initial one is looked for in the rest of the text."""
    parts, total, i = [], 0, 0
    while total < size:
        s = f"Kalpha{i} said the plan was new. Zorvex{i} Quillan, founder of Brimstone{i} Labs, met Jack Ma in Vorlan{i}. "
        parts.append(s)
        total += len(s)
        i += 1
    return "".join(parts)[:size]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="200000,1000000,2000000")
    ap.add_argument("--sources", type=Path, default=ROOT.parent / "shared" / "sources")
    args = ap.parse_args()
    from kg.build import ensure_built
    from kg.paths import Paths

    lexicon = json.loads(ensure_built(Paths.from_env()).lexicon.read_text(encoding="utf-8"))
    print(f"{'text':>8} {'size':>10} {'seconds':>8} {'s/MB':>6} {'items':>7}")
    for kind, make in (("sources", lambda n: text_of(n, args.sources)), ("unique", unique_text)):
        for size in (int(s) for s in args.sizes.split(",")):
            text = make(size)
            t = time.perf_counter()
            draft = extract(text, "scale", lexicon)
            seconds = time.perf_counter() - t
            print(f"{kind:>8} {size:>10} {seconds:>8.2f} {seconds / (size / 1e6):>6.2f} {len(draft['items']):>7}", flush=True)


if __name__ == "__main__":
    main()
