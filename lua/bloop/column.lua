-- bloop.column: Column, the attribute descriptor of a model.
--
--   Employee.id = Column(UUID, { hash_key = true })
--   Employee.manager_id = Column(UUID, { dynamo_name = "mid" })
--   Employee.rev = Column(Integer, { version = true })      -- optimistic locking
--
-- Options: hash_key, range_key, dynamo_name (defaults to the column's name), default (a
-- value, or a function called with no arguments for each new instance), version,
-- empty_as_absent; any other is refused (InvalidModel, naming the nearest known option).
-- An empty string or binary is a value like any other (DynamoDB stores them outside keys);
-- empty_as_absent = true gives a column Python bloop's old rule instead: "" saves as no
-- value (REMOVE) and a stored "" loads as nil.
-- A Column learns its `name` and `model` when it is assigned to a model class. Every
-- attribute access on an instance goes through `Column:get(obj)` / `Column:set(obj, value)`,
-- so a subclass can validate (lua-api.md "Custom Column class"). Loading from DynamoDB
-- stores through `Column:store` and does not run a user's `set`, so data already in a table
-- never makes a load fail. Condition methods (`:eq`, `:between`, `&`, ...) are mixed in
-- from bloop.condition when that module is present.
-- Owns: the descriptor and instance storage. Does not own: dumping values (the typedef
-- does), change tracking per engine (the engine keeps what it last synced).
local class = require("bloop.class")
local errors = require("bloop.errors")
local signals = require("bloop.signals")

local M = {}

-- Instances keep column values in obj[DATA][column.name]; obj[MARKED][column.name] is true
-- once a column was assigned (so saving an object no engine synced can REMOVE what the
-- user set to nil).
M.DATA = setmetatable({}, { __name = "bloop.column.DATA", __tostring = function() return "DATA" end })
M.MARKED = setmetatable({}, { __name = "bloop.column.MARKED", __tostring = function() return "MARKED" end })
-- obj[COMPLETE] is true when the object was built from a whole item (a load, a full search
-- result, a sync, a stream image): a column it lacks is absent from that item, so an engine
-- that never synced the object REMOVEs it on save (lua/bloop/engine.lua write_args).
M.COMPLETE = setmetatable({}, { __name = "bloop.column.COMPLETE", __tostring = function() return "COMPLETE" end })
-- obj[ACTIONS][column.name] is true once an update action (lua/bloop/actions.lua) was
-- assigned to the column: a save looks only there for actions, so an object without one
-- costs the save a single rawget.
M.ACTIONS = setmetatable({}, { __name = "bloop.column.ACTIONS", __tostring = function() return "ACTIONS" end })
local DATA, MARKED, ACTIONS = M.DATA, M.MARKED, M.ACTIONS
local actions = require("bloop.actions")
local Action = actions.Action

-- Types are classes (String) or instances (Set(UUID)); a column holds an instance.
local function resolve_type(typedef)
  local types = require("bloop.types")
  local ok, t = pcall(types.instance, typedef)
  if ok then return t end
  return nil
end
M.resolve_type = resolve_type

local Column = class.class("Column")
Column.extend = class.extend
M.Column = Column

local known = { hash_key = true, range_key = true, dynamo_name = true, default = true,
  version = true, empty_as_absent = true }
M.known_options = known

-- Column's own options are all it takes; a subclass (lua-api.md "Custom Column class")
-- passes its own options through to Column.super.init, so there only a near miss of one
-- of Column's ("hashkey") is refused.
local function check_options(self, opts)
  for k in pairs(opts) do
    if not known[k] then
      local hint = errors.suggest(k, known)
      if hint ~= "" or getmetatable(self) == Column then
        errors.raise(errors.classes.InvalidModel, ("Column: unknown option %s%s")
          :format(type(k) == "string" and ("%q"):format(k) or tostring(k), hint))
      end
    end
  end
end

