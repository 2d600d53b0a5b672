-- bloop.values: helpers over every value bloop stores: deepcopy and typename.
--
-- Decimals, datetimes, UUIDs and binaries are immutable userdata, so deepcopy shares them (a copy
-- would be indistinguishable, and datetimes and UUIDs are interned: equal values are the
-- same object). Sets are rebuilt member by member; other tables are copied with their
-- metatable, keys included, cycles and shared references preserved.
local core = require("bloop.core")

local Set = core.Set
local Decimal, DateTime, UUID, Binary = core.Decimal, core.datetime.DateTime, core.UUID, core.Binary
local null = core.null

local values = {}

local function copy(v, seen)
  if type(v) ~= "table" then return v end
  local done = seen[v]
  if done ~= nil then return done end
  local mt = getmetatable(v)
  if mt == Set then
    local out = setmetatable({ _index = {} }, Set)
    seen[v] = out
    for i = 1, rawlen(v) do out:add(copy(rawget(v, i), seen)) end
    return out
  end
  local out = {}
  seen[v] = out
  for k, x in next, v do rawset(out, copy(k, seen), copy(x, seen)) end
  if mt ~= nil then setmetatable(out, mt) end
  return out
end

function values.deepcopy(v) return copy(v, {}) end

-- "decimal", "datetime", "uuid", "binary", "set", "null", a model or type name (a metatable's
-- __name, or the table's own __name), else Lua's type name.
function values.typename(v)
  local t = type(v)
  if t == "userdata" then
    local mt = getmetatable(v)
    if mt == Decimal then return "decimal" end
    if mt == DateTime then return "datetime" end
    if mt == UUID then return "uuid" end
    if mt == Binary then return "binary" end
    if type(mt) == "table" and type(rawget(mt, "__name")) == "string" then
      return rawget(mt, "__name")
    end
    if v == null then return "null" end
    return t
  end
  if t == "table" then
    local mt = getmetatable(v)
    if mt == Set then return "set" end
    if type(mt) == "table" and type(rawget(mt, "__name")) == "string" then
      return rawget(mt, "__name")
    end
    if type(rawget(v, "__name")) == "string" then return rawget(v, "__name") end
  end
  return t
end

return values
