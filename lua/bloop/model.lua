-- bloop.model: Model classes, their Meta, and instances.
--
--   local Employee = bloop.Model:extend("Employee", { table_name = "employees-uk" })
--   Employee.id = Column(UUID, { hash_key = true })          -- recorded in assignment order
--   Employee.by_level = bloop.GlobalSecondaryIndex{ projection = { "email" }, hash_key = "level" }
--   local e = Employee{ id = bloop.uuid4(), level = 3 }     -- through Column:set
--   e.email = "a@example.com"                                -- through Column:set
--   e.emial = "x"       -- raises: Employee has no column emial (did you mean "email"?)
--   local Manager = Employee:extend("Manager")               -- copies Employee's columns
--
-- A model class is a table with a shared metatable whose __newindex records Columns and
-- indexes as they are assigned; anything else assigned to the class (methods) is stored
-- as is and inherited by subclasses and instances. A column or index may not take the name
-- of Meta or of a method it would hide (new, extend, validate, a user's), and Meta cannot
-- be assigned. Meta is fresh per class (bloop never inherits Meta): table_name (default:
-- the model's name), abstract, billing, read_units, write_units, stream, ttl, backups,
-- encryption, plus the computed keys, columns, indexes
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

local core = require("bloop.core")
local table_new, object_new = core.table_new, core.object_new
local signals = require("bloop.signals")

local DATA, MARKED, COMPLETE = column_mod.DATA, column_mod.MARKED, column_mod.COMPLETE
local is_column, is_index = column_mod.is_column, index_mod.is_index

local M = {}

local ModelClass = {}     -- metatable of every model class
-- model class -> its Meta. Meta is kept here, not in the class table, so that assigning
-- `Model.Meta` reaches __newindex (a raw key would be replaced silently).
local models = setmetatable({}, { __mode = "k" })

local function invalid(msg)
  errors.raise(errors.classes.InvalidModel, msg)
end

local meta_keys = { table_name = true, abstract = true, billing = true, read_units = true,
  write_units = true, stream = true, ttl = true, backups = true, encryption = true, init = true }

local function is_model(v) return type(v) == "table" and models[v] ~= nil end
M.is_model = is_model

-- Recomputes the derived Meta fields after a column or index changed.
local function refresh(cls)
  local meta = models[cls]
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
  meta._spec = nil   -- engine.lua's column spec
  meta._new = nil    -- new_instance's plan
end

local function bind_column(cls, name, col)
  local meta = models[cls]
  if rawget(col, "model") and col.model ~= cls then col = col:copy() end
  col.name = name
  col.model = cls
  if meta.indexes_by_name and meta.indexes_by_name[name] then
    invalid(("%s: %q is already an index"):format(meta.name, name))
  end
  -- the C column rules (model.h bloop_model_check_columns), on the columns as they will
  -- be once this one is in: a second hash key or a reused dynamo_name fails right here
  local cols = {}
  for _, other in ipairs(meta.columns) do
    if other.name ~= name then cols[#cols + 1] = M.column_decl(other) end
  end
  cols[#cols + 1] = M.column_decl(col)
  local ok, err = pcall(core.model_check_columns, { name = meta.name, columns = cols })
  if not ok then
    if type(err) == "table" then err.model = cls end
    errors.rethrow(err)
  end
  local replaced = false
  for i, other in ipairs(meta.columns) do
    if other.name == name then meta.columns[i] = col; replaced = true end
  end
  if not replaced then meta.columns[#meta.columns + 1] = col end
  refresh(cls)
end

local function bind_index(cls, name, idx)
  local meta = models[cls]
  if rawget(idx, "model") and idx.model ~= cls then idx = idx:copy() end
  if meta.columns_by_name[name] then
    invalid(("%s: %q is already a column"):format(meta.name, name))
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

-- A column or index name: a string that hides nothing the class has: Meta, or a method or
-- field of the class or a parent (new, extend, validate, a user's method), which the column
-- would shadow (User.new{...} would call the column). what: "a column" or "an index".
local function check_name(cls, key, what)
  if type(key) ~= "string" then invalid(what .. " name must be a string") end
  local owner = key == "Meta" and cls or nil
  local c = cls
  while owner == nil and c ~= nil do
    if rawget(c, key) ~= nil then owner = c end
    c = rawget(c, "__parent")
  end
  if owner ~= nil then
    invalid(("%s: %s named %q would hide %s.%s; choose another name (dynamo_name = %q keeps "
      .. "the attribute's name)"):format(models[cls].name, what, key, models[owner].name, key, key))
  end
end

ModelClass.__newindex = function(cls, key, value)
  if is_column(value) then
    check_name(cls, key, "a column")
    bind_column(cls, key, value)
  elseif is_index(value) then
    check_name(cls, key, "an index")
    bind_index(cls, key, value)
  elseif key == "Meta" then
    invalid(models[cls].name .. ": Meta is given to extend(name, meta), not assigned")
  else
    local meta = models[cls]
    if meta.columns_by_name[key] or meta.indexes_by_name[key] then
      invalid(("%s.%s is a %s; assign a Column or an index to replace it"):format(meta.name,
        tostring(key), meta.columns_by_name[key] and "column" or "index"))
    end
    rawset(cls, key, value)
  end
end

ModelClass.__index = function(cls, key)
  local meta = models[cls]
  if key == "Meta" then return meta end
  local c = meta.columns_by_name[key] or meta.indexes_by_name[key]
  if c then return c end
  local parent = rawget(cls, "__parent")
  if parent then return parent[key] end
  return nil
end

local Model   -- the base model (made below)

-- Model{...}: Model:new, unless a model redefines new (looked up through __index then)
ModelClass.__call = function(cls, fields)
  local new = rawget(cls, "new")
  if new == nil and rawget(cls, "__parent") == Model then new = rawget(Model, "new") end
  if new == nil then new = cls.new end
  return new(cls, fields)
end

ModelClass.__tostring = function(cls) return "<Model " .. models[cls].name .. ">" end
ModelClass.__name = "bloop.ModelClass"

-- ---- instances ------------------------------------------------------------------------

-- Raises: key names no column of the model (a misspelling never passes silently).
local function no_column(meta, key)
  errors.argerror(nil, ("%s has no column %s%s"):format(meta.name, tostring(key),
    errors.suggest(key, meta.columns_by_name)))
end

local function format_value(v)
  if type(v) == "string" then return ("%q"):format(v) end
  return tostring(v)
end

local function instance_mt(cls)
  local meta = models[cls]
  local mt = {}
  mt.__name = meta.name
  mt.__index = function(obj, key)
    local c = meta.columns_by_name[key]
    if c then return c:get(obj) end
    if key == "Meta" then return meta end
    if meta.indexes_by_name[key] then
      errors.argerror(nil, ("%s.%s is an index; instances have no index attributes")
        :format(meta.name, key))
    end
    return cls[key]
  end
  mt.__newindex = function(obj, key, value)
    local c = meta.columns_by_name[key]
    if c then return c:set(obj, value) end
    if key == "Meta" or meta.indexes_by_name[key] then
      errors.argerror(nil, ("cannot assign %s on a %s instance"):format(tostring(key), meta.name))
    end
    no_column(meta, key)
  end
  -- pairs(obj): (column name, value) for each column with a value, in declaration order;
  -- the object's internal slots never show. See M.items.
  mt.__pairs = function(obj)
    local columns, i = meta.columns, 0
    return function()
      while true do
        i = i + 1
        local c = columns[i]
        if c == nil then return nil end
        local v = c:get(obj)
        if v ~= nil then return c.name, v end
      end
    end, obj, nil
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

-- Column's own set and store, as this module found them: a column whose class is Column
-- and that overrides neither on itself is assigned by storing directly while they are
-- still Column's (see new_instance).
local Column = column_mod.Column
local column_set, column_store, column_default = Column.set, Column.store, Column.default_value
local Action = require("bloop.actions").Action
local modified_receivers = signals.object_modified.receivers

-- For each column of meta (in order): its name, its default (a value, a function, or nil)
-- and whether Column:set on it is the plain store-and-mark (no subclass, no override on
-- the column). Made once per column set: refresh clears meta._new.
local function new_plan(meta)
  local plan = meta._new
  if plan and plan.columns == meta.columns then return plan end
  -- fast: every column is plain in both senses, so C (lobject.c) follows the fields given
  -- and the columns with a default (defaults: their entries), not every column. A default's
  -- value is read from the column at each new object; which columns have one is read here,
  -- with the rest of the plan (p[5]), and the Lua loop of new_instance follows the same.
  plan = { columns = meta.columns, by_name = meta.columns_by_name, fast = true, defaults = {} }
  for i, c in ipairs(meta.columns) do
    local plain = getmetatable(c) == Column
    -- 4: the default is Column:default_value's (read here from c.default, no method call)
    local p = { c, c.name, plain and rawget(c, "set") == nil and rawget(c, "store") == nil,
      plain and rawget(c, "default_value") == nil }
    plan[i] = p
    if not (p[3] and p[4]) then plan.fast = false end
    if rawget(c, "default") ~= nil then
      p[5] = true   -- has a default: the C path and the loop below follow the same columns
      plan.defaults[#plan.defaults + 1] = p
    end
  end
  meta._new = plan
  return plan
end

-- Model:new(fields): a new instance; each column takes fields[name] or its default through
-- Column:set. A name that is not a column raises (a misspelling never passes silently).
-- Where Column:set would only store the value and mark the column (a plain column, no
-- update action, no object_modified receiver), it is done here: the same effect without
-- two method calls per column (construction is a large share of a save).
local function new_instance(cls, fields)
  local meta = models[cls]
  if fields ~= nil and type(fields) ~= "table" then
    errors.argerror(1, ("%s{...}: fields must be a table"):format(meta.name))
  end
  local plan = meta._new
  if not plan or plan.columns ~= meta.columns then plan = new_plan(meta) end
  local init = meta.init
  local plain_ok = Column.set == column_set and Column.store == column_store
  local own_default = Column.default_value == column_default
  -- the usual object (the default init, plain columns and values): made whole in C
  -- (src/lua/lobject.c), which answers nil, having changed nothing, for anything else
  if init == meta._sized_init and plain_ok and own_default and #modified_receivers == 0 then
    local obj = object_new(meta._layout, plan, fields, DATA, Action)
    if obj then return obj end
  end
  fields = fields or {}
  local by_name = meta.columns_by_name
  for k in pairs(fields) do
    if not by_name[k] then no_column(meta, k) end
  end
  local obj
  if init == meta._sized_init then obj = init(#plan, #plan) else obj = init() end
  local data, marked = rawget(obj, DATA), rawget(obj, MARKED)
  for i = 1, #plan do
    local p = plan[i]
    local c, name = p[1], p[2]
    local v = fields[name]
    if v == nil then
      if p[4] and own_default then
        if p[5] then v = rawget(c, "default") end
        if type(v) == "function" then v = v() end
      else
        v = c:default_value()
      end
    end
    if v ~= nil then
      if p[3] and plain_ok and data and #modified_receivers == 0
          and not (type(v) == "table" and getmetatable(v) == Action) then
        data[name] = v
        if marked then marked[name] = true end
      else
        c:set(obj, v)
        data, marked = rawget(obj, DATA), rawget(obj, MARKED)
      end
    end
  end
  return obj
end

-- M.items(obj) (bloop.items): for name, value in bloop.items(obj): the columns of a model
-- object that have a value, in declaration order, as pairs(obj) gives them. A function of
-- the module, not a method: every name on an object may be a column's (`items` too).
function M.items(obj)
  local cls = M.model_of(obj)
  if cls == nil then
    errors.argerror(1, ("bloop.items(obj): obj must be a model object, got %s"):format(
      type(obj)))
  end
  return getmetatable(obj).__pairs(obj)
end

-- model_of(obj): the model class obj is an instance of, or nil (also for a model class).
function M.model_of(obj)
  local mt = getmetatable(obj)
  return mt and mt.__model
end

-- ---- classes --------------------------------------------------------------------------

local function make_model(name, parent, meta_in)
  if type(name) ~= "string" or name == "" then
    errors.argerror(1, "Model:extend(name, meta): a model name is required")
  end
  meta_in = meta_in or {}
  if type(meta_in) ~= "table" then
    errors.argerror(2, "Model:extend(name, meta): meta must be a table")
  end
  for k in pairs(meta_in) do
    if not meta_keys[k] then invalid(("%s: unknown Meta option %q"):format(name, tostring(k))) end
  end
  local meta = {}
  for k, v in pairs(meta_in) do meta[k] = v end
  meta.name = name
  meta.table_name = meta_in.table_name or name
  meta.abstract = meta_in.abstract and true or false
  meta.columns, meta.indexes = {}, {}
  local cls = { __parent = parent, __subclasses = {} }
  meta.model = cls
  models[cls] = meta
  if parent then
    local subs = rawget(parent, "__subclasses")
    subs[#subs + 1] = cls
  end
  setmetatable(cls, ModelClass)
  refresh(cls)
  local imt = instance_mt(cls)
  imt.__model = cls
  if not meta_in.init then
    -- n, m (new_instance's, which fills both at once; a search's, which fills the data):
    -- room for that many columns in the column data and the marks. COMPLETE has its slot
    -- from the start: marking a loaded object then grows no table.
    meta.init = function(n, m)
      return setmetatable({ [DATA] = n and table_new(0, n) or {},
        [MARKED] = m and table_new(0, m) or {}, [COMPLETE] = false }, imt)
    end
    meta._sized_init = meta.init
    -- what that init makes, for C to make it itself (a search's objects: lengine.c
    -- le_new_object): the instance metatable and the keys beside DATA
    meta._layout = { imt, MARKED, COMPLETE }
  end
  -- copy the parent's columns and indexes (a local definition assigned later overrides)
  if parent and models[parent] then
    for _, c in ipairs(parent.Meta.columns) do bind_column(cls, c.name, c:copy()) end
    for _, i in ipairs(parent.Meta.indexes) do bind_index(cls, i.name, i:copy()) end
  end
  if parent then signals.model_created:send{ model = cls } end   -- as bloop's metaclass does
  return cls
end

-- M.walk(cls): cls and every model extended from it (depth first, declaration order), so
-- engine:bind(Base) binds each concrete model of a hierarchy, as bloop's bind does.
function M.walk(cls)
  local out = {}
  local function visit(c)
    out[#out + 1] = c
    for _, sub in ipairs(rawget(c, "__subclasses") or {}) do visit(sub) end
  end
  visit(cls)
  return out
end

-- The root model: abstract, no columns.
Model = make_model("Model", nil, { abstract = true })
rawset(Model, "extend", function(parent, name, meta)
  return make_model(name, parent, meta)
end)
rawset(Model, "new", new_instance)
M.Model = Model

-- ---- validation -----------------------------------------------------------------------
-- The declaration rules live in one place, the C model descriptor (include/bloop/model.h):
-- this layer only flattens a model into the declaration it takes (names, backing types,
-- key roles) and checks what only Lua can get wrong (the shape of Meta options, a reference
-- that is neither a name nor a Column). Derived facts (which columns an index holds) are
-- read back from the descriptor.

local function backing(c)
  local t = c.typedef
  local b = t and t.backing_type
  if type(b) == "function" then b = b(t) end
  return b
end

-- One column as the C declaration takes it.
function M.column_decl(c)
  return { name = c.name, dynamo_name = c.dynamo_name, type = backing(c),
    key = c.hash_key and "hash" or (c.range_key and "range" or nil), version = c.version or nil }
end

-- A column reference (name, or a Column: of this model or, in the shared-table pattern, of
-- another model with a column of that name) as a name; the C descriptor says whether it is
-- a column of this model.
local function ref_name(meta, ref, what)
  if ref == nil then return nil end
  if is_column(ref) and type(rawget(ref, "name")) == "string" then return ref.name end
  if type(ref) ~= "string" then
    invalid(("%s: %s must be a column name or a Column of a model"):format(meta.name, what))
  end
  return ref
end

-- Builds the flat declaration the C model descriptor takes.
local function declaration(meta)
  local decl = { name = meta.name, columns = {}, indexes = {}, meta = {} }
  for _, c in ipairs(meta.columns) do decl.columns[#decl.columns + 1] = M.column_decl(c) end
  for _, i in ipairs(meta.indexes) do
    local what = ("index %q"):format(i.name)
    local inc
    if type(i.projection) == "table" then
      inc = {}
      for _, p in ipairs(i.projection) do inc[#inc + 1] = ref_name(meta, p, what .. " projection") end
    end
    decl.indexes[#decl.indexes + 1] = { kind = i.kind == "LocalSecondaryIndex" and "lsi" or "gsi",
      name = i.name, dynamo_name = i.dynamo_name,
      hash_key = ref_name(meta, i.hash_key, what .. " hash_key"),
      range_key = ref_name(meta, i.range_key, what .. " range_key"),
      projection = type(i.projection) == "string" and i.projection or "include",
      include = inc, read_units = i.read_units, write_units = i.write_units }
  end
  local m = decl.meta
  m.table_name = meta.table_name
  m.billing = meta.billing and meta.billing.mode or nil
  m.read_units, m.write_units = meta.read_units, meta.write_units
  if meta.stream then m.stream = meta.stream.include end
  if meta.ttl then m.ttl_column = ref_name(meta, meta.ttl.column, "Meta.ttl column") end
  if meta.backups then m.backups = meta.backups.enabled and true or false end
  if meta.encryption then m.encryption = meta.encryption.enabled and true or false end
  return decl
end
M.declaration = declaration

-- The shapes of the Meta options (the C declaration takes them as enums and flags, so
-- these are the Lua spellings; what they mean is checked in C).
local function check_options(meta)
  local name = meta.name
  if meta.billing ~= nil then
    local b = meta.billing
    if type(b) ~= "table" or (b.mode ~= "provisioned" and b.mode ~= "on_demand") then
      invalid(name .. ': Meta.billing must be { mode = "provisioned" | "on_demand" }')
    end
  end
  if meta.stream ~= nil then
    local s = meta.stream
    local inc = type(s) == "table" and s.include
    if type(inc) ~= "table" or #inc == 0 then
      invalid(name .. ': Meta.stream must be { include = { "keys" } | { "new" } | { "old" } | { "new", "old" } }')
    end
    local seen = {}
    for _, v in ipairs(inc) do
      if v ~= "keys" and v ~= "new" and v ~= "old" then
        invalid(("%s: Meta.stream.include: unknown view %q"):format(name, tostring(v)))
      end
      seen[v] = true
    end
    if seen.keys and (seen.new or seen.old) then
      invalid(name .. ': Meta.stream.include: "keys" cannot be combined with "new" or "old"')
    end
  end
  if meta.ttl ~= nil and (type(meta.ttl) ~= "table" or meta.ttl.column == nil) then
    invalid(name .. ": Meta.ttl must be { column = <name or Column> }")
  end
  for _, k in ipairs{ "backups", "encryption" } do
    if meta[k] ~= nil and (type(meta[k]) ~= "table" or type(meta[k].enabled) ~= "boolean") then
      invalid(("%s: Meta.%s must be { enabled = true | false }"):format(name, k))
    end
  end
  for _, k in ipairs{ "read_units", "write_units" } do
    if meta[k] ~= nil and math.type(meta[k]) ~= "integer" then
      invalid(("%s: Meta.%s must be an integer"):format(name, k))
    end
  end
end

-- Full validation of a concrete model; cached until a column or index changes.
function M.validate(cls)
  local meta = models[cls]
  if meta._validated then return meta end
  if meta.abstract then
    invalid(("%s is abstract: it has no table"):format(meta.name))
  end
  check_options(meta)
  local ok, handle = pcall(core.model_new, declaration(meta))
  if not ok then
    if type(handle) == "table" and handle.name then
      handle.model = cls
      errors.rethrow(handle)
    end
    error(handle, 0)
  end
  -- derived facts, read back from the descriptor
  local by_name = meta.columns_by_name
  for _, i in ipairs(meta.indexes) do
    if i.kind == "LocalSecondaryIndex" then
      i.hash_key_column = meta.hash_key
    else
      i.hash_key_column = by_name[ref_name(meta, i.hash_key, "")]
    end
    i.range_key_column = i.range_key ~= nil and by_name[ref_name(meta, i.range_key, "")] or nil
    local projected, inc = {}, {}
    for k, cname in ipairs(handle:projected(i.name)) do
      projected[k] = by_name[cname]
      inc[by_name[cname]] = true
    end
    i.projected = projected
    i.projected_set = inc
    i.projects_all = i.projection == "all"
    i.available = (i.kind == "LocalSecondaryIndex" and not i.strict) and meta.columns or projected
  end
  meta._cmodel = handle
  meta._validated = true
  return meta
end

rawset(Model, "validate", M.validate)

return M
