-- bloop: a DynamoDB object mapper. require("bloop") is the front door; the C core is
-- bloop.core, and the pieces live in bloop.* modules.
local core = require("bloop.core")
local errors = require("bloop.errors")
local client = require("bloop.client")
local condition = require("bloop.condition")
local set = require("bloop.set")
local types = require("bloop.types")
local values = require("bloop.values")

local bloop = {
  version = core.version,
  core = core,
  client = client.new,
  wrap_client = client.wrap_client,
  is = errors.is,
  errors = errors,
  Condition = condition.Condition,
  condition = condition,
}

for name, cls in pairs(errors.classes) do bloop[name] = cls end

-- values (bloop.decimal is exact; datetime/uuid/set: lua/bloop/values.lua, set.lua)
-- Through errors.from_core, so that a bad argument is an InvalidArgument object at the
-- caller's line, as every misuse error bloop raises.
bloop.decimal = errors.from_core(core.decimal)
bloop.datetime = {}
for k, v in pairs(core.datetime) do
  bloop.datetime[k] = type(v) == "function" and errors.from_core(v) or v
end
bloop.uuid = errors.from_core(core.uuid)
bloop.uuid4 = core.uuid4
bloop.binary = errors.from_core(core.binary)
bloop.set = set.new
bloop.null = core.null
bloop.deepcopy = values.deepcopy
bloop.typename = values.typename
-- type classes (lua/bloop/types.lua)
for _, name in ipairs(types.exports) do bloop[name] = types[name] end

-- models, indexes, the engine, signals (lua/bloop/model.lua, column.lua, index.lua,
-- engine.lua, signals.lua)
local model = require("bloop.model")
local column = require("bloop.column")
local index = require("bloop.index")
local engine = require("bloop.engine")
bloop.Model = model.Model
bloop.Column = column.Column
bloop.GlobalSecondaryIndex = index.GlobalSecondaryIndex
bloop.LocalSecondaryIndex = index.LocalSecondaryIndex
bloop.Engine = engine.new
bloop.rate_limiter = engine.rate_limiter
bloop.signals = require("bloop.signals")
bloop.model = model
bloop.items = model.items
-- update actions: post.likes = bloop.actions.add(1) (lua/bloop/actions.lua)
bloop.actions = require("bloop.actions")
-- SIGINT and SIGTERM as a flag a long-running script polls. The `bloop` host provides the
-- module "bloop.host" (src/host/docall.c); elsewhere (a plain lua5.4, an embedding program
-- that preloads no "bloop.host" of its own) catching is a no-op and nothing is interrupted.
--   local was = bloop.catch_interrupts(true)  -- SIGINT/SIGTERM now only set the flag
--   while not bloop.interrupted() do ... end  -- "SIGINT" | "SIGTERM" | false
--   bloop.catch_interrupts(was)               -- back to the default (SIGINT raises
--                                             -- "interrupted!", SIGTERM ends the process)
-- A second signal while catching is not caught: it ends the process.
local host
local function host_module()
  if host == nil then
    local ok, m = pcall(require, "bloop.host")
    host = ok and m or false
  end
  return host
end
function bloop.catch_interrupts(on)
  local h = host_module()
  return h and h.catch_interrupts(on) or false
end
function bloop.interrupted()
  local h = host_module()
  return h and h.interrupted() or false
end
-- objects to JSON text and back (lua/bloop/json.lua)
bloop.json = require("bloop.json")
-- dump / load with per-field validation, the marshmallow role (lua/bloop/schema.lua)
bloop.schema = require("bloop.schema")

return bloop
