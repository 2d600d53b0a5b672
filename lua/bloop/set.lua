-- bloop.set: the value set columns hold (SS / NS / BS).
--
-- A set is a table holding its members at 1..n (in insertion order; a removal moves the
-- last member into the hole) and `_index`, a map from each member's key to its position,
-- made on first use (index_of): a small set loaded from an item (src/lua/lvalues.c) has
-- none, as most loaded sets are only read or written back.
-- The key (core.set_key, shared with the C loader) is the member itself, except for numbers
-- and decimals, which are keyed by value: 2, 2.0 and bloop.decimal("2") are one member, as
-- they are one member of a DynamoDB NS. Keeping members in an array lets the C dumper read
-- them with raw gets and keeps the order of a dump deterministic.
--
-- s:add(v) / s:remove(v) / s:has(v), #s, `for member in pairs(s)`, equality by content
-- (s1 == s2), tostring. The metatable is core.Set (registered as "bloop.Set") so the C side
-- recognises sets and builds them when loading.
local core = require("bloop.core")
local errors = require("bloop.errors")

local key_of = core.set_key
local Set = core.Set
local methods = {}

Set.__name = "bloop.set"
Set.__index = methods

local function index_of(self)
  local index = rawget(self, "_index")
  if index == nil then
    index = {}
    for i = 1, rawlen(self) do index[key_of(rawget(self, i))] = i end
    rawset(self, "_index", index)
  end
  return index
end

local function new(members)
  local s = setmetatable({ _index = {} }, Set)
  if members ~= nil then
    if type(members) ~= "table" then
      errors.argerror(1, ("bloop.set expects a table of members, got %s"):format(type(members)))
    end
    if getmetatable(members) == Set then
      for i = 1, #members do s:add(members[i]) end
    else
      for _, v in ipairs(members) do s:add(v) end
    end
  end
  return s
end

function methods:add(v)
  local k = key_of(v)
  local index = index_of(self)
  if index[k] == nil then
    local n = rawlen(self) + 1
    rawset(self, n, v)
    index[k] = n
  end
  return self
end

-- Removes v; returns true when it was a member.
function methods:remove(v)
  local k = key_of(v)
  local index = index_of(self)
  local pos = index[k]
  if pos == nil then return false end
  local n = rawlen(self)
  local last = rawget(self, n)
  rawset(self, pos, last)
  index[key_of(last)] = pos
  rawset(self, n, nil)
  index[k] = nil
  return true
end

function methods:has(v)
  if v == nil or v ~= v then return false end
  return index_of(self)[key_of(v)] ~= nil
end

-- The members as a plain array (a copy), in the set's order.
function methods:totable()
  local out = {}
  for i = 1, rawlen(self) do out[i] = rawget(self, i) end
  return out
end

function methods:copy() return new(self) end

Set.__len = function(self) return rawlen(self) end

-- for member, true in pairs(s)
Set.__pairs = function(self)
  local i = 0
  return function()
    i = i + 1
    local v = rawget(self, i)
    if v ~= nil then return v, true end
  end, self, nil
end

Set.__eq = function(a, b)
  if getmetatable(a) ~= Set or getmetatable(b) ~= Set then return false end
  if rawlen(a) ~= rawlen(b) then return false end
  local bi = index_of(b)
  for k in pairs(index_of(a)) do
    if bi[k] == nil then return false end
  end
  return true
end

local function sort_key(v)
  return (type(v) == "number" and "0" or "1") .. type(v), v
end

Set.__tostring = function(self)
  local members = self:totable()
  table.sort(members, function(x, y)
    local tx, vx = sort_key(x)
    local ty, vy = sort_key(y)
    if tx ~= ty then return tx < ty end
    if type(vx) == "number" or type(vx) == "string" then return vx < vy end
    return tostring(vx) < tostring(vy)
  end)
  for i, v in ipairs(members) do
    members[i] = type(v) == "string" and ("%q"):format(v) or tostring(v)
  end
  return "bloop.set{" .. table.concat(members, ", ") .. "}"
end

local M = { new = new, Set = Set }

function M.is(v) return getmetatable(v) == Set end

return M
