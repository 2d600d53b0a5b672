-- float.lua: Python bloop's "Float Type": a Number that loads values as Lua floats but saves
-- through DynamoDB's exact decimals (bloop.patterns.float).
-- Run: BLOOP_ENDPOINT=http://127.0.0.1:8000 build/bin/bloop examples/float.lua
local bloop = require("bloop")
local Float = require("bloop.patterns.float").Float

local endpoint = os.getenv("BLOOP_ENDPOINT")
local engine = bloop.Engine(endpoint and { endpoint = endpoint, region = "us-east-1",
  credentials = { access_key_id = "local", secret_access_key = "local" } } or {})

local table_name = "readings-" .. os.time() .. "-" .. math.random(1e6)
local Reading = bloop.Model:extend("Reading", { table_name = table_name })
Reading.id = bloop.Column(bloop.String, { hash_key = true })
Reading.value = bloop.Column(Float)          -- the pattern: loads a Lua float
Reading.exact = bloop.Column(bloop.Number)   -- plain Number: loads a bloop.decimal
engine:bind(Reading)

engine:save(Reading{ id = "r1", value = 0.1, exact = 0.1 })

-- what DynamoDB holds: the float's shortest text, a decimal DynamoDB compares exactly
local item = engine.session.dynamodb_client:get_item{ TableName = table_name,
  Key = { id = { S = "r1" } }, ConsistentRead = true }.Item
print("stored: value N = " .. item.value.N .. ", exact N = " .. item.exact.N)

local r = Reading{ id = "r1" }
engine:load(r)
print(("loaded: value is a %s %s, exact is a %s %s"):format(
  math.type(r.value), r.value, bloop.typename(r.exact), r.exact))
print("float arithmetic: value + 0.2 = " .. string.format("%.17g", r.value + 0.2))

-- a condition on the column compares against the stored decimal, so the loaded float matches
r.value = r.value * 2
engine:save(r, { condition = Reading.value:eq(0.1) })
engine:load(r)
print("conditional save on value == 0.1 passed; value now " .. r.value)

-- DynamoDB's limits stay: a value it cannot hold is refused, never rounded
local ok, err = pcall(engine.save, engine, Reading{ id = "r2", value = 1e-200 })
assert(not ok and bloop.is(err, bloop.InvalidValue), "1e-200 is below DynamoDB's range")
print("1e-200 refused: " .. err.name .. ": " .. err.message)
