"""How `kg extract` scales with the length of a text (issue 12: it was quadratic).

Two texts at 200 KB, 1 MB and 2 MB, extracted against the real lexicon: the three first sources
repeated, and sentences whose names are all new. Near-linear means a flat s/MB column. On demand:
    python benchmarks/extract_scale.py [--sizes 200000,1000000,2000000]
With --end-to-end: `kg extract` on a 2,500-word article as a user runs it (a new process: start-up,
lexicon, loading the spaCy pipeline, extraction, writing the draft), per engine; the target is
under 4 s with the pipeline loaded.
    python benchmarks/extract_scale.py --end-to-end [--runs 3]
Measured (2 shared cores, Python 3.11): see docs/ingest.md.
"""

from __future__ import annotations

import argparse
import json
import re
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


def end_to_end(sources: Path, runs: int, words: int = 2500) -> None:
    import os
    import subprocess
    import tempfile

    text = " ".join((sources / "001_6f8456d336a4a46f.txt").read_text(encoding="utf-8").split(" ")[:words])
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, KG_HOME=f"{tmp}/home", KG_CORPUS_DIR=f"{tmp}/corpus", KG_DATA_DIR=str(ROOT / "data"))
        article = Path(tmp) / "article.txt"
        article.write_text(text + "\n", encoding="utf-8")

        def kg(*args: str) -> subprocess.CompletedProcess:
            return subprocess.run([sys.executable, "-m", "kg", *args], env=env, capture_output=True, text=True, check=True)

        kg("build")
        sid = kg("source", "add", str(article)).stdout.split()[2]
        print(f"article: {len(text.split())} words; {runs} runs per engine, each a new process")
        for engine in ("rules", "nlp"):
            times = []
            for _ in range(runs):
                t = time.perf_counter()
                out = kg("extract", sid, "--engine", engine).stdout
                times.append(time.perf_counter() - t)
            used = re.search(r"\((rules|nlp \(\w+\))\):", out).group(1)
            print(f"{engine:>6}: median {sorted(times)[len(times) // 2]:.2f} s, min {min(times):.2f} s  ({used})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="200000,1000000,2000000")
    ap.add_argument("--sources", type=Path, default=ROOT.parent / "shared" / "sources")
    ap.add_argument("--end-to-end", action="store_true", help="time kg extract on a 2,500-word article, per engine")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    if args.end_to_end:
        end_to_end(args.sources, args.runs)
        return
    from kg.build import ensure_built
    from kg.paths import Paths

    lexicon = json.loads(ensure_built(Paths.from_env()).lexicon.read_text(encoding="utf-8"))
    print(f"{'text':>8} {'size':>10} {'seconds':>8} {'s/MB':>6} {'items':>7}")
    for kind, make in (("sources", lambda n: text_of(n, args.sources)), ("unique", unique_text)):
        for size in (int(s) for s in args.sizes.split(",")):
            text = make(size)
            t = time.perf_counter()
            draft = extract(text, "scale", lexicon, engine="rules")
            seconds = time.perf_counter() - t
            print(f"{kind:>8} {size:>10} {seconds:>8.2f} {seconds / (size / 1e6):>6.2f} {len(draft['items']):>7}", flush=True)


if __name__ == "__main__":
    main()
