-- engine:batch_save of many small objects (the bench models' User: six attributes), for
-- issue 12's batch target (client CPU per item, items a second from few connections).
-- Prints one JSON object: per_item_us (client CPU per item of the batch_save call, median
-- over rounds), items_per_s (wall), make_us (building the objects, per item, not counted in
-- per_item_us), rounds.
-- Usage: bloop bench/batch_save.lua ENDPOINT TABLE ITEMS [ROUNDS [CONCURRENCY [MODE]]]
--   MODE "profile" (bench/profile): one round, no warm-up; "none": builds the objects and
--   sends nothing (the baseline a profile subtracts). Each round writes fresh objects.
local bloop = require("bloop")
local cjson = require("cjson")

local endpoint, tbl, items = arg[1], arg[2], tonumber(arg[3])
local rounds, concurrency, mode = tonumber(arg[4] or 3), tonumber(arg[5] or 4), arg[6]
local engine = bloop.Engine{ endpoint = endpoint, region = "us-east-1",
  credentials = { access_key_id = "bench", secret_access_key = "bench" },
  batch = { concurrency = concurrency } }
local User = dofile((arg[0]:match("^(.*)/") or ".") .. "/models.lua")(tbl)
engine:bind(User)

local function make(round)
  local objs = {}
  for i = 1, items do
    objs[i] = User{ id = ("b%d-%d"):format(round, i), n = 1000 + i, ok = i % 2 == 0,
      tags = { "a", "b", "c" }, info = { city = "Oslo", zip = 1234 }, name = "name " .. i }
  end
  return objs
end

local function median(t)
  table.sort(t)
  local n = #t
  return n % 2 == 1 and t[(n + 1) // 2] or (t[n // 2] + t[n // 2 + 1]) / 2
end

if mode == "none" or mode == "profile" then
  local objs = make(0)
  if mode == "profile" then assert(#engine:batch_save(table.unpack(objs)) == 0) end
  return
end

engine:batch_save(table.unpack(make(0), 1, math.min(items, 2000)))   -- warm this process
local cpu, wall, mk = {}, {}, {}
for r = 1, rounds do
  collectgarbage()
  local c0 = os.clock()
  local objs = make(r)
  local c1, t1 = os.clock(), bloop.core.monotonic()
  local left = engine:batch_save(table.unpack(objs))
  local c2, t2 = os.clock(), bloop.core.monotonic()
  assert(#left == 0, "unprocessed items (dynalite never throttles)")
  mk[r] = (c1 - c0) / items * 1e6
  cpu[r] = (c2 - c1) / items * 1e6
  wall[r] = items / (t2 - t1)
end
print(cjson.encode{ items = items, concurrency = concurrency, per_item_us = median(cpu),
  items_per_s = median(wall), make_us = median(mk), rounds = { cpu, wall } })
