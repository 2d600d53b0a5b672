-- bloop.client: low-level DynamoDB and DynamoDB Streams clients.
--
-- bloop.client("dynamodb" | "dynamodbstreams", opts) returns the native client from the
-- C core: one snake_case method per operation, :call(Name, request), :call_many{...}.
-- wrap_client lets a user override some operations in Lua while every other operation
-- still runs natively (Python bloop's DynamoDB Local patch is written this way).
local core = require("bloop.core")
local errors = require("bloop.errors") -- also registers the classes the native client raises

local M = {}

-- bloop.client(service, opts): a wrong option is an InvalidArgument at the caller's line.
M.new = errors.from_core(core.client)

-- wrap_client(real, overrides): overrides is a table of methods (called with the wrapper
-- as self); any other key is looked up on `real`, and its methods are called on `real`.
function M.wrap_client(real, overrides)
  if real == nil then errors.argerror(1, "bloop.wrap_client: a client to wrap is required") end
  overrides = overrides or {}
  local bound = {}
  return setmetatable(overrides, {
    -- the engine looks here for the native client, so operations not overridden in Lua
    -- keep the C fast path (batches included)
    __bloop_real = real,
    __index = function(_, key)
      local value = real[key]
      if type(value) ~= "function" then return value end
      local method = bound[key]
      if not method then
        method = function(_, ...) return value(real, ...) end
        bound[key] = method
      end
      return method
    end,
    __tostring = function() return "wrapped " .. tostring(real) end,
  })
end

return M
