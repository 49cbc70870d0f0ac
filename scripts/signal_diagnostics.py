#!/usr/bin/env python3
"""Bandit reward signals compared on the same decisions (issue: why neg-loss fails).

Reads a run directory trained with `--set strategy.log_signals=true` (decisions.jsonl then carries
every signal of each decision: neg-loss, verifier agreement, rm-agreement, implicit-margin) and prints, per arm and
per iteration, the mean of each signal, plus each signal's correlation with the verifier's
agreement (the ground truth of how right the arm's pairs were). Standard library only.
Usage: scripts/signal_diagnostics.py RUN_DIR [RUN_DIR ...]
"""
import json
import math
import sys
from collections import defaultdict


def pearson(xs, ys):
    pts = [(x, y) for x, y in zip(xs, ys) if x is not None and y is not None]
    if len(pts) < 3:
        return float("nan"), len(pts)
    mx = sum(p[0] for p in pts) / len(pts)
    my = sum(p[1] for p in pts) / len(pts)
    sxy = sum((p[0] - mx) * (p[1] - my) for p in pts)
    sxx = sum((p[0] - mx) ** 2 for p in pts)
    syy = sum((p[1] - my) ** 2 for p in pts)
    if sxx == 0 or syy == 0:
        return float("nan"), len(pts)
    return sxy / math.sqrt(sxx * syy), len(pts)


def mean(v):
    v = [x for x in v if x is not None]
    return sum(v) / len(v) if v else float("nan")


def print_means(rows, sigs, key, head, rule, share):
    """One table row per value of `key`: the mean of each signal (and the share of decisions)."""
    print(head + " " + " | ".join(sigs) + " |")
    print(rule + "---:|" * len(sigs))
    groups = defaultdict(list)
    for r in rows:
        groups[r[key]].append(r)
    for value, rs in sorted(groups.items()):
        cells = [f"{len(rs) / len(rows):.3f}"] if share else []
        cells += [f"{mean([r['signals'][s] for r in rs]):+.3f}" for s in sigs]
        print(f"| {value} | " + " | ".join(cells) + " |")


def main(run_dirs):
    rows = []
    for d in run_dirs:
        with open(d + "/decisions.jsonl") as f:
            for line in f:
                r = json.loads(line)
                if "signals" not in r:
                    sys.exit(f"{d}/decisions.jsonl: no 'signals' field; rerun with --set strategy.log_signals=true")
                rows.append(r)
    sigs = [s for s in ["neg-loss", "verifier", "rm-agreement", "implicit-margin"] if any(s in r["signals"] for r in rows)]
    for r in rows:
        for s in sigs:
            r["signals"].setdefault(s, None)  # runs logged before a signal existed
    print(f"{len(rows)} decisions from {len(run_dirs)} run(s)\n")
    print("| signal | corr. with verifier agreement | n |")
    print("|---|---:|---:|")
    ver = [r["signals"]["verifier"] for r in rows]
    for s in sigs:
        c, n = pearson([r["signals"][s] for r in rows], ver)
        print(f"| {s} | {c:+.3f} | {n} |")
    print("\nMean of each signal by arm (and the arm's share of decisions):\n")
    print_means(rows, sigs, "arm_name", "| arm | share |", "|---|---:|", share=True)
    print("\nMean of each signal by iteration (scale drift):\n")
    print_means(rows, sigs, "iteration", "| iteration |", "|---:|", share=False)

if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