function Column:init(typedef, opts)
  opts = opts or {}
  if type(opts) ~= "table" then errors.argerror(2, "Column: options must be a table") end
  local t = resolve_type(typedef)
  if type(t) ~= "table" then
    errors.raise(errors.classes.InvalidModel,
      ("Column: argument 1 must be a bloop type (got %s)"):format(type(typedef)))
  end
  check_options(self, opts)
  self.typedef = t
  self.hash_key = opts.hash_key and true or false
  self.range_key = opts.range_key and true or false
  self.version = opts.version and true or false
  if self.hash_key and self.range_key then
    errors.raise(errors.classes.InvalidModel, "Column: hash_key and range_key are exclusive")
  end
  if opts.dynamo_name ~= nil and (type(opts.dynamo_name) ~= "string" or opts.dynamo_name == "") then
    errors.raise(errors.classes.InvalidModel, "Column: dynamo_name must be a non-empty string")
  end
  self._dynamo_name = opts.dynamo_name
  self.default = opts.default
  self.opts = opts
  if opts.empty_as_absent then
    -- Its own get and store: the engine then dumps and loads it through them (the Lua path).
    local class_get, class_store = self.get, self.store
    self.get = function(col, obj)
      local v = class_get(col, obj)
      if v == "" then return nil end
      return v
    end
    self.store = function(col, obj, value)
      if value == "" then value = nil end
      return class_store(col, obj, value)
    end
  end
end

-- Fields a column has or may have: never document paths, even when unset.
local reserved = { name = true, model = true, dynamo_name = true, typedef = true,
  default = true, hash_key = true, range_key = true, version = true, opts = true,
  init = true, set = true, get = true, store = true, copy = true, super = true }

-- col.dynamo_name: the attribute name on the wire (the column's name unless dynamo_name was
-- given). col["key"] / col[1] on a Map, List or Dynamic column: a document path
-- (`User.data["address"]["lines"][1]:eq("x")`); use col:path(key) for names that collide
-- with column fields or methods. Any other string or integer key is a path the column does
-- not have, and raises InvalidCondition saying so (`User.n is an Integer column; it has no
-- document path ["a"]`) rather than reading as nil.
function Column:__getindex(key)
  if key == "dynamo_name" then return rawget(self, "_dynamo_name") or rawget(self, "name") end
  if reserved[key] or (type(key) == "string" and key:sub(1, 1) == "_") then return nil end
  local t = rawget(self, "typedef")
  if (type(key) ~= "string" and math.type(key) ~= "integer") or t == nil then return nil end
  local ok, sub = pcall(t.path_type, t, key)
  if not ok or sub == nil then
    local kind = tostring(t)
    errors.raise(errors.classes.InvalidCondition,
      ("%s is %s %s column; it has no document path [%s]"):format(tostring(self),
        kind:find("^[AEIOaeio]") and "an" or "a", kind,
        type(key) == "string" and ("%q"):format(key) or tostring(key)))
  end
  return require("bloop.condition").path(self, key)
end

-- Reads the value of this column on obj.
function Column:get(obj)
  local data = rawget(obj, DATA)
  return data and data[self.name]
end

-- Assigns value on obj (construction and assignment both come here). Subclasses override
-- it to validate and call Column.super.set(self, obj, value) to store.
function Column:set(obj, value)
  if type(value) == "table" and getmetatable(value) == Action then
    local why = actions.refusal(self, value, tostring(self))
    if why then errors.raise_at(errors.classes.InvalidRequest, why, { column = self }) end
    local pending = rawget(obj, ACTIONS)
    if not pending then
      pending = {}
      rawset(obj, ACTIONS, pending)
    end
    pending[self.name] = true
  end
  self:store(obj, value)
  local marked = rawget(obj, MARKED)
  if marked then marked[self.name] = true end
  if signals.object_modified:has_receivers() then
    signals.object_modified:send{ obj = obj, column = self, value = value }
  end
end

-- Stores without hooks or marks (loading, sync).
function Column:store(obj, value)
  local data = rawget(obj, DATA)
  data[self.name] = value
end

-- A fresh column with the same declaration (inheritance copies columns).
function Column:copy()
  local c = setmetatable({}, getmetatable(self))
  for k, v in pairs(self) do c[k] = v end
  c.model = nil
  return c
end

-- The default for a new instance, or nil.
function Column:default_value()
  local d = rawget(self, "default")
  if type(d) == "function" then return d() end
  return d
end

function Column:__tostring()
  local model = rawget(self, "model")
  local name = rawget(self, "name")
  if model and name then return ("%s.%s"):format(model.Meta.name, name) end
  return ("%s(%s)"):format(getmetatable(self).class_name or "Column", name or "?")
end

function M.is_column(v)
  return class.isinstance(v, Column)
end

-- Mix the condition methods in when the condition module is present (it requires nothing
-- from here). Subclasses made later inherit them through the class chain.
do
  local ok, condition = pcall(require, "bloop.condition")
  if ok and type(condition) == "table" and type(condition.methods) == "table" then
    for k, v in pairs(condition.methods) do
      if rawget(Column, k) == nil or k:sub(1, 2) == "__" then Column[k] = v end
    end
  end
end

return M
