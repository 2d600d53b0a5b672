-- bloop.model: Model classes, their Meta, and instances.
--
--   local Employee = bloop.Model:extend("Employee", { table_name = "employees-uk" })
--   Employee.id = Column(UUID, { hash_key = true })          -- recorded in assignment order
--   Employee.by_level = bloop.GlobalSecondaryIndex{ projection = { "email" }, hash_key = "level" }
--   local e = Employee{ id = bloop.uuid4(), level = 3 }     -- through Column:set
--   e.email = "a@example.com"                                -- through Column:set
--   local Manager = Employee:extend("Manager")               -- copies Employee's columns
--
-- A model class is a table with a shared metatable whose __newindex records Columns and
-- indexes as they are assigned; anything else assigned to the class (methods) is stored
-- as is and inherited by subclasses and instances. Meta is fresh per class (bloop never
-- inherits Meta): table_name (default: the model's name), abstract, billing, read_units,
-- write_units, stream, ttl, backups, encryption, plus the computed keys, columns, indexes
-- (ordered lists), gsis, lsis, hash_key, range_key, version, columns_by_name,
-- columns_by_dynamo_name, indexes_by_name and init (a factory for loaded objects).
-- Declaration errors raise bloop.InvalidModel naming model and column: the ones visible
-- on assignment at once (two hash keys, a duplicate dynamo_name), the rest (no hash key,
-- index keys that are not columns, LSI rules, projections) by Model:validate(), which
-- engine:bind and every engine operation call, and which runs the C model descriptor
-- (include/bloop/model.h) so C and Lua share one rule set.
-- Does not own: change tracking (per engine, in bloop.engine) or dumping values (types).
local column_mod = require("bloop.column")
local index_mod = require("bloop.index")
local errors = require("bloop.errors")

local DATA, MARKED = column_mod.DATA, column_mod.MARKED
local is_column, is_index = column_mod.is_column, index_mod.is_index

local M = {}

local ModelClass = {}     -- metatable of every model class
local models = setmetatable({}, { __mode = "k" })   -- model class -> true

local function invalid(msg, level)
  errors.raise(errors.classes.InvalidModel, msg, nil, level or 3)
end

local meta_keys = { table_name = true, abstract = true, billing = true, read_units = true,
  write_units = true, stream = true, ttl = true, backups = true, encryption = true, init = true }

local function is_model(v) return type(v) == "table" and models[v] == true end
M.is_model = is_model

-- Recomputes the derived Meta fields after a column or index changed.
local function refresh(cls)
  local meta = rawget(cls, "Meta")
  local by_name, by_dynamo = {}, {}
  local keys, hash, range, version = {}, nil, nil, nil
  for _, c in ipairs(meta.columns) do
    by_name[c.name] = c
    by_dynamo[c.dynamo_name] = c
    if c.hash_key then hash = c end
    if c.range_key then range = c end
    if c.version then version = c end
  end
  if hash then keys[#keys + 1] = hash end
  if range then keys[#keys + 1] = range end
  meta.columns_by_name, meta.columns_by_dynamo_name = by_name, by_dynamo
  meta.hash_key, meta.range_key, meta.keys, meta.version = hash, range, keys, version
  local gsis, lsis, idx_by_name = {}, {}, {}
  for _, i in ipairs(meta.indexes) do
    idx_by_name[i.name] = i
    if i.kind == "LocalSecondaryIndex" then lsis[#lsis + 1] = i else gsis[#gsis + 1] = i end
  end
  meta.gsis, meta.lsis, meta.indexes_by_name = gsis, lsis, idx_by_name
  meta._validated = nil
  meta._cmodel = nil
end

local function bind_column(cls, name, col)
  local meta = rawget(cls, "Meta")
  if rawget(col, "model") and col.model ~= cls then col = col:copy() end
  col.name = name
  col.model = cls
  if meta.indexes_by_name and meta.indexes_by_name[name] then
    invalid(("%s: %q is already an index"):format(meta.name, name), 4)
  end
  for _, other in ipairs(meta.columns) do
    if other.name ~= name then
      if col.hash_key and other.hash_key then
        invalid(("%s: column %q is a second hash key (%q is the hash key)"):format(
          meta.name, name, other.name), 4)
      end
      if col.range_key and other.range_key then
        invalid(("%s: column %q is a second range key (%q is the range key)"):format(
          meta.name, name, other.name), 4)
      end
      if col.dynamo_name == other.dynamo_name then
        invalid(("%s: columns %q and %q have the same dynamo_name %q"):format(
          meta.name, other.name, name, col.dynamo_name), 4)
      end
    end
  end
  if col.hash_key and col.range_key then
    invalid(("%s: column %q cannot be both hash key and range key"):format(meta.name, name), 4)
  end
  local replaced = false
  for i, other in ipairs(meta.columns) do
    if other.name == name then meta.columns[i] = col; replaced = true end
  end
  if not replaced then meta.columns[#meta.columns + 1] = col end
  refresh(cls)
end

local function bind_index(cls, name, idx)
  local meta = rawget(cls, "Meta")
  if rawget(idx, "model") and idx.model ~= cls then idx = idx:copy() end
  if meta.columns_by_name[name] then
    invalid(("%s: %q is already a column"):format(meta.name, name), 4)
  end
  idx.name = name
  idx.model = cls
  local replaced = false
  for i, other in ipairs(meta.indexes) do
    if other.name == name then meta.indexes[i] = idx; replaced = true end
  end
  if not replaced then meta.indexes[#meta.indexes + 1] = idx end
  refresh(cls)
end

ModelClass.__newindex = function(cls, key, value)
  if is_column(value) then
    if type(key) ~= "string" then invalid("a column name must be a string", 3) end
    bind_column(cls, key, value)
  elseif is_index(value) then
    if type(key) ~= "string" then invalid("an index name must be a string", 3) end
    bind_index(cls, key, value)
  elseif key == "Meta" then
    invalid(rawget(cls, "Meta").name .. ": Meta is given to extend(name, meta), not assigned", 3)
  else
    local meta = rawget(cls, "Meta")
    if meta.columns_by_name[key] or meta.indexes_by_name[key] then
      invalid(("%s.%s is a %s; assign a Column or an index to replace it"):format(meta.name,
        tostring(key), meta.columns_by_name[key] and "column" or "index"), 3)
    end
    rawset(cls, key, value)
  end
end

ModelClass.__index = function(cls, key)
  local meta = rawget(cls, "Meta")
  local c = meta.columns_by_name[key] or meta.indexes_by_name[key]
  if c then return c end
  local parent = rawget(cls, "__parent")
  if parent then return parent[key] end
  return nil
end

ModelClass.__call = function(cls, fields)
  return cls:new(fields)
end

ModelClass.__tostring = function(cls) return "<Model " .. rawget(cls, "Meta").name .. ">" end
ModelClass.__name = "bloop.ModelClass"

-- ---- instances ------------------------------------------------------------------------

local function format_value(v)
  if type(v) == "string" then return ("%q"):format(v) end
  return tostring(v)
end

local function instance_mt(cls)
  local meta = rawget(cls, "Meta")
  local mt = {}
  mt.__name = meta.name
  mt.__index = function(obj, key)
    local c = meta.columns_by_name[key]
    if c then return c:get(obj) end
    if key == "Meta" then return meta end
    if meta.indexes_by_name[key] then
      error(("%s.%s is an index; instances have no index attributes"):format(meta.name, key), 2)
    end
    return cls[key]
  end
  mt.__newindex = function(obj, key, value)
    local c = meta.columns_by_name[key]
    if c then return c:set(obj, value) end
    if key == "Meta" or meta.indexes_by_name[key] then
      error(("cannot assign %s on a %s instance"):format(tostring(key), meta.name), 2)
    end
    rawset(obj, key, value)
  end
  mt.__tostring = function(obj)
    local parts = {}
    for _, k in ipairs(meta.keys) do
      parts[#parts + 1] = k.name .. "=" .. format_value(k:get(obj))
    end
    return meta.name .. "(" .. table.concat(parts, ", ") .. ")"
  end
  return mt
end

-- Model:new(fields): a new instance; each column takes fields[name] or its default through
-- Column:set. A name that is not a column raises (a misspelling never passes silently).
local function new_instance(cls, fields)
  local meta = rawget(cls, "Meta")
  if fields ~= nil and type(fields) ~= "table" then
    error(("%s{...}: fields must be a table"):format(meta.name), 3)
  end
  fields = fields or {}
  for k in pairs(fields) do
    if not meta.columns_by_name[k] then
      error(("%s has no column %s"):format(meta.name, tostring(k)), 3)
    end
  end
  local obj = meta.init()
  for _, c in ipairs(meta.columns) do
    local v = fields[c.name]
    if v == nil then v = c:default_value() end
    if v ~= nil then c:set(obj, v) end
  end
  return obj
end

-- is_instance(v): v is an instance of some model. instance_of(v, cls) for a given one.
function M.is_instance(v)
  if type(v) ~= "table" then return false end
  return rawget(v, DATA) ~= nil and getmetatable(v) ~= nil and getmetatable(v).__model ~= nil
end

function M.model_of(obj)
  local mt = getmetatable(obj)
  return mt and mt.__model
end

-- ---- classes --------------------------------------------------------------------------

local function make_model(name, parent, meta_in)
  if type(name) ~= "string" or name == "" then
    error("Model:extend(name, meta): a model name is required", 3)
  end
  meta_in = meta_in or {}
  if type(meta_in) ~= "table" then error("Model:extend(name, meta): meta must be a table", 3) end
  for k in pairs(meta_in) do
    if not meta_keys[k] then invalid(("%s: unknown Meta option %q"):format(name, tostring(k)), 4) end
  end
  local meta = {}
  for k, v in pairs(meta_in) do meta[k] = v end
  meta.name = name
  meta.table_name = meta_in.table_name or name
  meta.abstract = meta_in.abstract and true or false
  meta.columns, meta.indexes = {}, {}
  local cls = { Meta = meta, __parent = parent }
  meta.model = cls
  models[cls] = true
  setmetatable(cls, ModelClass)
  refresh(cls)
  local imt = instance_mt(cls)
  imt.__model = cls
  rawset(cls, "__instance", imt)
  if not meta_in.init then
    meta.init = function()
      return setmetatable({ [DATA] = {}, [MARKED] = {} }, imt)
    end
  end
  -- copy the parent's columns and indexes (a local definition assigned later overrides)
  if parent and rawget(parent, "Meta") then
    for _, c in ipairs(parent.Meta.columns) do bind_column(cls, c.name, c:copy()) end
    for _, i in ipairs(parent.Meta.indexes) do bind_index(cls, i.name, i:copy()) end
  end
  return cls
end

-- The root model: abstract, no columns.
local Model = make_model("Model", nil, { abstract = true })
rawset(Model, "extend", function(parent, name, meta)
  return make_model(name, parent, meta)
end)
rawset(Model, "new", new_instance)
M.Model = Model

-- ---- validation -----------------------------------------------------------------------

local function resolve_column(meta, ref, what)
  if ref == nil then return nil end
  if is_column(ref) then
    local c = meta.columns_by_name[ref.name]
    if c and (c == ref or (ref.model == nil or ref.model == meta.model)) then return c end
    -- a Column of another model (the shared-table pattern may pass Employee.level): by name
    if ref.name and meta.columns_by_name[ref.name] then return meta.columns_by_name[ref.name] end
    invalid(("%s: %s %s is not a column of this model"):format(meta.name, what, tostring(ref)), 5)
  end
  if type(ref) ~= "string" then
    invalid(("%s: %s must be a column name or Column"):format(meta.name, what), 5)
  end
  local c = meta.columns_by_name[ref]
  if not c then
    invalid(("%s: %s %q is not a column"):format(meta.name, what, ref), 5)
  end
  return c
end

local function backing(c)
  local t = c.typedef
  local b = t and t.backing_type
  if type(b) == "function" then b = b(t) end
  return b
end

-- Builds the flat declaration the C model descriptor takes.
local function declaration(meta)
  local decl = { name = meta.name, columns = {}, indexes = {}, meta = {} }
  for _, c in ipairs(meta.columns) do
    decl.columns[#decl.columns + 1] = { name = c.name, dynamo_name = c.dynamo_name,
      type = backing(c), key = c.hash_key and "hash" or (c.range_key and "range" or nil),
      version = c.version or nil }
  end
  for _, i in ipairs(meta.indexes) do
    local inc
    if type(i.projection) == "table" then
      inc = {}
      for _, p in ipairs(i.projection) do inc[#inc + 1] = is_column(p) and p.name or p end
    end
    decl.indexes[#decl.indexes + 1] = { kind = i.kind == "LocalSecondaryIndex" and "lsi" or "gsi",
      name = i.name, dynamo_name = i.dynamo_name,
      hash_key = i.hash_key_column and i.hash_key_column.name or nil,
      range_key = i.range_key_column and i.range_key_column.name or nil,
      projection = type(i.projection) == "string" and i.projection or "include",
      include = inc, read_units = i.read_units, write_units = i.write_units }
  end
  local m = decl.meta
  m.table_name = meta.table_name
  m.billing = meta.billing and meta.billing.mode or nil
  m.read_units, m.write_units = meta.read_units, meta.write_units
  if meta.stream then m.stream = meta.stream.include end
  if meta.ttl then
    local tc = meta.ttl.column
    m.ttl_column = is_column(tc) and tc.name or tc
  end
  if meta.backups then m.backups = meta.backups.enabled and true or false end
  if meta.encryption then m.encryption = meta.encryption.enabled and true or false end
  return decl
end
M.declaration = declaration

local function check_options(meta)
  local name = meta.name
  if meta.billing ~= nil then
    local b = meta.billing
    if type(b) ~= "table" or (b.mode ~= "provisioned" and b.mode ~= "on_demand") then
      invalid(name .. ': Meta.billing must be { mode = "provisioned" | "on_demand" }', 5)
    end
  end
  if meta.stream ~= nil then
    local s = meta.stream
    local inc = type(s) == "table" and s.include
    if type(inc) ~= "table" or #inc == 0 then
      invalid(name .. ': Meta.stream must be { include = { "keys" } | { "new" } | { "old" } | { "new", "old" } }', 5)
    end
    local seen = {}
    for _, v in ipairs(inc) do
      if v ~= "keys" and v ~= "new" and v ~= "old" then
        invalid(("%s: Meta.stream.include: unknown view %q"):format(name, tostring(v)), 5)
      end
      seen[v] = true
    end
    if seen.keys and (seen.new or seen.old) then
      invalid(name .. ': Meta.stream.include: "keys" cannot be combined with "new" or "old"', 5)
    end
  end
  if meta.ttl ~= nil then
    if type(meta.ttl) ~= "table" or meta.ttl.column == nil then
      invalid(name .. ": Meta.ttl must be { column = <name or Column> }", 5)
    end
    local c = resolve_column(meta, meta.ttl.column, "Meta.ttl column")
    if backing(c) ~= "N" then
      invalid(("%s: Meta.ttl column %q must be a number column (epoch seconds: Timestamp or Integer), not %s")
        :format(name, c.name, tostring(backing(c))), 5)
    end
  end
  for _, k in ipairs{ "backups", "encryption" } do
    if meta[k] ~= nil and (type(meta[k]) ~= "table" or type(meta[k].enabled) ~= "boolean") then
      invalid(("%s: Meta.%s must be { enabled = true | false }"):format(name, k), 5)
    end
  end
  for _, k in ipairs{ "read_units", "write_units" } do
    local v = meta[k]
    if v ~= nil and (math.type(v) ~= "integer" or v < 0) then
      invalid(("%s: Meta.%s must be a non-negative integer"):format(name, k), 5)
    end
  end
end

-- Full validation of a concrete model; cached until a column or index changes.
function M.validate(cls, level)
  local meta = rawget(cls, "Meta")
  if meta._validated then return meta end
  if meta.abstract then
    invalid(("%s is abstract: it has no table"):format(meta.name), (level or 2) + 1)
  end
  local name = meta.name
  if not meta.hash_key then invalid(("%s: no hash key (declare a Column with hash_key = true)"):format(name), 4) end
  for _, c in ipairs(meta.columns) do
    if c.hash_key or c.range_key then
      local b = backing(c)
      if b and b ~= "S" and b ~= "N" and b ~= "B" then
        invalid(("%s: column %q: a key must be S, N or B (got %s)"):format(name, c.name, b), 4)
      end
    end
    if c.version then
      if c.hash_key or c.range_key then
        invalid(("%s: column %q: a version column cannot be a key"):format(name, c.name), 4)
      end
      if backing(c) ~= "N" then
        invalid(("%s: column %q: a version column must be a number (Integer)"):format(name, c.name), 4)
      end
    end
  end
  local versions = 0
  for _, c in ipairs(meta.columns) do if c.version then versions = versions + 1 end end
  if versions > 1 then invalid(name .. ": more than one version column", 4) end
  check_options(meta)
  local seen_dynamo = {}
  for _, i in ipairs(meta.indexes) do
    local what = ("index %q"):format(i.name)
    if seen_dynamo[i.dynamo_name] then
      invalid(("%s: indexes %q and %q have the same dynamo_name %q"):format(name,
        seen_dynamo[i.dynamo_name], i.name, i.dynamo_name), 4)
    end
    seen_dynamo[i.dynamo_name] = i.name
    if i.kind == "LocalSecondaryIndex" then
      if not meta.range_key then
        invalid(("%s: %s: a LocalSecondaryIndex needs a model with a range key"):format(name, what), 4)
      end
      if i.hash_key ~= nil then
        local h = resolve_column(meta, i.hash_key, what .. " hash_key")
        if h ~= meta.hash_key then
          invalid(("%s: %s: an LSI's hash key must be the table's (%q), not %q"):format(name, what,
            meta.hash_key.name, h.name), 4)
        end
      end
      i.hash_key_column = meta.hash_key
    else
      i.hash_key_column = resolve_column(meta, i.hash_key, what .. " hash_key")
    end
    i.range_key_column = i.range_key ~= nil and resolve_column(meta, i.range_key, what .. " range_key") or nil
    for _, k in ipairs{ i.hash_key_column, i.range_key_column } do
      local b = backing(k)
      if b and b ~= "S" and b ~= "N" and b ~= "B" then
        invalid(("%s: %s: key column %q must be S, N or B (got %s)"):format(name, what, k.name, b), 4)
      end
    end
    -- projected columns, in model order: bloop's `included` (digest §1.5)
    local inc = {}
    if i.projection == "all" then
      for _, c in ipairs(meta.columns) do inc[c] = true end
    else
      for _, c in ipairs(meta.keys) do inc[c] = true end
      inc[i.hash_key_column] = true
      if i.range_key_column then inc[i.range_key_column] = true end
      if type(i.projection) == "table" then
        local kinds = {}
        for _, p in ipairs(i.projection) do
          kinds[is_column(p) and "column" or type(p)] = true
          inc[resolve_column(meta, p, what .. " projection")] = true
        end
        if kinds.column and kinds.string then
          invalid(("%s: %s: projection mixes names and Columns"):format(name, what), 4)
        end
      end
    end
    local projected = {}
    for _, c in ipairs(meta.columns) do if inc[c] then projected[#projected + 1] = c end end
    i.projected = projected
    i.projected_set = inc
    i.projects_all = i.projection == "all"
    i.available = (i.kind == "LocalSecondaryIndex" and not i.strict) and meta.columns or projected
  end
  -- one rule set with C: the descriptor checks what it knows (and engines use it)
  local core = require("bloop.core")
  if core.model_new then
    local ok, handle = pcall(core.model_new, declaration(meta))
    if not ok then
      if type(handle) == "table" and handle.name then
        handle.model = cls
        error(handle, (level or 2) + 1)
      end
      error(handle, 0)
    end
    meta._cmodel = handle
  end
  meta._validated = true
  return meta
end

rawset(Model, "validate", function(cls) return M.validate(cls, 2) end)

return M
