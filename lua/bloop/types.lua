-- bloop.types: the column type classes (String, Number, ..., Map, DynamicMap).
--
-- A type class is a Lua class: `bloop.Number:extend("Float")` makes a subclass (with
-- `.super`), calling a class builds an instance (`bloop.Set(bloop.String)`,
-- `bloop.Map{ a = bloop.Integer }`), and a bare class is accepted wherever an instance is
-- expected (it is instantiated then). Built-in types dump and load in C (src/lua/ltypes.c);
-- everything the C side reads is stored as raw fields on the instance when it is built
-- (see the header of ltypes.c), including whether the class overrides `dynamo_dump` /
-- `dynamo_load` in Lua: an override is called wherever the type is used, and reaches the
-- built-in through `.super` (`Float.super.dynamo_load(self, value, context)`).
--
-- Hooks work on the INNER wire value: N the number's text, S a string, B raw bytes, BOOL a
-- boolean, SS/NS/BS an array of inner values, L an array of wire tables ({S = "x"}), M a
-- table of name -> wire table. `nil` means absent (REMOVE on save).
--
-- Values, as they load and save:
-- * Number loads a bloop.decimal. Lua calls __eq only when both operands are tables or
--   userdata, so `bloop.decimal(1) == 1` is false (as `{} == 1` is): compare with
--   `d == bloop.decimal(1)` or `d:tonumber() == 1`. `<`, `<=`, `>`, `>=` do work between a
--   decimal and a plain number, on either side.
-- * Dynamic types (DynamicList, DynamicMap, and Dynamic, the type of a path inside them)
--   type a value by its Lua shape: string -> S, number or decimal -> N, boolean -> BOOL,
--   bloop.null -> NULL, bloop.binary -> B, bloop.set of strings / numbers / binaries ->
--   SS / NS / BS, a table whose keys are exactly 1..n -> L, a table whose keys are all
--   strings -> M; a table mixing both is an error. An empty table is absent at the column
--   itself (nothing to store) and an empty M inside (where DynamoDB keeps it), so `{}` is
--   never told apart as a list or a map: it loads back as an empty table either way. B
--   loads as bloop.binary (a plain Lua string already means S), so it saves back as B; an
--   integral N within 64 bits loads as a Lua integer, any other N as a bloop.decimal; NULL
--   loads as bloop.null inside a list and as nil (absent) in a map.
-- * List(T) keeps positions (paths index it): an element that loads as nothing (a NULL
--   written by another tool, or a dynamo_load returning nil) holds bloop.null, which saves
--   back as NULL. An element that dumps as absent ("" in a List(String)) is dropped, as
--   DynamoDB cannot store it.
-- * Binary columns load Lua strings and accept strings or bloop.binary values.
local core = require("bloop.core")
local errors = require("bloop.errors")

local K = core.type_kinds
local builtin_dump, builtin_load = core.type_builtin_dump, core.type_builtin_load

local types = {}

local function class_tostring(cls) return rawget(cls, "name") or "Type" end

local function instance_tostring(obj) return rawget(obj, "_name") or tostring(obj.name) end

local class_call

local function make_class(name, parent)
  local cls = {
    name = name,
    super = parent,
    _is_class = true,
    __tostring = instance_tostring,
    __name = name,
  }
  cls.__index = cls
  return setmetatable(cls, { __index = parent, __call = class_call, __tostring = class_tostring })
end

