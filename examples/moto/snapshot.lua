-- snapshot.lua: Python bloop's "Snapshot Condition" (bloop.patterns.conditions.snapshot): save
-- only if the row still holds what was loaded, nested columns included. The snapshot
-- deep-copies values, so editing a nested table in place after taking it does not leak in.
-- It runs against moto, not dynalite: dynalite compares maps and lists by reference, so a
-- condition on a nested column never matches there (DynamoDB and moto compare by value).
-- Run: BLOOP_ENDPOINT=$BLOOP_MOTO_ENDPOINT build/bin/bloop examples/moto/snapshot.lua
local bloop = require("bloop")
local snapshot = require("bloop.patterns.conditions").snapshot

local endpoint = os.getenv("BLOOP_ENDPOINT")
local engine = bloop.Engine(endpoint and { endpoint = endpoint, region = "us-east-1",
  credentials = { access_key_id = "local", secret_access_key = "local" } } or {})

local User = bloop.Model:extend("User", { table_name = "users-" .. os.time() .. "-" .. math.random(1e6) })
User.name = bloop.Column(bloop.String, { hash_key = true })
User.email = bloop.Column(bloop.String)
User.verified = bloop.Column(bloop.Boolean)
User.profile = bloop.Column(bloop.Map{ city = bloop.String, tags = bloop.List(bloop.String) })
engine:bind(User)
engine:save(User{ name = "n/0", email = "n0@example.com", verified = false,
  profile = { city = "London", tags = { "new" } } })

local user = User{ name = "n/0" }
engine:load(user)

-- snapshot before any modifications
local last_seen = snapshot(user)
user.verified = true
table.insert(user.profile.tags, "verified")   -- in place: the snapshot keeps { "new" }
engine:save(user, { condition = last_seen })
print(("saved %s: verified = %s, tags = %s"):format(tostring(user), tostring(user.verified),
  table.concat(user.profile.tags, ",")))

-- someone else changes a nested field; a snapshot taken before that must now fail
local stale = snapshot(user)
local other = User{ name = "n/0" }
engine:load(other)
other.profile.city = "Paris"
engine:save(other)
user.email = "n0@example.org"
local ok, err = pcall(engine.save, engine, user, { condition = stale })
assert(not ok and bloop.is(err, bloop.ConstraintViolation), "a stale snapshot must fail")
print("stale save refused: " .. err.name .. ": " .. err.message)

-- a fresh snapshot of the current row succeeds
engine:load(user)
local fresh = snapshot(user)
user.email = "n0@example.org"
engine:save(user, { condition = fresh })
print(("saved after reloading: city = %s, email = %s"):format(user.profile.city, user.email))
