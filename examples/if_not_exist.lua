-- if_not_exist.lua: the seed's generic "if not exist" condition, on Tweet.
-- Run: BLOOP_ENDPOINT=http://127.0.0.1:8000 build/bin/bloop examples/if_not_exist.lua
local bloop = require("bloop")

-- as lua-api.md writes it (the project also ships it: bloop.patterns.conditions)
local Condition = bloop.Condition
local function if_not_exist(obj)            -- obj may be an instance or a model
  local condition = Condition()
  for _, key in ipairs(obj.Meta.keys) do condition = condition & key:is_(nil) end
  return condition
end

local endpoint = os.getenv("BLOOP_ENDPOINT")
local engine = bloop.Engine(endpoint and { endpoint = endpoint, region = "us-east-1",
  credentials = { access_key_id = "local", secret_access_key = "local" } } or {})

local Tweet = bloop.Model:extend("Tweet", { table_name = "tweets-" .. os.time() .. "-" .. math.random(1e6) })
Tweet.account = bloop.Column(bloop.UUID, { hash_key = true })
Tweet.id = bloop.Column(bloop.String, { range_key = true })
Tweet.content = bloop.Column(bloop.String)
engine:bind(Tweet)

local tweet = Tweet{ account = bloop.uuid4(), id = "numberoverzero", content = "first" }
engine:save(tweet, { condition = if_not_exist(tweet) })
print("saved " .. tostring(tweet) .. " (it did not exist)")

local again = Tweet{ account = tweet.account, id = "numberoverzero", content = "second" }
for _, cond in ipairs{ if_not_exist(again), if_not_exist(Tweet) } do
  local ok, err = pcall(engine.save, engine, again, { condition = cond })
  assert(not ok and bloop.is(err, bloop.ConstraintViolation), "the second save must fail")
  assert(err.obj == again, "the error carries the object")
  print("second save refused: " .. tostring(err))
end

local check = Tweet{ account = tweet.account, id = "numberoverzero" }
engine:load(check)
assert(check.content == "first")
print("the table still holds: " .. check.content)
