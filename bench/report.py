"""Writes bench/RESULTS.md from bench/run's runs (one JSON object per line).

Usage: python3 bench/report.py RUNS.jsonl ROUNDS OPS QUERY_ITEMS BLOOP_BINARY"""
import json
import os
import platform
import statistics
import sys
import time

path, rounds, ops, qitems, binary = sys.argv[1:6]
runs = [json.loads(line) for line in open(path) if line.strip()]


def cpu_name():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def values(get):
    return [get(r) for r in runs]


# (measure, bloop getter, boto3 getter, boto3 operation, target or None)
engine_rows = [
    ("client CPU per `engine:save` (µs)", lambda r: r["ours"]["save_us"],
     lambda r: r["peer"]["save_us"], "update_item, SET expression", 150),
    ("client CPU per counter increment, `engine:save` of `bloop.actions.add(1)` (µs)",
     lambda r: r["ours"]["increment_us"], lambda r: r["peer"]["increment_us"],
     "update_item, ADD expression", None),
    ("client CPU per `engine:load` (µs)", lambda r: r["ours"]["load_us"],
     lambda r: r["peer"]["get_us"], "get_item + deserialize", 150),
    ("client CPU per query item loaded into a model object (µs)",
     lambda r: r["ours"]["query_item_us"], lambda r: r["peer"]["query_item_us"],
     "query pages + deserialize", 10),
    ("process start to first loaded object (ms, wall)", lambda r: r["cold_engine"]["median_ms"],
     lambda r: r["cold_peer"]["median_ms"], "import, client, get_item", 30),
]
client_rows = [
    ("client CPU per `client:put_item` (µs)", lambda r: r["ours"]["client_put_us"],
     lambda r: r["peer"]["put_us"], "put_item"),
    ("client CPU per `client:get_item` + plain load (µs)", lambda r: r["ours"]["client_get_us"],
     lambda r: r["peer"]["get_us"], "get_item + deserialize"),
    ("client CPU per query item, plain tables (µs)", lambda r: r["ours"]["client_query_item_us"],
     lambda r: r["peer"]["query_item_us"], "query pages + deserialize"),
    ("process start to first item, client only (ms, wall)", lambda r: r["cold_client"]["median_ms"],
     lambda r: r["cold_peer"]["median_ms"], "import, client, get_item"),
]


def fmt(x):
    return f"{x:.1f}" if x < 1000 else f"{x:.0f}"


ours_name, peer_name = runs[0]["ours"]["peer"], runs[0]["peer"]["peer"]
out = []
out.append("# Benchmark results\n")
out.append(f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {cpu_name()} "
           f"({os.cpu_count()} cores), {platform.system()} {platform.release()}, against a "
           "private dynalite on 127.0.0.1 warmed with 10,000 requests first; "
           f"`{binary}` (CMake Release). Load average during the runs: "
           + "; ".join(r["load"] for r in runs) + ".\n")
out.append(f"Each number is the median over {len(runs)} full runs of the median over {rounds} "
           f"rounds ({ops} operations per round for save/load; the query reads all "
           f"{qitems} items under one hash key, page by page, per round). Client CPU is the "
           "client process's own CPU time (user + system; the server is another process). "
           "Process start to first object is wall time from fork to exit of a fresh process, "
           "median of 7 per run (after 2 uncounted). The bloop model has six attributes (String hash key, Number, "
           "Boolean, Set(String), Map{city, zip}, String); boto3 reads and writes the same "
           "attributes through its low-level client with TypeSerializer/TypeDeserializer.\n")
out.append("## Through the engine (the targets of issue 4)\n")
out.append(f"| measure | {ours_name} engine | {peer_name} (what it does) | boto3 / bloop "
           "| target | met | bloop, fastest run |")
out.append("| --- | ---: | ---: | ---: | ---: | :---: | ---: |")
for name, ours, peer, what, target in engine_rows:
    a, b = statistics.median(values(ours)), statistics.median(values(peer))
    best = min(values(ours))
    goal = f"≤ {target}" if target is not None else "—"
    met = "—" if target is None else ("yes" if a <= target else "**no**")
    out.append(f"| {name} | {fmt(a)} | {fmt(b)} ({what}) | {b / a:.1f}x | {goal} "
               f"| {met} | {fmt(best)} |")
out.append("\n## The low-level client underneath (what the engine layer adds)\n")
out.append(f"| measure | {ours_name} client | {peer_name} (what it does) | boto3 / bloop |")
out.append("| --- | ---: | ---: | ---: |")
for name, ours, peer, what in client_rows:
    a, b = statistics.median(values(ours)), statistics.median(values(peer))
    out.append(f"| {name} | {fmt(a)} | {fmt(b)} ({what}) | {b / a:.1f}x |")
out.append("\n## Every run (bloop / boto3)\n")
out.append("| measure | " + " | ".join(f"run {i + 1}" for i in range(len(runs))) + " |")
out.append("| --- |" + " ---: |" * len(runs))
for name, ours, peer, *_ in engine_rows + client_rows:
    out.append(f"| {name} | " + " | ".join(f"{fmt(ours(r))} / {fmt(peer(r))}" for r in runs) + " |")
out.append("\nThe machine is shared (2 cores; the client and dynalite take one each): another "
           "busy process inflates client CPU, so runs differ; \"fastest run\" shows the least "
           "disturbed one, and `bench/profile` gives instruction counts, which do not vary.\n")
out.append("Notes: `engine:load` of one object sends BatchGetItem (the engine loads through "
           "its batch executor); boto3's row is GetItem. `engine:save` sends UpdateItem with a "
           "SET of the five non-key columns; boto3's row builds and sends the same UpdateItem. "
           "Raw data: `bench/runs.jsonl`.\n")
out.append("Reproduce: `bench/run [ROUNDS] [OPS] [QUERY_ITEMS] [RUNS]` (defaults 5 1000 10000 3).")
print("\n".join(out))
