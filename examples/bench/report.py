"""Prints the benchmark tables from the load driver's JSON lines (median over the rounds)."""

import json
import statistics
import sys
from collections import defaultdict


def medians(path):
    runs = defaultdict(list)
    for line in open(path, encoding="utf-8"):
        if line.strip():
            r = json.loads(line)
            runs[r["label"]].append(r)
    out = {}
    for label, rs in runs.items():
        out[label] = {
            "rate": statistics.median(r["logins_per_s"] for r in rs),
            "p50": statistics.median(r["p50_ms"] for r in rs),
            "p99": statistics.median(r["p99_ms"] for r in rs),
            "errors": sum(r["errors"] for r in rs),
            "rounds": len(rs),
        }
    return out


# Each pair's target (issue 15, BENCHMARKS.md): (minimum throughput ratio ours/peer, whether our
# p99 must also be below the peer's), chosen by the start of the pair's label.
TARGETS = [
    ("Express", 1.0, True),
    ("Django (SQLite)", 1.0, False),
    ("Django (PostgreSQL)", 1.0, True),
    ("Keycloak", 0.95, False),
]


def target(pair, ours, peer):
    """The target's text and verdict, e.g. ('≥ 0.95×', 'MET'); ('—', '') for a pair without one."""
    for prefix, ratio, p99 in TARGETS:
        if pair.startswith(prefix):
            text = f"≥ {ratio:.2f}×" + (", p99 below the peer's" if p99 else "")
            if not ours or not peer or not peer["rate"]:
                return text, "not measured"
            met = ours["rate"] / peer["rate"] >= ratio and (not p99 or ours["p99"] < peer["p99"])
            return text, "MET" if met else "MISSED"
    return "—", ""


def main():
    kind, path = sys.argv[1], sys.argv[2]
    m = medians(path)
    if kind == "emulator":
        print(f"| client | logins/s | p50 ms | p99 ms | errors | target ≥ 2000/s |")
        print("|---|---:|---:|---:|---:|---|")
        for label, r in m.items():
            ok = "yes" if r["rate"] >= 2000 else "NO"
            print(f"| {label} | {r['rate']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['errors']} | {ok} |")
        return
    # Pairs: labels "PAIR :: ours" and "PAIR :: peer"
    pairs = defaultdict(dict)
    for label, r in m.items():
        pair, side = label.split(" :: ")
        pairs[pair][side] = r
    print(
        "| pair | ours logins/s | peer logins/s | ratio ours/peer | ours p50 / p99 ms | peer p50 / p99 ms "
        "| errors ours/peer | target | verdict |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---|---|")
    for pair, sides in pairs.items():
        o, p = sides.get("ours"), sides.get("peer")
        goal, verdict = target(pair, o, p)
        if not o or not p:
            def cell(r):
                return (f"{r['rate']:.0f}", f"{r['p50']:.1f} / {r['p99']:.1f}") if r else ("could not log in", "—")
            (orate, olat), (prate, plat) = cell(o), cell(p)
            print(f"| {pair} | {orate} | {prate} | — | {olat} | {plat} | — | {goal} | {verdict} |")
            continue
        ratio = o["rate"] / p["rate"] if p["rate"] else float("inf")
        print(
            f"| {pair} | {o['rate']:.0f} | {p['rate']:.0f} | {ratio:.2f}× | {o['p50']:.1f} / {o['p99']:.1f} "
            f"| {p['p50']:.1f} / {p['p99']:.1f} | {o['errors']}/{p['errors']} | {goal} | {verdict} |"
        )


if __name__ == "__main__":
    main()
