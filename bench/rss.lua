-- bench/rss.lua: peak resident memory of a query and of scans, over a small and a large
-- table, each measured in a fresh `bloop` process that reads /proc/self/status (VmHWM, the
-- peak RSS of the whole process) once every item has been iterated.
--   bloop bench/rss.lua [ENDPOINT] [SIZES]      (defaults $BLOOP_ENDPOINT, "1000,100000")
-- Tables (made and filled once, with batch_save, then reused while the server keeps them):
--   bloop-rss-q-N  pk "p" + sk 1..N: the query reads all N items under one hash key
--   bloop-rss-s-N  id "s-1" .. "s-N": the scans read them (distinct hash keys, so segments
--                  split the work)
-- Every item holds the benchmarks' six attributes (bench/models.lua). Prints a Markdown
-- table of peak RSS in MB (the last size less the first, and the RSS after require and bind,
-- before the search), then one JSON line. Nothing is asserted: the numbers are reported.
local bloop = require("bloop")

local endpoint = arg[1] or os.getenv("BLOOP_ENDPOINT")
local mode = arg[2]
assert(endpoint, "usage: bloop bench/rss.lua ENDPOINT [SIZES]")
local conn = { endpoint = endpoint, region = "us-east-1",
  credentials = { access_key_id = "bench", secret_access_key = "bench" } }

local function models(n)
  local function six(M, id_opts)
    M.id = bloop.Column(bloop.String, id_opts)
    M.n = bloop.Column(bloop.Number)
    M.ok = bloop.Column(bloop.Boolean)
    M.tags = bloop.Column(bloop.Set(bloop.String))
    M.info = bloop.Column(bloop.Map{ city = bloop.String, zip = bloop.Number })
    M.name = bloop.Column(bloop.String)
    return M
  end
  local Q = bloop.Model:extend("RssQ", { table_name = "bloop-rss-q-" .. n })
  Q.pk = bloop.Column(bloop.String, { hash_key = true })
  Q.sk = bloop.Column(bloop.Number, { range_key = true })
  six(Q)
  local S = six(bloop.Model:extend("RssS", { table_name = "bloop-rss-s-" .. n }), { hash_key = true })
  return Q, S
end

local function status(field)
  for line in io.lines("/proc/self/status") do
    local kb = line:match("^" .. field .. ":%s+(%d+) kB")
    if kb then return tonumber(kb) end
  end
end

-- A child: `rss.lua ENDPOINT load N` fills the tables that are not full yet;
-- `rss.lua ENDPOINT measure KIND N` iterates every item and prints
-- "items hwm_kb rss_before_kb" (rss_before: after require and bind, before the search).
if mode == "load" then
  local n = tonumber(arg[3])
  local engine = bloop.Engine(conn)
  local Q, S = models(n)
  for _, M in ipairs{ Q, S } do
    engine:bind(M)
    if engine:scan(M, { projection = "count" }).count ~= n then
      io.stderr:write(("rss: loading %d items into %s\n"):format(n, M.Meta.table_name))
      for from = 1, n, 1000 do
        local objs = {}
        for i = from, math.min(n, from + 999) do
          local o = M{ n = 1000 + i, ok = i % 2 == 0, tags = { "a", "b", "c" },
            info = { city = "Oslo", zip = 1234 }, name = "name " .. i }
          if M == Q then o.pk, o.sk, o.id = "p", i, "user-" .. i else o.id = "s-" .. i end
          objs[#objs + 1] = o
        end
        assert(#engine:batch_save(table.unpack(objs)) == 0, "unprocessed items")
      end
    end
  end
  os.exit(0)
elseif mode == "measure" then
  local kind, n = arg[3], tonumber(arg[4])
  local engine = bloop.Engine(conn)
  local Q, S = models(n)
  engine:bind(Q)
  engine:bind(S)
  collectgarbage()
  local before = status("VmRSS")
  local search
  if kind == "query" then
    search = engine:query(Q, { key = Q.pk:eq("p") })
  elseif kind == "scan" then
    search = engine:scan(S)
  elseif kind == "scan_page5000" then
    search = engine:scan(S, { page_size = 5000 })
  else
    search = engine:scan(S, { segments = tonumber(kind:match("^segments(%d+)$")) })
  end
  local items = 0
  for obj in search:iter() do
    items = items + 1
    assert(obj.info.city == "Oslo")
  end
  assert(items == n, ("%s returned %d items of %d"):format(kind, items, n))
  print(items, status("VmHWM"), before)
  os.exit(0)
end

-- The parent: load, then one fresh process per measure.
local sizes = {}
for n in (arg[2] or "1000,100000"):gmatch("%d+") do sizes[#sizes + 1] = tonumber(n) end
local bin = arg[-1]
local script = arg[0]
local function run(...)
  local cmd = { ("%q %q %q"):format(bin, script, endpoint) }
  for _, a in ipairs{ ... } do cmd[#cmd + 1] = ("%q"):format(tostring(a)) end
  local p = assert(io.popen(table.concat(cmd, " ")))
  local out = p:read("a")
  assert(p:close(), "rss: a child failed: " .. table.concat({ ... }, " "))
  return out
end

for _, n in ipairs(sizes) do run("load", n) end
local kinds = { "query", "scan", "segments4", "scan_page5000" }
local label = { query = "query (one hash key)", scan = "scan", segments4 = "scan, segments = 4",
  scan_page5000 = "scan, page_size = 5000" }
local result = {}
local head, rule = { "| search |" }, { "| --- |" }
for _, n in ipairs(sizes) do
  head[#head + 1] = (" %d items |"):format(n)
  rule[#rule + 1] = " ---: |"
end
print(table.concat(head) .. (" %d vs %d items |"):format(sizes[#sizes], sizes[1])
  .. " before the search |")
print(table.concat(rule) .. " ---: | ---: |")
for _, kind in ipairs(kinds) do
  local row, cells = {}, { ("| %s |"):format(label[kind]) }
  for _, n in ipairs(sizes) do
    local items, hwm, before = run("measure", kind, n):match("(%d+)%s+(%d+)%s+(%d+)")
    row[#row + 1] = { items = tonumber(items), hwm_kb = tonumber(hwm), before_kb = tonumber(before) }
    cells[#cells + 1] = (" %.1f |"):format(hwm / 1024)
  end
  result[kind] = row
  local a, b = row[1].hwm_kb / 1024, row[#row].hwm_kb / 1024
  print(table.concat(cells) .. (" %+.1f | %.1f |"):format(b - a, row[#row].before_kb / 1024))
end
print(require("cjson").encode({ sizes = sizes, rss_kb = result }))
