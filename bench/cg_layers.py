"""Splits callgrind profiles of bench/bloop_bench.lua ONLY=save|load|query into layers.

Usage: python3 bench/cg_layers.py DIR   (DIR holds cg-none.out, cg-save.out, cg-load.out,
cg-query.out and the N of each as n-save etc., written by bench/profile)
Costs are instructions (Ir) per operation, inclusive, minus the start-up-only run (none).
Layers are inclusive costs of the functions named; a GC step runs wherever an allocation
triggers it, so "GC" overlaps whichever layer allocated (it is shown, not subtracted)."""
import os
import re
import subprocess
import sys

d = sys.argv[1]


def parse(name):
    text = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100",
                           os.path.join(d, name)], capture_output=True, text=True).stdout
    fns = {}
    for line in text.splitlines():
        m = re.match(r"\s*([\d,]+) \([^)]*\)\s+\S+?:([^\s']+) \[", line)
        if m:
            fns[m.group(2)] = max(fns.get(m.group(2), 0), int(m.group(1).replace(",", "")))
    total = int(re.search(r"([\d,]+) \(100.0%\)\s+PROGRAM TOTALS", text).group(1).replace(",", ""))
    return total, fns


base_total, base = parse("cg-none.out")

LAYERS = {
    "save": [
        ("Lua: Model{}, Column:set, engine.lua (VM, tables)", "rest"),
        ("types dump (core.type_dump, value -> wire table)", ["lt_dump"]),
        ("tostring(column) per column (engine.lua)", ["luaB_tostring"]),
        ("wire tables -> C values (le_save write_args)", ["write_args"]),
        ("update expression + request JSON (build_write)", ["build_write.constprop.0"]),
        ("SigV4 signing", ["bloop_sigv4_sign"]),
        ("libcurl (easy setup + multi_perform)", ["bloopi_http_submit", "curl_multi_perform"]),
        ("response JSON parse + free (cJSON)", ["cJSON_ParseWithLengthOpts", "cJSON_Delete"]),
        ("C engine, other (le_save minus the C rows above)", ("other", "le_save")),
        ("(GC steps, overlapping the above)", ["luaC_step"]),
    ],
    "load": [
        ("Lua: Model{}, engine.lua unpack, signals (VM, tables)", "rest"),
        ("types load (core.type_load): wire table -> C -> Lua value", ["lt_load"]),
        ("tostring(column) per column (engine.lua)", ["luaB_tostring"]),
        ("key dump (core.type_dump)", ["lt_dump"]),
        ("SigV4 signing", ["bloop_sigv4_sign"]),
        ("libcurl (easy setup + multi_perform)", ["bloopi_http_submit", "curl_multi_perform"]),
        ("response JSON parse + free (cJSON)", ["cJSON_ParseWithLengthOpts", "cJSON_Delete"]),
        ("C item -> Lua wire table (bloopL_push_wire)", ["bloopL_push_wire"]),
        ("C engine, other: batch executor, request JSON (le_load minus above)", ("other", "le_load")),
        ("(GC steps, overlapping the above)", ["luaC_step"]),
    ],
    "query": [
        ("Lua: Search:next, Model.init, unpack, signals (VM, tables)", "rest"),
        ("types load (core.type_load): wire table -> C -> Lua value", ["lt_load"]),
        ("  of which wire table -> C value (from_wire)", ["from_wire"]),
        ("  of which C value -> Lua value (load)", ["load"]),
        ("  of which one arena userdata per call (newuserdata)", ["lua_newuserdatauv"]),
        ("tostring(column) per column (engine.lua)", ["luaB_tostring"]),
        ("page JSON parse + free (cJSON), amortized", ["cJSON_ParseWithLengthOpts", "cJSON_Delete"]),
        ("search next in C, other (cJSON -> C item, paging)", "search_other"),
        ("C item -> Lua wire table (bloopL_push_wire)", ["bloopL_push_wire"]),
        ("(GC steps incl. __gc finalizers, overlapping)", ["luaC_step"]),
        ("  of which __gc finalizers (GCTM)", ["GCTM"]),
    ],
}
TOP = {"save": ["le_save", "lt_dump", "luaB_tostring"],
       "load": ["le_load", "lt_load", "luaB_tostring", "lt_dump"],
       "query": ["ls_next", "lt_load", "luaB_tostring"]}

for op in ("save", "load", "query"):
    path = os.path.join(d, f"cg-{op}.out")
    if not os.path.exists(path):
        continue
    n = int(open(os.path.join(d, f"n-{op}")).read())
    total, fns = parse(f"cg-{op}.out")
    per = lambda names: sum(fns.get(f, 0) - base.get(f, 0) for f in names) / n
    t = (total - base_total) / n
    print(f"\n{op}: {t / 1000:.0f}k instructions per {'item' if op == 'query' else 'operation'} "
          "(user space; start-up subtracted)")
    rest = t - per(TOP[op])
    c_rows = []
    for label, names in LAYERS[op]:
        if isinstance(names, list) and label[0] not in " (" and names[0][:3] not in ("lt_", "lua"):
            c_rows += names
    for label, names in LAYERS[op]:
        if isinstance(names, tuple):
            v = per([names[1]]) - per(c_rows)
        elif names == "rest":
            v = rest
        elif names == "search_other":
            v = per(["bloop_search_next"]) - per(["cJSON_ParseWithLengthOpts", "cJSON_Delete"])
        else:
            v = per(names)
        print(f"  {label:62s} {v / 1000:7.1f}k {100 * v / t:5.1f}%")
