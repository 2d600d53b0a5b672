"""Writes bench/RESULTS.md from bench/run's runs (one JSON object per line).

Usage: python3 bench/report.py RUNS.jsonl ROUNDS OPS QUERY_ITEMS BLOOP_BINARY [RSS.json]"""
import json
import os
import platform
import statistics
import sys
import time

path, rounds, ops, qitems, binary = sys.argv[1:6]
rss_path = sys.argv[6] if len(sys.argv) > 6 else None
runs = [json.loads(line) for line in open(path) if line.strip()]


def cpu_name():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def med(get):
    return statistics.median(get(r) for r in runs)


def fmt(x):
    return f"{x:.1f}" if x < 1000 else f"{x:.0f}"


# (measure, bare C key, bloop key, boto3 key, target as a ratio to bare C or in µs)
side_rows = [
    ("`engine:save` (UpdateItem, SET of the five non-key attributes)", "save_us", "save_us",
     "save_us", ("ratio", 1.25)),
    ("counter increment: `post.n = bloop.actions.add(1); engine:save(post)` (UpdateItem "
     "ADD of one placeholder)", "increment_us", "increment_us", "increment_us", None),
    ("`engine:load` of one object (GetItem, decoded)", "get_us", "load_us", "get_us",
     ("ratio", 1.25)),
    ("query item loaded into a model object", "query_item_us", "query_item_us",
     "query_item_us", ("us", 5)),
    ("`client:put_item` (PutItem of the six attributes)", "put_us", "client_put_us",
     "put_us", None),
    ("`client:get_item` + plain load (GetItem, decoded)", "get_us", "client_get_us",
     "get_us", None),
    ("query item, client, plain tables", "query_item_us", "client_query_item_us",
     "query_item_us", None),
]
cold_rows = [
    ("process start to first loaded object, engine (ms, wall)", "cold_engine", 30),
    ("process start to first item, client only (ms, wall)", "cold_client", None),
]

bare_name = runs[0]["bare"]["peer"]
has_js = all(r.get("js") for r in runs)
ours_name, peer_name = runs[0]["ours"]["peer"], runs[0]["peer"]["peer"]
out = ["# Benchmark results\n"]
out.append(f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {cpu_name()} "
           f"({os.cpu_count()} cores), {platform.system()} {platform.release()}, against a "
           "private dynalite on 127.0.0.1 warmed with 10,000 requests first; "
           f"`{binary}` (CMake Release). Load average at the start of each run: "
           + "; ".join(r["load"] for r in runs) + ".\n")
out.append(f"Client CPU per operation (user + system time of the measured process: "
           "`getrusage` in bare C, `os.clock` in bloop, `time.process_time` in boto3; the "
           f"server is another process), median of {rounds} rounds of {ops} operations"
           + (f", median over {len(runs)} runs" if len(runs) > 1 else "")
           + f"; the query reads all {qitems} items under one hash key, page by page, per "
           "round. The peers run one after the other against the same server in one run; bare C "
           "and bloop alternate round by round (each round a process of its own after the "
           "same warm-up; `bench/rounds.py` says why). "
           "All read and write the same six attributes (String hash key, Number, Boolean, "
           "Set(String), Map{city, zip}, String).\n")
out.append(f"- bare C: `bench/bare_c.c`, {bare_name}: one libcurl easy handle kept alive, "
           "SigV4 by hand with OpenSSL's one-shot `SHA256`/`HMAC` (signing key derived once "
           "a day), bodies built and answers decoded into a C struct with cJSON.")
out.append(f"- {ours_name}: `bench/bloop_bench.lua`, the engine with Lua models "
           "(`bench/models.lua`) and the low-level client with wire tables.")
out.append(f"- {peer_name}: `bench/peer_boto3.py`, the low-level client with "
           "TypeSerializer/TypeDeserializer" + ("." if has_js else ".\n"))
if has_js:
    out.append(f"- {runs[0]['js']['peer']}: `bench/js/peer.mjs`, `DynamoDBClient` with "
               "`marshall`/`unmarshall` from `@aws-sdk/util-dynamodb` (`process.cpuUsage`).\n")
out.append("## Side by side (µs of client CPU per operation)\n")
out.append(f"| operation | bare C | bloop | bloop / bare C | target | met | boto3 | boto3 / bare C |"
           + (" JavaScript SDK | JS / bare C |" if has_js else ""))
