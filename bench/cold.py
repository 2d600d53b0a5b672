"""Whole-process wall time of a command, from fork to exit, N times: prints the median and
the fastest in milliseconds as JSON. Two runs before them are not counted: they bring the
files into the page cache and let the server settle after the heavy runs before it.
Usage: python3 bench/cold.py N COMMAND ARGS..."""
import json
import statistics
import subprocess
import sys
import time

n, cmd = int(sys.argv[1]), sys.argv[2:]
for _ in range(2):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
samples = []
for _ in range(n):
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    samples.append((time.perf_counter() - t0) * 1000)
print(json.dumps({"median_ms": statistics.median(samples), "min_ms": min(samples)}))
