-- bloop.patterns.conditions: Python bloop's condition patterns.
--
--   engine:save(tweet, { condition = if_not_exist(tweet) })   -- or if_not_exist(Tweet)
--   local last_seen = snapshot(user); user.verified = true
--   engine:save(user, { condition = last_seen })              -- ConstraintViolation if changed
local bloop = require("bloop")
local Condition = bloop.Condition

local M = {}

-- Fails the operation when the item already exists. obj may be an instance or a model.
function M.if_not_exist(obj)
  local condition = Condition()
  for _, key in ipairs(obj.Meta.keys) do condition = condition & key:is_(nil) end
  return condition
end

-- Every column equal to what obj holds now (absent columns: attribute_not_exists). Build it
-- before modifying the object. Deep copies, so later in-place edits do not leak in.
function M.snapshot(obj)
  local condition = Condition()
  for _, col in ipairs(obj.Meta.columns) do
    condition = condition & col:eq(bloop.deepcopy(obj[col.name]))
  end
  return condition
end

return M
