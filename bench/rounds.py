#!/usr/bin/env python3
"""bench/rounds.py: one peer's result from several one-round runs of it (JSON lines on stdin,
as bare_c and bloop_bench.lua print them), in the shape of one run of that many rounds:
each measure the median over the runs, `rounds` each measure's rounds in run order.

Why: bench/run alternates bare C and bloop round by round, each round a process of its
own after the same warm-up, because this VM's speed drifts by tens of percent over seconds
(a fixed Lua loop takes 0.25 to 0.38 s from one second to the next): run back to back, one
peer's rounds can all fall in a slow spell and the other's in a fast one."""
import json
import statistics
import sys

runs = [json.loads(line) for line in sys.stdin if line.strip()]
out = {}
for key, first in runs[0].items():
    if key == "rounds":
        out[key] = [[x for r in runs for x in r[key][i]] for i in range(len(first))]
    elif isinstance(first, int) and not isinstance(first, bool):
        out[key] = statistics.median_low(r[key] for r in runs)   # a count stays a count
    elif isinstance(first, float):
        out[key] = statistics.median(r[key] for r in runs)
    else:
        out[key] = first
print(json.dumps(out))
