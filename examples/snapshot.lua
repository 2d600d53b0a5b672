-- snapshot.lua: the seed's "Snapshot Condition": save only if the row still holds what was
-- loaded. Run: BLOOP_ENDPOINT=http://127.0.0.1:8000 build/bin/bloop examples/snapshot.lua
local bloop = require("bloop")

-- as lua-api.md writes it (the project also ships it: bloop.patterns.conditions)
local Condition = bloop.Condition
local function snapshot(obj)
  local condition = Condition()
  for _, col in ipairs(obj.Meta.columns) do
    condition = condition & col:eq(bloop.deepcopy(obj[col.name]))
  end
  return condition
end

local endpoint = os.getenv("BLOOP_ENDPOINT")
local engine = bloop.Engine(endpoint and { endpoint = endpoint, region = "us-east-1",
  credentials = { access_key_id = "local", secret_access_key = "local" } } or {})

local User = bloop.Model:extend("User", { table_name = "users-" .. os.time() .. "-" .. math.random(1e6) })
User.name = bloop.Column(bloop.String, { hash_key = true })
User.email = bloop.Column(bloop.String)
User.verified = bloop.Column(bloop.Boolean)
engine:bind(User)
engine:save(User{ name = "n/0", email = "n0@example.com", verified = false })

local user = User{ name = "n/0" }
engine:load(user)

-- snapshot before any modifications
local last_seen = snapshot(user)
user.verified = true
engine:save(user, { condition = last_seen })
print("saved " .. tostring(user) .. ": verified = " .. tostring(user.verified))

-- someone else changes the row; our stale snapshot must now fail
local stale = snapshot(user)
local other = User{ name = "n/0" }
engine:load(other)
other.email = "changed@example.com"
engine:save(other)
user.verified = false
local ok, err = pcall(engine.save, engine, user, { condition = stale })
assert(not ok and bloop.is(err, bloop.ConstraintViolation), "a stale snapshot must fail")
print("stale save refused: " .. tostring(err))