out.append("| --- | ---: | ---: | ---: | ---: | :---: | ---: | ---: |" + (" ---: | ---: |" if has_js else ""))
for name, bk, ok, pk, target in side_rows:
    b, o, p = med(lambda r: r["bare"][bk]), med(lambda r: r["ours"][ok]), med(lambda r: r["peer"][pk])
    js = f" {fmt(med(lambda r: r['js'][pk]))} | {med(lambda r: r['js'][pk]) / b:.1f}x |" if has_js else ""
    if target is None:
        t, met = "", ""
    elif target[0] == "ratio":
        t, met = f"≤ {target[1]}x", "yes" if o / b <= target[1] else "**no**"
    else:
        t, met = f"≤ {target[1]} µs", "yes" if o <= target[1] else "**no**"
    out.append(f"| {name} | {fmt(b)} | {fmt(o)} | {o / b:.2f}x | {t} | {met} | {fmt(p)} "
               f"| {p / b:.1f}x |" + js)
out.append("\nbare C's save row sends the same UpdateItem as `engine:save` of a new object (SET "
           "of the five non-key attributes, names and values as placeholders); its increment "
           "row the same UpdateItem `ADD #n0 :v0` as the counter (one name, one value: 1) "
           "that boto3 and the JavaScript SDK send; its put row is "
           "PutItem. Its load row serves both load rows: GetItem, the answer parsed and "
           "decoded into a struct (strings copied, numbers converted).\n")
out.append("## Process start (wall, median of 7 per run after 2 uncounted)\n")
out.append(f"| measure | bloop | boto3 (import, client, get_item) | target | met |")
out.append("| --- | ---: | ---: | ---: | :---: |")
for name, key, target in cold_rows:
    o, p = med(lambda r: r[key]["median_ms"]), med(lambda r: r["cold_peer"]["median_ms"])
    out.append(f"| {name} | {fmt(o)} | {fmt(p)} | {'≤ ' + str(target) if target else ''} "
               f"| {('yes' if o <= target else '**no**') if target else ''} |")
# (measure, key, target µs per item)
tp_rows = [
    ("scan over 4 segments, per item loaded into a model object", "scan4", 5),
    ("`batch_save` of 20,000 small objects, per object", "batch_save", 15),
]


def tp(r, peer, key, what):
    v = r[peer].get(key + "_" + what)
    return v


def cores(x):
    if x is None:
        return "n/a"
    return f"{x:.2f}" + (" (saturated)" if x >= 0.9 else "")


