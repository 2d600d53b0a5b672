-- bloop.condition: the condition DSL on anything column-like.
--
--   User.age:ge(18) & (User.email:begins_with("a") | ~User.name:eq(nil))
--   User.data["address"]["lines"][1]:eq("x")     -- 1-based in Lua, [0] on the wire
--   bloop.Condition()                             -- the empty condition: & and | identity
--
-- Owns: the comparison methods (`methods`, mixed into Column by bloop.column), document-path
-- proxies, the per-operator type-support check at build time, and turning columns and
-- proxies into the path/operand specs of bloop.core (src/lua/lcond.h). The trees, their
-- algebra (`&`, `|`, `~`, `#`, tostring) and rendering are C (bloop.core.Condition /
-- condition / render); conditions are immutable, so combining never changes an operand.
-- Does not own: columns, models or types; it asks a column for `name`, `dynamo_name`,
-- `typedef` and (optionally) `model`, and a type for `supports(op)`, `path_type(key)`,
-- `inner` and how it dumps values (bloop.core through ltypes; a type that has a Lua method
-- `wire_dump(value)` returning a wire table, or nil for absent, is dumped by it instead,
-- which is how specs use stand-in types).
--
-- Map keys that collide with method names (`eq`, `path`, ...) are reached with
-- `col:path("eq")`.
local core = require("bloop.core")
local errors = require("bloop.errors")

local M = {}
local has_types, types = pcall(require, "bloop.types")
local InvalidCondition = errors.classes.InvalidCondition

local function fail(message)
  errors.raise(InvalidCondition, message)
end

M.Condition = core.Condition
M.is_condition = core.is_condition

-- ---- paths -------------------------------------------------------------------------------

-- Proxies keep their state under a private key so every string key can be a map key.
local STATE = setmetatable({}, { __name = "bloop.condition.STATE" })
local Proxy = { __name = "bloop.Path" }

local function model_name(model)
  if type(model) ~= "table" then return nil end
  local meta = model.Meta
  if type(meta) == "table" and type(meta.name) == "string" then return meta.name end
  local n = rawget(model, "__name") or rawget(model, "name")
  if type(n) == "string" then return n end
  return nil
end

-- Is v a column (or proxy)? Columns are tables with a metatable and a typedef and a name.
local function is_column_like(v)
  if type(v) ~= "table" then return false end
  if rawget(v, STATE) then return true end
  if getmetatable(v) == nil then return false end
  local ok, t, n = pcall(function() return v.typedef, v.dynamo_name or v.name end)
  return ok and type(t) == "table" and type(n) == "string"
end
M.is_column_like = is_column_like

