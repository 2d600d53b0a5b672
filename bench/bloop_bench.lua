-- bloop's side of the benchmarks (see bench/run): the same operations as peer_boto3.py, on
-- two layers: the ENGINE (models, engine:save / engine:load / engine:query) and, to show
-- what the engine layer costs, the low-level client with wire-form tables. Client CPU is
-- os.clock(), the process's CPU time (the server is another process). Prints one JSON object.
-- Usage: bloop bench/bloop_bench.lua ENDPOINT TABLE ROUNDS OPS QUERY_ITEMS [ONLY]
--   ONLY (for profiling: bench/profile): save, increment, load, query, scan4 or batch_save
--   runs just that engine measure,
--   with no warm-up and no client-level rows; "none" runs only the start-up (require, bind).
-- Throughput rows (scan4, batch_save) also report items per second (wall), the sockets
-- the measure's own engine opened, and, with BENCH_SERVER_PID set, the server's CPU over
-- the run (from /proc/PID/stat: cores busy, 1.0 = one core saturated).
local bloop = require("bloop")
local cjson = require("cjson")

local endpoint, tbl = arg[1], arg[2]
local rounds, ops, query_items = tonumber(arg[3]), tonumber(arg[4]), tonumber(arg[5])
local only = arg[6]
local conn = { endpoint = endpoint, region = "us-east-1",
  credentials = { access_key_id = "bench", secret_access_key = "bench" } }

