-- bloop.patterns.float: Python bloop's "Float Type": a Number that loads values as Lua floats
-- but saves through Number's rules, DynamoDB's exact decimals (38 significant digits, no
-- rounding: a value it cannot hold is refused with InvalidValue).
--
--   local Float = require("bloop.patterns.float").Float
--   Reading.value = bloop.Column(Float)       -- 0.1 is stored as N "0.1", loads as 0.1
--
-- The built-in bloop.Float behaves the same; this module is Python bloop's pattern written as a
-- custom type, the model for any type that loads differently from how it saves.
local bloop = require("bloop")

local M = {}

local Float = bloop.Number:extend("Float")
M.Float = Float

function Float:dynamo_load(value, context)
  local d = Float.super.dynamo_load(self, value, context)   -- a bloop.decimal, or nil
  return d and d:tonumber() + 0.0
end

return M
