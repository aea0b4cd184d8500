"""Times `kg ask` end to end against the floor `python -c "import typer, pyoxigraph"`.

Run on demand (not in CI): python benchmarks/ask_startup.py [--runs 15]
Target (issue 3): median `kg ask` at most 1.5x the floor. Prints both medians and the ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

QUESTIONS = [
    "who attended the Great Hall meeting",
    "which models did DeepSeek develop",
    "what does the NPRM prohibit",
    "which models were trained with more than 10^24 FLOP",
]


# Bytecode as an installed package has it (pip compiles on install); some shells set
# PYTHONDONTWRITEBYTECODE, which would make every run recompile kg's modules.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=ENV)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    py = sys.executable
    script = Path(py).parent / "kg"  # the console script users run (not a pyenv shim)
    kg_cmd = [str(script)] if script.exists() else [py, "-m", "kg"]
    subprocess.run([py, "-m", "kg", "build"], check=True, stdout=subprocess.DEVNULL, env=ENV)  # build exists
    for q in QUESTIONS:  # warm: bytecode written, file cache hot
        timed([*kg_cmd, "ask", q])
    floor = [timed([py, "-c", "import typer, pyoxigraph"]) for _ in range(args.runs)]
    print(f"{'command':<58} {'median ms':>10} {'ratio':>7}")
    f = statistics.median(floor)
    label = 'python -c "import typer, pyoxigraph" (floor)'
    print(f"{label:<58} {f * 1000:>10.1f} {1.0:>7.2f}")
    ratios = []
    for q in QUESTIONS:
        runs = [timed([*kg_cmd, "ask", q]) for _ in range(args.runs)]
        m = statistics.median(runs)
        ratios.append(m / f)
        print(f"{'kg ask ' + repr(q):<58.58} {m * 1000:>10.1f} {m / f:>7.2f}")
    print(f"median ratio kg ask / floor: {statistics.median(ratios):.2f} (target <= 1.5)")


if __name__ == "__main__":
    main()
