"""compare_table.py - the merged table of bench/compare.sh: one row per
(model, shape, threads, engine) over all rounds: min of the minima, median of
the per-run medians, tokens/s and GFLOP/s at that median, its ratio to ONNX
Runtime's tokens/s, and for libelectra peak RSS and load time; then the
whole-process times. Usage: python3 compare_table.py compare.jsonl"""
import json
import statistics
import sys
from collections import OrderedDict


def engine_name(r):
    e = r["engine"]
    if "onnxruntime" in e:
        return "ORT"
    if e.startswith("torch"):
        ct = r.get("env_OPENBLAS_CORETYPE", "(unset)")
        return "torch (OpenBLAS %s)" % ("as set: " + ct if ct != "(unset)" else "unset")
    return "libelectra " + e.split()[-1] if e.startswith("libelectra") else e


rows, whole = [], []
for path in sys.argv[1:]:
    for line in open(path):
        if not line.startswith("{"):
            continue
        r = json.loads(line)
        (whole if "whole_process" in r else rows).append(r)

groups = OrderedDict()
for r in rows:
    groups.setdefault((r["kind"], r["batch"], r["seq"], r["threads"]), OrderedDict()) \
        .setdefault(engine_name(r), []).append(r)

print("| model | shape | thr | engine | runs | min ms | median ms | tokens/s | GFLOP/s |"
      " x ORT | RSS MB | load ms |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
order = lambda k: (k[0], k[3], k[1] * k[2], k[1])
for key in sorted(groups, key=order):
    kind, b, l, t = key
    engines = groups[key]
    med = {e: statistics.median(r["ms_med"] for r in rs) for e, rs in engines.items()}
    ort = med.get("ORT")
    for e, rs in engines.items():
        m = med[e]
        gflop = rs[0]["gflop_s"] * rs[0]["ms_med"] / 1e3
        ratio = "%.2f" % (ort / m) if ort else "-"
        rss = "%.1f" % (max(r["maxrss_kb"] for r in rs) / 1024) if "maxrss_kb" in rs[0] else "-"
        load = "%.1f" % min(r["load_ms"] for r in rs) if "load_ms" in rs[0] else "-"
        print("| %s | %dx%d | %d | %s | %d | %.2f | %.2f | %s | %.0f | %s | %s | %s |" % (
            kind, b, l, t, e, len(rs), min(r["ms_min"] for r in rs), m,
            format(round(b * l / m * 1e3), ","), gflop / m * 1e3, ratio, rss, load))

if whole:
    print()
    print("| whole process (start, load, 20 x disc 1x128, 1 thread), best of 5 | ms | x ORT |")
    print("|---|---|---|")
    ort = next((w["ms"] for w in whole if "onnxruntime" in w["whole_process"]), None)
    for w in whole:
        ratio = "%.2f" % (ort / w["ms"]) if ort else "-"
        print("| %s | %d | %s |" % (w["whole_process"], w["ms"], ratio))
