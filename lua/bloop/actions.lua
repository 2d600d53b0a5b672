-- bloop.actions: update actions, assigned to a column like a value.
--
--   post.likes = bloop.actions.add(1)                     -- ADD likes :v  (atomic counter)
--   post.tags = bloop.actions.add(bloop.set{ "lua" })     -- ADD tags :v   (set members)
--   post.tags = bloop.actions.delete(bloop.set{ "c" })    -- DELETE tags :v
--   post.log = bloop.actions.append{ "saved" }            -- SET log = list_append(...)
--   post.log = bloop.actions.prepend{ "first" }
--   post.created = bloop.actions.if_not_exists(now)       -- SET created = if_not_exists(...)
--
-- DynamoDB computes the new value from what the row holds, so concurrent writers lose
-- nothing. The engine (lua/bloop/engine.lua write_args) dumps the action's value through the
-- column's type and hands the C engine one bloop_write_action per column
-- (include/bloop/engine.h), which renders it with the request's other expressions.
-- Owns: the action values and the check of an action against a column. Does not own:
-- what the object reads after a save (engine.lua: nil unless the save synced).
local errors = require("bloop.errors")

local M = {}

local Action = { __name = "bloop.Action" }
Action.__index = Action
M.Action = Action

local function show(v)
  if type(v) == "string" then return ("%q"):format(v) end
  if type(v) == "table" and getmetatable(v) == nil then return "{...}" end
  return tostring(v)
end

function Action:__tostring()
  return ("bloop.actions.%s(%s)"):format(self.kind, show(self.value))
end

local function make(kind)
  return function(value)
    if value == nil then
      errors.argerror(1, ("bloop.actions.%s: a value is required"):format(kind))
    end
    return setmetatable({ kind = kind, value = value }, Action)
  end
end

-- add(n): numbers, atomic add (an absent attribute counts from 0; n may be negative);
-- add(set): set members added (an absent set is made).
M.add = make("add")
-- delete(set): set members removed (a set left empty is removed by DynamoDB).
M.delete = make("delete")
-- append(list) / prepend(list): list elements added at the end / the start (an absent list
-- is made).
M.append = make("append")
M.prepend = make("prepend")
-- if_not_exists(v): v is written only when the attribute is absent.
M.if_not_exists = make("if_not_exists")

function M.is_action(v)
  return type(v) == "table" and getmetatable(v) == Action
end

local SETS = { SS = true, NS = true, BS = true }
local NEEDS = {
  add = function(b) return b == "N" or SETS[b] end,
  delete = function(b) return SETS[b] end,
  append = function(b) return b == "L" end,
  prepend = function(b) return b == "L" end,
  if_not_exists = function() return true end,
}
local WHAT = { add = "a number or set", delete = "a set", append = "a list", prepend = "a list" }

-- The reason `col` cannot take action `a`, or nil. label: "Post.likes".
function M.refusal(col, a, label)
  if col.hash_key or col.range_key or col.version then
    return ("%s is a %s column: it takes no update action (got %s)"):format(label,
      col.version and "version" or "key", tostring(a))
  end
  local b = col.typedef and col.typedef.backing_type
  if not NEEDS[a.kind](b) then
    return ("%s is a %s column: %s needs %s column"):format(label, tostring(col.typedef),
      tostring(a), WHAT[a.kind])
  end
  return nil
end

return M
