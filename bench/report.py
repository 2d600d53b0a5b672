"""Writes bench/RESULTS.md from the two JSON lines and the cold-start times."""
import json
import platform
import subprocess
import sys
import time

ours, peer = json.loads(sys.argv[1]), json.loads(sys.argv[2])
cold_ours, cold_peer = int(sys.argv[3]), int(sys.argv[4])
rounds, ops, qitems = sys.argv[5], sys.argv[6], sys.argv[7]
cpu = "unknown"
try:
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
except OSError:
    pass
rows = [
    ("client CPU per PutItem (µs)", ours["put_us"], peer["put_us"]),
    ("client CPU per GetItem + load (µs)", ours["get_us"], peer["get_us"]),
    ("client CPU per query item, loaded (µs)", ours["query_item_us"], peer["query_item_us"]),
    ("process start to first loaded object (ms, wall)", cold_ours, cold_peer),
]
print("# Benchmark results\n")
print(f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {cpu}, {platform.system()} "
      f"{platform.release()}, against dynalite on 127.0.0.1 (warmed with 500 PutItems first).")
print(f"Medians of {rounds} rounds of {ops} operations each; the query reads {qitems} items "
      "under one hash key, page by page. Client CPU is the client process's own CPU time "
      "(the server runs in another process). Cold start is the fastest of 5 fresh processes.\n")
print(f"| measure | {ours['peer']} | {peer['peer']} | ratio (boto3 / bloop) |")
print("| --- | ---: | ---: | ---: |")
for name, a, b in rows:
    print(f"| {name} | {a:.1f} | {b:.1f} | {b / a:.1f}x |")
print("\nReproduce: `bench/run [ROUNDS] [OPS] [QUERY_ITEMS]`.")
