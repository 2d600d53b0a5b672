-- bloop's side of the benchmarks (see bench/run): the same operations as peer_boto3.py, on
-- two layers: the ENGINE (models, engine:save / engine:load / engine:query) and, to show
-- what the engine layer costs, the low-level client with wire-form tables. Client CPU is
-- os.clock(), the process's CPU time (the server is another process). Prints one JSON object.
-- Usage: bloop bench/bloop_bench.lua ENDPOINT TABLE ROUNDS OPS QUERY_ITEMS [ONLY]
--   ONLY (for profiling: bench/profile): save, increment, load or query runs just that
--   engine measure,
--   with no warm-up and no client-level rows; "none" runs only the start-up (require, bind).
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
local User, QItem = dofile((arg[0]:match("^(.*)/") or ".") .. "/models.lua")(tbl)
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

out.rounds = rounds_of
print(cjson.encode(out))
