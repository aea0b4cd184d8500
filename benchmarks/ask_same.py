"""Checks that a speed change left `kg ask`'s answers as they were, and times the reading itself.

    python benchmarks/ask_same.py snapshot /tmp/before.json     # before the change
    python benchmarks/ask_same.py snapshot /tmp/after.json      # after it
    python benchmarks/ask_same.py compare /tmp/before.json /tmp/after.json

A snapshot holds, for every question of tests/data/ask_eval.yaml, the whole answer as `kg ask
--format json` gives it (or the abstention's message, or the crash), so a changed intent, answer,
evidence quote, verdict, word reading or runner-up counts as a difference. Held-out questions are
kept only as a digest and `compare` reports only their count (docs/ask-eval.md rule 1: held-out
questions are never shown); dev differences are listed by id.

`snapshot` also prints the reading's own latency (`KnowledgeGraph.ask` in process, the graph open
and its per-build structures loaded) over the dev questions: median, p95 and max (issue 10 target:
p95 under 50 ms).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.ask_eval import load  # noqa: E402


def _response(g, question: str) -> dict:
    from kg.errors import KgError

    try:
        return {"answer": g.ask(question).as_json()}
    except KgError as e:
        return {"abstained": f"{type(e).__name__} (exit {e.exit_code}): {e}"}
    except Exception as e:  # noqa: BLE001 - a crash is part of the behaviour compared
        return {"error": f"{type(e).__name__}: {e}"}


def snapshot(path: Path, runs: int) -> None:
    from kg import KnowledgeGraph

    g = KnowledgeGraph.open()
    questions = load()
    _response(g, "who attended the Great Hall meeting")  # per-build structures loaded, as in a server
    out: dict[str, dict] = {}
    times: list[float] = []
    for q in questions:
        best = float("inf")
        for _ in range(runs if q["split"] == "dev" else 1):
            t = time.perf_counter()
            r = _response(g, q["question"])
            best = min(best, time.perf_counter() - t)
        text = json.dumps(r, sort_keys=True, ensure_ascii=False, default=str)
        entry = {"split": q["split"], "digest": hashlib.sha256(text.encode()).hexdigest()}
        if q["split"] == "dev":
            entry["response"] = r
            times.append(best * 1000)
        out[q["id"]] = entry
    path.write_text(json.dumps(out, indent=1, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    print(f"reading over {len(times)} dev questions (best of {runs}): median {statistics.median(times):.1f} ms, "
          f"p95 {p95:.1f} ms, max {times[-1]:.1f} ms (target p95 < 50 ms)")  # fmt: skip


def compare(a: Path, b: Path) -> int:
    before = json.loads(a.read_text(encoding="utf-8"))
    after = json.loads(b.read_text(encoding="utf-8"))
    differ = {"dev": [], "heldout": []}
    for qid, x in before.items():
        y = after.get(qid)
        if y is None or y["digest"] != x["digest"]:
            differ[x["split"]].append(qid)
    missing = sorted(set(after) ^ set(before))
    print(f"dev: {len(differ['dev'])} of {sum(x['split'] == 'dev' for x in before.values())} differ"
          + (f" ({', '.join(differ['dev'])})" if differ["dev"] else ""))  # fmt: skip
    print(f"heldout: {len(differ['heldout'])} of {sum(x['split'] == 'heldout' for x in before.values())} differ")
    if missing:
        print(f"questions in one snapshot only: {len(missing)}")
    return 1 if differ["dev"] or differ["heldout"] or missing else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("snapshot")
    s.add_argument("path", type=Path)
    s.add_argument("--runs", type=int, default=3, help="timed runs per dev question (the best is kept)")
    c = sub.add_parser("compare")
    c.add_argument("before", type=Path)
    c.add_argument("after", type=Path)
    args = ap.parse_args()
    if args.cmd == "snapshot":
        snapshot(args.path, args.runs)
        return 0
    return compare(args.before, args.after)


if __name__ == "__main__":
    sys.exit(main())
