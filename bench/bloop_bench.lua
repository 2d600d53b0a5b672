-- bloop's side of the benchmarks (see bench/run): the same operations as peer_boto3.py,
-- through the low-level client with wire-form tables. Prints one JSON object.
-- Usage: bloop bench/bloop_bench.lua ENDPOINT TABLE ROUNDS OPS QUERY_ITEMS
local t_start = os.clock()
local bloop = require("bloop")
local cjson = require("cjson")

local endpoint, tbl = arg[1], arg[2]
local rounds, ops, query_items = tonumber(arg[3]), tonumber(arg[4]), tonumber(arg[5])
local client = bloop.client("dynamodb", { endpoint = endpoint, region = "us-east-1",
  credentials = { access_key_id = "bench", secret_access_key = "bench" } })

-- the same six attributes as the peer: string, number, boolean, string set, map, string
local function dump(i)
  return {
    id = { S = "user-" .. i }, n = { N = tostring(1000 + i) }, ok = { BOOL = i % 2 == 0 },
    tags = { SS = { "a", "b", "c" } },
    info = { M = { city = { S = "Oslo" }, zip = { N = "1234" } } },
    name = { S = "name " .. i },
  }
end

local function load(raw)
  local obj = {}
  for k, v in pairs(raw) do
    local tag, inner = next(v)
    if tag == "N" then obj[k] = bloop.decimal and bloop.decimal(inner) or tonumber(inner)
    elseif tag == "M" then obj[k] = load(inner)
    else obj[k] = inner end
  end
  return obj
end

client:put_item{ TableName = tbl, Item = dump(0) }
local first = load(client:get_item{ TableName = tbl, Key = { id = { S = "user-0" } } }.Item)
assert(first.id == "user-0")
local cold_cpu_ms = (os.clock() - t_start) * 1000

local function median(t)
  table.sort(t)
  local n = #t
  return n % 2 == 1 and t[(n + 1) // 2] or (t[n // 2] + t[n // 2 + 1]) / 2
end

local function per_op(fn)
  local samples = {}
  for r = 1, rounds do
    local c0 = os.clock()
    for i = 1, ops do fn(i) end
    samples[r] = (os.clock() - c0) / ops * 1e6
  end
  return median(samples)
end

for i = 1, 500 do client:put_item{ TableName = tbl, Item = dump(i % ops) } end
local put_us = per_op(function(i) client:put_item{ TableName = tbl, Item = dump(i) } end)
local get_us = per_op(function(i)
  load(client:get_item{ TableName = tbl, Key = { id = { S = "user-" .. i } } }.Item)
end)

local qsamples = {}
for r = 1, rounds do
  local c0 = os.clock()
  local n, start = 0, nil
  repeat
    local page = client:query{ TableName = tbl .. "-q", KeyConditionExpression = "pk = :p",
      ExpressionAttributeValues = { [":p"] = { S = "q" } }, ExclusiveStartKey = start }
    for _, raw in ipairs(page.Items) do load(raw); n = n + 1 end
    start = page.LastEvaluatedKey
  until not start
  assert(n == query_items, n)
  qsamples[r] = (os.clock() - c0) / n * 1e6
end

print(cjson.encode({ peer = "bloop " .. bloop.version .. " (client)", put_us = put_us,
  get_us = get_us, query_item_us = median(qsamples), cold_cpu_ms = cold_cpu_ms }))
