#!/usr/bin/python3
"""Draws BENCHMARKS.md's picture of takeover against the number of jobs (issue 18).

    bench/plot_scale.py OUT.png RUN.txt...

Each RUN.txt is the standard output of one `regent_bench_failover BACKEND kill REPS N...` run
(its first line names the backend; one row per N). For each backend the picture shows, against
N on a log scale, the p50 and p99 (error bar top) of
  - all RUNNING: kill -9 of the leader -> every job adopted or redeployed by the new leader;
  - takeover work: the new leader's grant -> every job adopted or redeployed;
  - all checkpointed: kill -9 -> every job has completed a checkpoint under the new leader.
Needs Debian's python3-matplotlib (`scripts/install-deps.sh --bench`).
"""

import re
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROW = re.compile(r"^\s*(\d+)" + r"\s+([0-9.]+) / ([0-9.]+)" * 5 + r"\s*$")
COLUMNS = {"all RUNNING": 1, "takeover work": 3, "all checkpointed": 2}


def read_run(path):
    """(backend, interval text, {N: [(p50, p99) per column]}) of one benchmark output."""
    backend, interval, rows = None, "", {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            head = re.match(r"^(\w+) HA, ", line)
            if head and backend is None:
                backend = head.group(1)
                every = re.search(r"checkpoints every (\d+) ms", line)
                interval = f", checkpoints every {every.group(1)} ms" if every else ""
            m = ROW.match(line)
            if m:
                v = [float(x) for x in m.groups()[1:]]
                rows[int(m.group(1))] = [(v[2 * i], v[2 * i + 1]) for i in range(5)]
    if backend is None or not rows:
        sys.exit(f"{path}: not the output of regent_bench_failover")
    return backend, interval, rows


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: bench/plot_scale.py OUT.png RUN.txt...")
    runs = [read_run(p) for p in sys.argv[2:]]
    fig, axes = plt.subplots(1, len(runs), figsize=(6.4 * len(runs), 4.8), squeeze=False)
    for ax, (backend, interval, rows) in zip(axes[0], runs):
        ns = sorted(rows)
        for label, col in COLUMNS.items():
            p50 = [rows[n][col][0] for n in ns]
            p99 = [rows[n][col][1] for n in ns]
            ax.errorbar(ns, p50, yerr=[[0] * len(ns), [b - a for a, b in zip(p50, p99)]], marker="o",
                        capsize=3, label=f"{label} (p50, bar to p99)")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("running jobs N")
        ax.set_ylabel("ms")
        ax.set_title(f"{backend}: kill -9 of the leader{interval}")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(sys.argv[1], dpi=100)


if __name__ == "__main__":
    main()