-- types.instance(x [, n]): x itself when it is a type instance, a (cached) instance of x when
-- it is a type class; raises otherwise (n: x's argument position, for the message). Cached
-- like the C side does, as the raw _instance.
function types.instance(x, n)
  if type(x) == "table" then
    if rawget(x, "_kind") then return x end
    if rawget(x, "_is_class") then
      local inst = rawget(x, "_instance")
      if inst == nil then
        inst = x()
        rawset(x, "_instance", inst)
      end
      return inst
    end
  end
  errors.argerror(n, ("bloop type expected, got %s"):format(type(x)))
end

local function finalize(obj)
  local kind = obj._builtin_kind
  if kind == nil then
    errors.argerror(nil, "a bloop type must descend from a built-in type class")
  end
  rawset(obj, "_kind", kind)
  rawset(obj, "_dump_lua", obj.dynamo_dump ~= builtin_dump)
  rawset(obj, "_load_lua", obj.dynamo_load ~= builtin_load)
  if rawget(obj, "backing_type") == nil then rawset(obj, "backing_type", obj.backing_type) end
  rawset(obj, "_name", obj:describe())
  return obj
end

class_call = function(cls, ...)
  local obj = setmetatable({}, cls)
  obj:init(...)
  return finalize(obj)
end

-- ---- the root class --------------------------------------------------------------------

local Type = make_class("Type", nil)
types.Type = Type

function Type:extend(name)
  if not rawget(self, "_is_class") then errors.argerror(nil, "extend is called on a type class") end
  if type(name) ~= "string" then errors.argerror(1, "extend(name): name must be a string") end
  return make_class(name, self)
end

function Type:init() end

-- The name used in messages: the class name, with parameters for containers.
function Type:describe() return self.name end

Type.dynamo_dump = builtin_dump
Type.dynamo_load = builtin_load

-- typedef:dump(value [, context [, where]]) -> wire table ({N = "1"}) or nil when absent.
function Type:dump(value, context, where) return core.type_dump(self, value, context, where) end

-- typedef:load(wire [, context [, where]]) -> Lua value (nil for an absent wire value).
function Type:load(wire, context, where) return core.type_load(self, wire, context, where) end

-- Whether value can be stored by this type (what dump accepts). nil is no value: false.
function Type:is_instance(value)
  if value == nil then return false end
  local ok, err = pcall(core.type_dump, types.instance(self), value)
  if ok then return true end
  if errors.is(err, errors.classes.InvalidValue) then return false end
  error(err, 0)
end

local ALL = true
local ORDERED = { S = true, N = true, B = true }
local SUPPORT = {
  eq = ALL, ne = ALL, ["in"] = ALL, exists = ALL, not_exists = ALL,
  lt = ORDERED, le = ORDERED, gt = ORDERED, ge = ORDERED, between = ORDERED,
  begins_with = { S = true, B = true },
  contains = { SS = true, NS = true, BS = true, S = true, B = true, L = true },
}

local DYNAMIC_KINDS = { [K.DynamicList] = true, [K.DynamicMap] = true, [K.Dynamic] = true }

-- Whether DynamoDB can apply op ("eq", "lt", "begins_with", ...) to this type's values.
function Type:supports(op)
  local allowed = SUPPORT[op]
  if allowed == nil then errors.argerror(1, ("unknown operation %q"):format(tostring(op))) end
  local t = types.instance(self)
  if allowed == ALL or DYNAMIC_KINDS[rawget(t, "_kind")] then return true end
  return allowed[t.backing_type] == true
end

local function no_path(self, key)
  errors.raise(errors.classes.InvalidCondition,
    ("%s has no paths (tried %s)"):format(tostring(self), type(key) == "string"
      and ("%q"):format(key) or tostring(key)))
end

-- The type at self[key] in a document path; raises InvalidCondition where there is none.
function Type:path_type(key)
  no_path(types.instance(self), key)
end

-- ---- scalars ----------------------------------------------------------------------------

local function scalar(name, parent, kind, backing, lua_type)
  local cls = make_class(name, parent)
  cls._builtin_kind = kind
  cls.backing_type = backing
  cls.lua_type = lua_type
  types[name] = cls
  return cls
end

scalar("String", Type, K.String, "S", "string")
local Number = scalar("Number", Type, K.Number, "N", "number or bloop.decimal")
scalar("Integer", Number, K.Integer, "N", "integer")
scalar("Float", Number, K.Float, "N", "number")
scalar("Binary", Type, K.Binary, "B", "string of bytes")
scalar("Boolean", Type, K.Boolean, "BOOL", "boolean")
scalar("UUID", Type, K.UUID, "S", "bloop.uuid")
local DateTime = scalar("DateTime", Type, K.DateTime, "S", "bloop.datetime")
scalar("Timestamp", DateTime, K.Timestamp, "N", "bloop.datetime")

-- ---- containers -------------------------------------------------------------------------

local Set = scalar("Set", Type, K.Set, nil, "bloop.set")

function Set:init(inner)
  if inner == nil then
    errors.argerror(1, "Set needs an element type, as in bloop.Set(bloop.String)")
  end
  inner = types.instance(inner, 1)
  local b = inner.backing_type
  if b ~= "S" and b ~= "N" and b ~= "B" then
    errors.argerror(1, ("Set needs a String, Number or Binary backed element type, got %s")
      :format(tostring(inner)))
  end
  self.inner = inner
  self.backing_type = b .. "S"
end

function Set:describe() return ("%s(%s)"):format(self.name, tostring(self.inner)) end

local List = scalar("List", Type, K.List, "L", "array")

function List:init(inner)
  if inner == nil then
    errors.argerror(1, "List needs an element type, as in bloop.List(bloop.String)")
  end
  self.inner = types.instance(inner, 1)
end

List.describe = Set.describe

function List:path_type(key)
  local t = types.instance(self)
  if math.type(key) ~= "integer" then
    errors.raise(errors.classes.InvalidCondition,
      ("%s paths are list indexes (integers), got %s"):format(tostring(t),
        type(key) == "string" and ("%q"):format(key) or tostring(key)))
  end
  return t.inner
end

local Map = scalar("Map", Type, K.Map, "M", "table")

function Map:init(fields)
  if type(fields) ~= "table" then
    errors.argerror(1, "Map needs its fields, as in bloop.Map{ name = bloop.String }")
  end
  local tps, names = {}, {}
  for name, t in pairs(fields) do
    if type(name) ~= "string" then errors.argerror(nil, "Map field names must be strings") end
    tps[name] = types.instance(t)
    names[#names + 1] = name
  end
  table.sort(names)
  self.types = tps
  self._fields = names
end

function Map:describe()
  local parts = {}
  for i, name in ipairs(self._fields) do
    parts[i] = ("%s = %s"):format(name, tostring(self.types[name]))
  end
  return ("%s{%s}"):format(self.name, table.concat(parts, ", "))
end

function Map:path_type(key)
  local t = types.instance(self)
  local ft = type(key) == "string" and t.types[key]
  if not ft then
    errors.raise(errors.classes.InvalidCondition,
      ("%s has no field %s"):format(tostring(t),
        type(key) == "string" and ("%q"):format(key) or tostring(key)))
  end
  return ft
end

-- Dynamic: a value typed by its Lua shape (the type of any path inside a DynamicList or
-- DynamicMap). It has no single backing_type.
-- Their `inner` (the element type `contains` dumps through) is Dynamic too; scalars have
-- no `inner`, Set and List have their element type.
local Dynamic = scalar("Dynamic", Type, K.Dynamic, nil, "any")
local function dynamic_path() return types.instance(Dynamic) end
Dynamic.path_type = dynamic_path
function Dynamic:init() self.inner = self end

local function dynamic_init(self) self.inner = types.instance(Dynamic) end

local DynamicList = scalar("DynamicList", Type, K.DynamicList, "L", "array")
DynamicList.path_type = dynamic_path
DynamicList.init = dynamic_init
local DynamicMap = scalar("DynamicMap", Type, K.DynamicMap, "M", "table")
DynamicMap.path_type = dynamic_path
DynamicMap.init = dynamic_init

-- The names exported by require("bloop").
types.exports = {
  "String", "Number", "Integer", "Float", "Binary", "Boolean", "UUID", "DateTime",
  "Timestamp", "Set", "List", "Map", "DynamicList", "DynamicMap", "Dynamic",
}

return types
