-- replication.lua: Python bloop's cross-region replication: every change to a table in one
-- region is replayed into the same table in another, by reading the source table's stream.
-- It needs DynamoDB Streams, so it runs against moto (which keeps one database per region),
-- not dynalite; it writes a few items, replicates for a bounded number of iterations, checks
-- that the copy equals the source and exits.
-- Run: scripts/servers start moto; set -a; . .local/servers/env; set +a
--      BLOOP_ENDPOINT=$BLOOP_MOTO_ENDPOINT build/bin/bloop examples/moto/replication.lua
local bloop = require("bloop")
local core = require("bloop.core")

local endpoint = os.getenv("BLOOP_ENDPOINT") or os.getenv("BLOOP_MOTO_ENDPOINT")
local function engine_for_region(region)
  if not endpoint then return bloop.Engine{ region = region } end
  local creds = { access_key_id = "local", secret_access_key = "local" }
  return bloop.Engine{ endpoint = endpoint, region = region, credentials = creds }
end
local src, dst = engine_for_region("us-west-2"), engine_for_region("us-east-1")

local MyModel = bloop.Model:extend("MyModel", {
  table_name = "replicated-" .. os.time() .. "-" .. math.random(1e6),
  stream = { include = { "new", "old" } },
})
MyModel.id = bloop.Column(bloop.String, { hash_key = true })
MyModel.data = bloop.Column(bloop.String)
MyModel.note = bloop.Column(bloop.String)
src:bind(MyModel)   -- per-engine state: each engine keeps its own stream ARN for the model
dst:bind(MyModel)

local stream = src:stream(MyModel, "trim_horizon")

local a = MyModel{ id = "a", data = "first", note = "draft" }
local b = MyModel{ id = "b", data = "second" }
src:save(a, b)
a.data, a.note = "changed", nil   -- an attribute removed at the source
src:save(a)
b.data = nil                      -- the last non-key attribute: b is key-only now
src:save(b)
local c = MyModel{ id = "c", data = "third" }
src:save(c)
src:delete(c)

-- A record's new image is the whole item: saved through dst (which never synced it), every
-- column it holds is SET and every other one REMOVEd, so removals replicate too, down to a
-- key-only item. (moto also writes a phantom INSERT holding only the key before the real
-- one; replaying it REMOVEs the columns, which the real INSERT then sets.)
local applied, idle, last_beat = 0, 0, core.monotonic()
for _ = 1, 50 do                                -- bounded: an example must end
  local record = stream:next()                  -- nil when nothing is new
  if record then
    idle = 0
    if record.new then
      dst:save(record.new)
    else
      dst:delete(record.old or record.key)      -- KEYS_ONLY / NEW_IMAGE streams have no old
    end
    applied = applied + 1
  else
    idle = idle + 1
    if idle >= 3 then break end                 -- caught up
    core.sleep(0.2)                             -- never a busy loop
    if core.monotonic() - last_beat > 12 * 60 then
      stream:heartbeat()                        -- keeps iterators alive on a quiet stream
      last_beat = core.monotonic()
    end
  end
end

-- The copy equals the source, attribute for attribute.
local function items(engine)
  local out = {}
  for obj in engine:scan(MyModel):iter() do
    out[obj.id] = ("data=%s note=%s"):format(tostring(obj.data), tostring(obj.note))
  end
  return out
end
local want, got = items(src), items(dst)
for _, id in ipairs{ "a", "b", "c" } do
  assert(want[id] == got[id], ("%s: source %s, copy %s"):format(id, want[id], got[id]))
  print(("%s: %s"):format(id, got[id] or "deleted"))
end
assert(got.a == "data=changed note=nil", "a's changes were not replicated")
assert(got.b == "data=nil note=nil", "b's removed attribute came back")
-- (the count and the token change from run to run: checked, not printed)
assert(applied >= 6, "every change at the source is a record")
local token = stream.token
assert(token.stream_arn and #token.shards >= 1)
print("replicated every change from us-west-2 to us-east-1; stream.token holds where to resume")
