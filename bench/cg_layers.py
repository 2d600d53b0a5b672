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
        ("object -> item snapshot (core.dump_item)", ["lsn_dump_item"]),
        ("write arguments, the kept dump taken (bloopL_write_args)", ["bloopL_write_args"]),
        ("update expression + request JSON (bloopi_write_body)", ["bloopi_write_body"]),
        ("SigV4 signing", ["bloop_sigv4_sign"]),
        ("libcurl (easy setup + multi_perform)", ["bloopi_http_submit", "curl_multi_perform"]),
        ("C engine, other (le_save minus the C rows above)", ("other", "le_save")),
        ("(GC steps, overlapping the above)", ["luaC_step"]),
    ],
    "load": [
        ("Lua: Model{}, engine.lua, signals (VM, tables)", "rest"),
        ("key dump (in C: bloopL_fast_dump; else core.type_dump)",
         ["bloopL_fast_dump", "ltf_dump"]),
        ("SigV4 signing", ["bloop_sigv4_sign"]),
        ("libcurl (easy setup + multi_perform)", ["bloopi_http_submit", "curl_multi_perform"]),
        ("GetItem answer, the item's key attributes (read_get_answer)",
         ["read_get_answer.isra.0", "read_get_answer"]),
        # ce:load_one reads the text itself (bloopL_fill_state, which would count
        # bloopL_fast_decode again, runs only when that gives up)
        ("item text -> object + snapshot (lfast.c)", ["bloopL_fast_decode", "bloopL_fast_store"]),
        ("C engine, other: GetItem request, client (le_load minus above)",
         ("other", "le_load", "le_load_one")),
        ("(GC steps, overlapping the above)", ["luaC_step"]),
    ],
    "query": [
        ("Lua: Search:next, loaded(), signals (VM, tables)", "rest"),
        ("item text -> column values, read directly (lfast.c)",
         ["bloopL_fast_decode", "bloopL_fast_store"]),
        ("the object, from Meta.init (le_new_object)",
         ["le_new_object", "le_new_object.constprop.0"]),
        ("item read, then loaded through the types (bloopL_fill_state)", ["bloopL_fill_state"]),
        ("search step in C: paging, request (bloop_search_next_text)", ["bloop_search_next_text"]),
        ("  of which the page skim for counts and key (bloopi_jr_pass)", ["bloopi_jr_pass"]),
        ("(GC steps incl. __gc finalizers, overlapping)", ["luaC_step"]),
        ("  of which __gc finalizers (GCTM)", ["GCTM"]),
    ],
}
TOP = {"save": ["le_save", "lsn_dump_item"],
       "load": ["le_load", "le_load_one", "ltf_dump"],
       "query": ["le_search_next"]}

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
        # the C rows inside the top calls (core.type_dump is called from Lua, not from them)
        if isinstance(names, list) and label[0] not in " (" and names[0][:3] not in ("lt_", "lua"):
            c_rows += [f for f in names if f != "ltf_dump"]
    for label, names in LAYERS[op]:
        if isinstance(names, tuple):
            v = per(list(names[1:])) - per(c_rows)
        elif names == "rest":
            v = rest
        else:
            v = per(names)
        print(f"  {label:62s} {v / 1000:7.1f}k {100 * v / t:5.1f}%")
