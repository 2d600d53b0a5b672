-- bloop.signals: hooks a user can subscribe to, as Python bloop's blinker signals.
--
--   bloop.signals.object_saved:connect(function(args) print(args.engine, args.obj) end)
--
-- Each receiver gets one table of named arguments (bloop sends kwargs): `engine`, `model`,
-- `obj`, `column`, `value` as the signal defines. Receivers run in connection order; an
-- error in a receiver propagates to the operation that sent the signal (as in bloop).
-- Owns: the signal objects. Does not own: when they are sent (the engine and columns do).
local errors = require("bloop.errors")

local Signal = {}
Signal.__index = Signal
Signal.__name = "bloop.Signal"
Signal.__tostring = function(self) return "bloop.Signal(" .. self.name .. ")" end

local function new(name)
  return setmetatable({ name = name, receivers = {} }, Signal)
end

-- connect(fn) -> fn, so it can be used as a decorator-like expression and disconnected.
function Signal:connect(fn)
  if not (type(fn) == "function" or (getmetatable(fn) or {}).__call) then
    errors.argerror(1, "bloop.Signal:connect: a function is required")
  end
  for _, r in ipairs(self.receivers) do if r == fn then return fn end end
  self.receivers[#self.receivers + 1] = fn
  return fn
end

function Signal:disconnect(fn)
  for i, r in ipairs(self.receivers) do
    if r == fn then table.remove(self.receivers, i) return true end
  end
  return false
end

function Signal:send(args)
  local rs = self.receivers
  if #rs == 0 then return end
  -- a receiver may disconnect itself while we iterate: walk a copy
  local copy = table.move(rs, 1, #rs, 1, {})
  for _, r in ipairs(copy) do r(args) end
end

function Signal:has_receivers() return #self.receivers > 0 end

local signals = { Signal = new }
for _, name in ipairs{ "before_create_table", "model_bound", "model_validated", "model_created",
  "object_loaded", "object_saved", "object_deleted", "object_modified" } do
  signals[name] = new(name)
end
return signals