-- The path state of a column or proxy: { elems = {...}, typedef = T, label = "Model.col...",
-- model = the column's model (nil for a column no model holds) }.
local function state(x)
  local st = rawget(x, STATE)
  if st then return st end
  local name = x.dynamo_name or x.name
  local mname = model_name(x.model)
  local label = mname and (mname .. "." .. tostring(x.name or name)) or tostring(x.name or name)
  local t = x.typedef
  -- a type class (bloop.String) stands for its instance, as in Column(String)
  if has_types and type(t) == "table" and types.instance and rawget(t, "_kind") == nil
      and t._builtin_kind ~= nil then
    t = types.instance(t)
  end
  return { elems = { name }, typedef = t, label = label, model = rawget(x, "model") }
end

local function type_name(t)
  if type(t) ~= "table" then return tostring(t) end
  local n = rawget(t, "_name") or t.type_name or t.class_name or t.name
  if type(n) == "string" then return n end
  return tostring(t)
end
M.type_name = type_name

local function is_ident(k) return k:match("^[%a_][%w_]*$") ~= nil end

-- path(x, key): the document path x[key] (key a map key, or a 1-based list index).
function M.path(x, key)
  local st = state(x)
  local elems = { table.unpack(st.elems) }
  local label
  if math.type(key) == "integer" then
    if key < 1 then fail(("%s[%d]: list indexes start at 1"):format(st.label, key)) end
    elems[#elems + 1] = key - 1
    label = ("%s[%d]"):format(st.label, key)
  elseif type(key) == "string" and key ~= "" then
    elems[#elems + 1] = key
    label = is_ident(key) and (st.label .. "." .. key) or ("%s[%q]"):format(st.label, key)
  else
    fail(("%s: a document path key is a non-empty string or an integer >= 1, got %s")
      :format(st.label, type(key) == "string" and '""' or tostring(key)))
  end
  local t = st.typedef
  local sub
  if type(t) == "table" and t.path_type then sub = t:path_type(key) end
  if sub == nil then
    fail(("%s: %s has no document path %s"):format(label, type_name(t),
      type(key) == "string" and ("%q"):format(key) or tostring(key)))
  end
  return setmetatable({ [STATE] = { elems = elems, typedef = sub, label = label,
    model = st.model } }, Proxy)
end

-- The path spec bloop.core takes for a column, a proxy, or a plain attribute name.
function M.spec(x)
  if type(x) == "string" then return { x, label = x } end
  local st = state(x)
  local s = { table.unpack(st.elems) }
  s.label = st.label
  s.model = st.model   -- bloop.core keeps it, so an engine can refuse another model's column
  return s
end

-- ---- methods -----------------------------------------------------------------------------

local methods = {}
M.methods = methods

local function check_supported(st, op)
  local t = st.typedef
  if type(t) == "table" and t.supports and not t:supports(op) then
    fail(("%s: %s does not support %s"):format(st.label, type_name(t), op))
  end
end

-- The operand spec of v for the column/proxy state st (through type t).
local function operand(st, t, v)
  if is_column_like(v) then return { path = M.spec(v) } end
  if type(t) == "table" and t.wire_dump then
    local w = t:wire_dump(v)
    if w == nil then return nil end
    return { wire = w }
  end
  return { type = t, value = v, where = st.label }
end

local function leaf(self, op, ...)
  return core.condition(op, M.spec(self), ...)
end

-- = and <>: nil (or what dumps as absent) asks whether the attribute exists.
local function equality(op, test)
  return function(self, v)
    local st = state(self)
    check_supported(st, op)
    if v == nil then return leaf(self, test) end
    local o = operand(st, st.typedef, v)
    if o == nil then return leaf(self, test) end
    return leaf(self, op, { o })
  end
end

methods.eq = equality("eq", "not_exists")
methods.ne = equality("ne", "exists")
methods.is_ = methods.eq
methods.is_not = methods.ne

local function needs_value(st, op, v, t)
  if v == nil then fail(("%s: %s needs a value, got nil"):format(st.label, op)) end
  local o = operand(st, t or st.typedef, v)
  if o == nil then
    fail(("%s: %s cannot compare with a value that is absent (nil, an empty set, list or map, "
      .. "or what its type stores as nothing)"):format(st.label, op))
  end
  return o
end

local function ordered(op)
  return function(self, v)
    local st = state(self)
    check_supported(st, op)
    return leaf(self, op, { needs_value(st, op, v) })
  end
end

methods.lt = ordered("lt")
methods.le = ordered("le")
methods.gt = ordered("gt")
methods.ge = ordered("ge")
methods.begins_with = ordered("begins_with")

function methods.between(self, lo, hi)
  local st = state(self)
  check_supported(st, "between")
  return leaf(self, "between", { needs_value(st, "between", lo), needs_value(st, "between", hi) })
end

-- contains(v): v is dumped through the type's element type (`inner`: a set's or list's
-- element type, Dynamic for dynamic types); a String or Binary column, which has no
-- `inner`, dumps its substring as itself.
function methods.contains(self, v)
  local st = state(self)
  check_supported(st, "contains")
  local t = st.typedef
  local inner = type(t) == "table" and t.inner or nil
  return leaf(self, "contains", { needs_value(st, "contains", v, inner or t) })
end

-- in_{v1, v2, ...} (or in_(v1, v2, ...)).
function methods.in_(self, ...)
  local st = state(self)
  check_supported(st, "in")
  local n = select("#", ...)
  local values = { ... }
  local first = ...
  if n == 1 and type(first) == "table" and getmetatable(first) == nil then
    values = first
    n = #first
  end
  if n == 0 then fail(("%s: in_ needs at least one value"):format(st.label)) end
  local ops = {}
  for i = 1, n do ops[i] = needs_value(st, "in", values[i]) end
  return leaf(self, "in", ops)
end

-- col:path(key): the document path col[key], for keys that collide with method names.
methods.path = M.path

-- ---- proxies -----------------------------------------------------------------------------

Proxy.__index = function(p, key)
  local m = methods[key]
  if m ~= nil then return m end
  return M.path(p, key)
end
Proxy.__tostring = function(p) return rawget(p, STATE).label end
Proxy.__newindex = function(p)
  errors.argerror(nil, ("%s: document paths are read-only"):format(rawget(p, STATE).label))
end

function M.is_path(v) return type(v) == "table" and rawget(v, STATE) ~= nil end

-- ---- rendering ---------------------------------------------------------------------------

-- render{ condition=, filter=, key=, hash_key=, range_key=, projection={cols|paths|names},
-- update=raw actions } -> the request fragment (bloop.core.render), accepting columns and
-- proxies in the projection.
function M.render(opts)
  local o = {}
  for k, v in pairs(opts) do o[k] = v end
  if opts.projection then
    local p = {}
    for i, x in ipairs(opts.projection) do p[i] = M.spec(x) end
    o.projection = p
  end
  return core.render(o)
end

return M