if all(r["ours"].get("scan4_item_us") is not None and r["peer"].get("scan4_item_us") is not None
       for r in runs):
    out.append("\n## Throughput: a scan over 4 segments, batch_save\n")
    out.append(f"Same server, same run, one after the other. The scan reads the {qitems} items of "
               "`TABLE-s` (the six attributes, each under its own hash key, so the segments "
               "split them): bloop with `engine:scan(SItem, { segments = 4 })`, boto3 with 4 "
               "threads, one segment each, each with its own client, every item deserialized. "
               "The batch rows write 20,000 small items (`id`, `n`, `ok`) to `TABLE-b`: bloop "
               "with one `engine:batch_save(...)` of 20,000 objects (built before the clock "
               "starts), boto3 with `Table.batch_writer()` (25 items a request, one request at "
               "a time). Client CPU per item counts every thread of the process; items/s is "
               "wall time; server CPU is dynalite's user + system time from `/proc/PID/stat` "
               "over the same interval, in cores (one core busy = 1.0; dynalite's JavaScript "
               "runs on one thread, so about 1.0 means the server is the limit); connections "
               "are the established TCP connections to the server the measure opened.\n")
    out.append("| measure | bloop µs/item | target | met | bloop items/s | server CPU | "
               "connections | boto3 µs/item | boto3 items/s | server CPU | connections |")
    out.append("| --- | ---: | ---: | :---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, key, target in tp_rows:
        o_us = med(lambda r: tp(r, "ours", key, "item_us"))
        p_us = med(lambda r: tp(r, "peer", key, "item_us"))
        o_ps = med(lambda r: tp(r, "ours", key, "items_per_s"))
        p_ps = med(lambda r: tp(r, "peer", key, "items_per_s"))
        o_sv = [tp(r, "ours", key, "server_cores") for r in runs]
        p_sv = [tp(r, "peer", key, "server_cores") for r in runs]
        o_sv = statistics.median(o_sv) if None not in o_sv else None
        p_sv = statistics.median(p_sv) if None not in p_sv else None
        o_c = max(tp(r, "ours", key, "sockets") for r in runs)
        p_c = max(tp(r, "peer", key, "sockets") for r in runs)
        met = "yes" if o_us <= target else "**no**"
        out.append(f"| {name} | {fmt(o_us)} | ≤ {target} µs | {met} | {o_ps:,.0f} | {cores(o_sv)} "
                   f"| {o_c} | {fmt(p_us)} | {p_ps:,.0f} | {cores(p_sv)} | {p_c} |")
    out.append("\nbloop's batch_save sends BatchWriteItem requests of 25 items, 4 in flight "
               "(the engine's `batch.concurrency`); boto3's batch_writer one at a time.")

if rss_path:
    rss = json.load(open(rss_path))
    sizes = rss["sizes"]
    labels = [("query", "query (one hash key)"), ("scan", "scan"),
              ("segments4", "scan, `segments = 4`"), ("scan_page5000", "scan, `page_size = 5000`")]
    out.append("\n## Peak RSS of a whole `bloop` process (MB)\n")
    out.append("`bench/rss.lua`: each search runs in a fresh `bloop` process (require, engine, "
               "bind, then every item iterated and loaded into a model object) and reads "
               "`VmHWM` from `/proc/self/status` at the end; the tables are filled once with "
               "`batch_save` (six attributes an item, as above). The last column is `VmRSS` "
               "after require and bind, before the search: shared libraries (libcurl, OpenSSL, "
               "Lua) and bloop's modules. Targets (issue 12): flat within ±2 MB from "
               f"{sizes[0]:,} to 100,000 items, and ≤ 30 MB.\n")
    out.append("| search | " + " | ".join(f"{n:,} items" for n in sizes)
               + f" | {sizes[-1]:,} vs {sizes[0]:,} | before the search |")
    out.append("| --- |" + " ---: |" * (len(sizes) + 2))
    for key, label in labels:
        row = rss["rss_kb"].get(key)
        if not row:
            continue
        mb = [c["hwm_kb"] / 1024 for c in row]
        out.append(f"| {label} | " + " | ".join(f"{x:.1f}" for x in mb)
                   + f" | {mb[-1] - mb[0]:+.1f} | {row[-1]['before_kb'] / 1024:.1f} |")
    out.append("\nMemory follows pages, not items: a search holds one DynamoDB answer at a time "
               "(a scan over segments one per segment), and the object returned last. DynamoDB "
               "stops a page at 1 MB of item data, about 14,000 of these items and 2.4 MB of "
               "JSON; without `page_size` the engine asks for pages of about 1 MB of text in "
               "all instead (its Limit starts at 1,000 items and follows the text per item of "
               "the page before; segments share the budget: docs/engine.md, Page size and "
               "memory). The small table's whole answer is one page of 0.16 MB; past the first "
               "full page the peak stays where it is, whatever the number of items.\n")
    out.append(f"Reproduce: `build-bench/bin/bloop bench/rss.lua ENDPOINT {','.join(map(str, sizes))}` "
               "(bench/run runs it against its dynalite).")

if len(runs) > 1:
    out.append("\n## Every run (bare C / bloop / boto3)\n")
    out.append("| operation | " + " | ".join(f"run {i + 1}" for i in range(len(runs))) + " |")
    out.append("| --- |" + " ---: |" * len(runs))
    for name, bk, ok, pk, _ in side_rows:
        out.append(f"| {name} | " + " | ".join(
            f"{fmt(r['bare'][bk])} / {fmt(r['ours'][ok])} / {fmt(r['peer'][pk])}" for r in runs) + " |")
out.append("\nThe machine is shared (2 cores; the client and dynalite take one each): another "
           "busy process inflates client CPU, so runs differ; `bench/profile` gives "
           "instruction counts, which do not vary (bench/PROFILE.md). Every round's number "
           "is in `bench/runs.jsonl`.\n")
out.append("Reproduce: `bench/run [ROUNDS] [OPS] [QUERY_ITEMS] [RUNS]` (defaults 3 2000 10000 "
           "1); `bench/profile [OPS] [QUERY_ITEMS]` for the instruction counts.")
print("\n".join(out))
