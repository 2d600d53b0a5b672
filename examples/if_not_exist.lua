-- if_not_exist.lua: Python bloop's generic "if not exist" condition
-- (bloop.patterns.conditions.if_not_exist), built from an object or from its model.
-- Run: BLOOP_ENDPOINT=http://127.0.0.1:8000 build/bin/bloop examples/if_not_exist.lua
local bloop = require("bloop")
local if_not_exist = require("bloop.patterns.conditions").if_not_exist

local endpoint = os.getenv("BLOOP_ENDPOINT")
local engine = bloop.Engine(endpoint and { endpoint = endpoint, region = "us-east-1",
  credentials = { access_key_id = "local", secret_access_key = "local" } } or {})

local Tweet = bloop.Model:extend("Tweet", { table_name = "tweets-" .. os.time() .. "-" .. math.random(1e6) })
Tweet.account = bloop.Column(bloop.UUID, { hash_key = true })
Tweet.id = bloop.Column(bloop.String, { range_key = true })
Tweet.content = bloop.Column(bloop.String)
engine:bind(Tweet)

-- a fixed account (rather than bloop.uuid4()) so that the output is the same every run
local account = bloop.uuid("5c2e9a40-1b7d-4c55-8e0f-3a6d2b9c7e11")
print("condition: " .. tostring(if_not_exist(Tweet)))

local tweet = Tweet{ account = account, id = "numberoverzero", content = "first" }
engine:save(tweet, { condition = if_not_exist(tweet) })
print("saved " .. tostring(tweet) .. " (it did not exist)")

local again = Tweet{ account = account, id = "numberoverzero", content = "second" }
for _, from in ipairs{ "the object", "the model" } do
  local cond = from == "the object" and if_not_exist(again) or if_not_exist(Tweet)
  local ok, err = pcall(engine.save, engine, again, { condition = cond })
  assert(not ok and bloop.is(err, bloop.ConstraintViolation), "the second save must fail")
  assert(err.obj == again, "the error carries the object")
  print(("second save, condition from %s, refused: %s: %s"):format(from, err.name, err.message))
end

local check = Tweet{ account = account, id = "numberoverzero" }
engine:load(check)
assert(check.content == "first")
print("the table still holds: " .. check.content)