local function median(t)
  table.sort(t)
  local n = #t
  return n % 2 == 1 and t[(n + 1) // 2] or (t[n // 2] + t[n // 2 + 1]) / 2
end

local rounds_of = {}   -- every round's number, by measure (kept in bench/runs.jsonl)

-- median over rounds of the client CPU per call of fn(i), i = 1..ops
local function per_op(fn)
  local samples = {}
  for r = 1, rounds do
    collectgarbage()   -- each round starts from the same heap, its garbage is its own
    local c0 = os.clock()
    for i = 1, ops do fn(i) end
    samples[r] = (os.clock() - c0) / ops * 1e6
  end
  rounds_of[#rounds_of + 1] = table.move(samples, 1, #samples, 1, {})
  return median(samples)
end

-- median over rounds of the client CPU per item of a whole query (all pages)
local function per_item(run_query)
  local samples = {}
  -- one uncounted query first, as bare_c.c does: a process's first pass over 2.4 MB pages
  -- grows its heap (page faults), which bench/run's one-round processes would count
  -- every time; not when profiling (ONLY), where it would be counted
  if not only then run_query() end
  for r = 1, rounds do
    collectgarbage()
    local c0 = os.clock()
    local n = run_query()
    samples[r] = (os.clock() - c0) / n * 1e6
    assert(n == query_items, ("query returned %d items, expected %d"):format(n, query_items))
  end
  rounds_of[#rounds_of + 1] = table.move(samples, 1, #samples, 1, {})
  return median(samples)
end

local out = { peer = "bloop " .. bloop.version }

-- ---- the engine ---------------------------------------------------------------------------

local engine = bloop.Engine(conn)
local User, QItem, SItem = dofile((arg[0]:match("^(.*)/") or ".") .. "/models.lua")(tbl)
engine:bind(User)    -- verified against the table setup.lua made (one DescribeTable)
engine:bind(QItem)

local function user(i)
  return User{ id = "user-" .. i, n = 1000 + i, ok = i % 2 == 0, tags = { "a", "b", "c" },
    info = { city = "Oslo", zip = 1234 }, name = "name " .. i }
end

-- warm this process (allocator, caches, the pooled connection) before timing; not when
-- profiling one operation (ONLY), where it would be counted with that operation
if not only then for i = 1, 300 do engine:save(user(i % ops)) end end

if not only or only == "save" then
  out.save_us = per_op(function(i) engine:save(user(i)) end)
end
-- an atomic counter: a never-loaded object whose one column holds bloop.actions.add(1),
-- saved (UpdateItem ADD n :v0), as peer_boto3.py's increment_us
if not only or only == "increment" then
  local one = bloop.actions.add(1)
  out.increment_us = per_op(function(i)
    local u = User{ id = "user-" .. i }
    u.n = one
    engine:save(u)
  end)
end
if not only or only == "load" then
  local probe = User{ id = "user-1" }
  engine:load(probe)
  assert(probe.name == "name 1" and probe.tags:has("b") and probe.info.city == "Oslo")
  out.load_us = per_op(function(i) engine:load(User{ id = "user-" .. i }) end)
end
if not only or only == "query" then
  local key = QItem.pk:eq("q")
  out.query_item_us = per_item(function()
    local n = 0
    for obj in engine:query(QItem, { key = key }):iter() do
      n = n + 1
      if n == 1 then assert(obj.sk ~= nil and obj.info.city == "Oslo") end
    end
    return n
  end)
end

-- ---- the low-level client: the layer underneath ----------------------------------------------

if not only then
  local client = bloop.client("dynamodb", conn)
  -- the same six attributes as the peer: string, number, boolean, string set, map, string
  local function dump(i)
    return {
      id = { S = "user-" .. i }, n = { N = tostring(1000 + i) }, ok = { BOOL = i % 2 == 0 },
      tags = { SS = { "a", "b", "c" } },
      info = { M = { city = { S = "Oslo" }, zip = { N = "1234" } } },
      name = { S = "name " .. i },
    }
  end
  -- wire item -> plain Lua values, numbers as bloop.decimal (as the peer's Decimal)
  local function load(raw)
    local obj = {}
    for k, v in pairs(raw) do
      local tag, inner = next(v)
      if tag == "N" then obj[k] = bloop.decimal(inner)
      elseif tag == "M" then obj[k] = load(inner)
      else obj[k] = inner end
    end
    return obj
  end
  for i = 1, 300 do client:put_item{ TableName = tbl, Item = dump(i % ops) } end
  out.client_put_us = per_op(function(i) client:put_item{ TableName = tbl, Item = dump(i) } end)
  out.client_get_us = per_op(function(i)
    load(client:get_item{ TableName = tbl, Key = { id = { S = "user-" .. i } } }.Item)
  end)
  out.client_query_item_us = per_item(function()
    local n, start = 0, nil
    repeat
      local page = client:query{ TableName = tbl .. "-q", KeyConditionExpression = "pk = :p",
        ExpressionAttributeValues = { [":p"] = { S = "q" } }, ExclusiveStartKey = start }
      for _, raw in ipairs(page.Items) do load(raw); n = n + 1 end
      start = page.LastEvaluatedKey
    until not start
    return n
  end)
end

-- ---- throughput: a scan over 4 segments, batch_save ------------------------------------------

local core = require("bloop.core")
local server_pid = tonumber(os.getenv("BENCH_SERVER_PID") or "")
local ticks = tonumber(io.popen("getconf CLK_TCK"):read("l")) or 100
local my_pid = io.open("/proc/self/stat"):read("l"):match("^(%d+)")

-- the server's CPU seconds so far (utime + stime), or nil
local function server_cpu()
  local f = server_pid and io.open("/proc/" .. server_pid .. "/stat")
  if not f then return nil end
  local rest = f:read("l"):match("%) (.*)$")
  f:close()
  local fields = {}
  for w in rest:gmatch("%S+") do fields[#fields + 1] = w end
  return (tonumber(fields[12]) + tonumber(fields[13])) / ticks
end

-- this process's open TCP connections to the server (a socket of ours in /proc/net/tcp,
-- established, to the endpoint's port), as a set of inodes: libcurl also holds
-- socketpairs, not counted
local server_port = tonumber(endpoint:match(":(%d+)/?$"))
local function sockets()
  local mine = {}
  for line in io.popen("ls -l /proc/" .. my_pid .. "/fd"):lines() do
    local inode = line:match("socket:%[(%d+)%]")
    if inode then mine[inode] = true end
  end
  local set = {}
  for line in io.lines("/proc/" .. my_pid .. "/net/tcp") do
    local cols = {}
    for w in line:gmatch("%S+") do cols[#cols + 1] = w end
    local rport = cols[3] and cols[3]:match(":(%x+)$")
    if rport and tonumber(rport, 16) == server_port and cols[4] == "01" and mine[cols[10]] then
      set[cols[10]] = true
    end
  end
  return set
end

-- connections open now that were not open at `base` (a set from sockets())
local function opened_since(base)
  local n = 0
  for inode in pairs(sockets()) do if not base[inode] then n = n + 1 end end
  return n
end

-- run(round) -> items; medians over rounds of client CPU per item, items per second and
-- the server's cores busy, and the connections open at the end of the first round that were
-- not open at `base` (taken before the measure's engine was made: the connections the
-- measure opened). prepare(round), when given, runs before the clocks start.
local function throughput(key, base, run, prepare)
  local us, per_s, busy = {}, {}, {}
  for r = 1, rounds do
    if prepare then prepare(r) end
    collectgarbage()
    local s0, w0, c0 = server_cpu(), core.monotonic(), os.clock()
    local n = run(r)
    local c1, w1, s1 = os.clock(), core.monotonic(), server_cpu()
    us[r], per_s[r] = (c1 - c0) / n * 1e6, n / (w1 - w0)
    busy[r] = s0 and (s1 - s0) / (w1 - w0) or nil
    if r == 1 then out[key .. "_sockets"] = opened_since(base) end
  end
  rounds_of[#rounds_of + 1] = table.move(us, 1, #us, 1, {})
  out[key .. "_item_us"] = median(us)
  out[key .. "_items_per_s"] = median(per_s)
  out[key .. "_server_cores"] = #busy == rounds and median(busy) or nil
end

if not only or only == "scan4" then
  local base = sockets()
  local e4 = bloop.Engine(conn)   -- its own client: the sockets counted are the scan's
  e4:bind(SItem)
  throughput("scan4", base, function()
    local n = 0
    for obj in e4:scan(SItem, { segments = 4 }):iter() do
      n = n + 1
      if n == 1 then assert(obj.id ~= nil and obj.info.city == "Oslo") end
    end
    assert(n == query_items, ("scan returned %d items, expected %d"):format(n, query_items))
    return n
  end)
end

-- 20,000 small objects (id, n, ok) into TABLE-b, as peer_boto3.py's batch_writer; the
-- objects are built before the clock starts, the call is timed
local BATCH_ITEMS = 20000
if not only or only == "batch_save" then
  local Small = bloop.Model:extend("Small", { table_name = tbl .. "-b" })
  Small.id = bloop.Column(bloop.String, { hash_key = true })
  Small.n = bloop.Column(bloop.Number)
  Small.ok = bloop.Column(bloop.Boolean)
  local base = sockets()
  local eb = bloop.Engine(conn)
  eb:bind(Small)
  local objs
  throughput("batch_save", base, function()
    local left = eb:batch_save(table.unpack(objs))
    assert(#left == 0, "unprocessed items (dynalite never throttles)")
    return BATCH_ITEMS
  end, function(r)
    objs = {}
    for i = 1, BATCH_ITEMS do objs[i] = Small{ id = "b-" .. i, n = i * r, ok = i % 2 == 0 } end
  end)
  objs = nil
end

out.rounds = rounds_of
print(cjson.encode(out))
