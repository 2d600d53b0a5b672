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

-- values.equal(a, b): the same value as bloop stores values: numbers by value, decimals,
-- datetimes, UUIDs and sets by their own __eq, binaries by bytes (they are interned), other
-- tables key by key, recursively (cycles allowed).
local function equal(a, b, seen)
  if rawequal(a, b) then return true end
  local ta = type(a)
  if ta ~= type(b) then return false end
  if ta == "number" or ta == "userdata" then return a == b end
  if ta ~= "table" then return false end
  local mt = getmetatable(a)
  if mt ~= getmetatable(b) then return false end
  if mt ~= nil and rawget(mt, "__eq") then return a == b end
  local pairs_seen = seen[a]
  if pairs_seen and pairs_seen[b] then return true end
  seen[a] = pairs_seen or {}
  seen[a][b] = true
  for k, v in next, a do
    if not equal(v, rawget(b, k), seen) then return false end
  end
  for k in next, b do
    if rawget(a, k) == nil then return false end
  end
  return true
end

function values.equal(a, b) return equal(a, b, {}) end

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
