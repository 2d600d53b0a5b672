-- bloop.engine: Engine, the object that maps models onto DynamoDB tables.
--
--   local engine = bloop.Engine{ dynamodb = client, dynamodbstreams = streams }
--   engine:bind(Employee)                       -- create or verify the table
--   engine:save(e, { condition = ..., atomic = true, sync = "new" })
--   engine:load(e1, e2, { consistent = true })  -- raises MissingObjects
--   engine:delete(e, { condition = ... })
--   for e in engine:query(Employee.by_level, { key = Employee.level:eq(3) }):iter() do ... end
--
-- Every request is built, sent and checked by the C engine (include/bloop/engine.h through
-- src/lua/lengine.c): this module turns objects into wire items and back (through the
-- column types), keeps change tracking, sends signals and raises errors that carry the
-- object. The engine reaches DynamoDB only through engine.session.dynamodb_client /
-- dynamodbstreams_client, plain fields a user may replace or wrap (bloop.wrap_client): an
-- operation the wrapper overrides runs in Lua, every other one on the native client.
-- Change tracking is per engine: `synced` (weak-keyed) holds, for each object this engine
-- loaded, saved or deleted, what the row held then, in one of two forms. Usually a snapshot:
-- the object's columns as DynamoDB JSON text, a Lua string made in C by a load, a query or
-- scan item, or the dump of a save (src/lua/ltypes.h). Where the Lua layer needs the columns
-- one by one (the attributes a `sync` asked for, a new version number, a delete, a Column
-- class with its own `get`) it is a table, column name -> wire value (false: known absent);
-- synced_state turns a snapshot into one on first need. The C engine gets either as
-- `previous` (a snapshot as it is, a table as a wire item), so a save sends only what
-- differs (in-place changes to nested tables included: the object is dumped again and
-- compared) and `atomic` can require that the row still holds exactly that.
-- An object built from a whole item (column.COMPLETE: a load, a search over every column, a
-- sync, a stream image) that is saved through an engine that never synced it is written
-- whole: every column it holds is SET and every other one REMOVEd (write_args), so a
-- replica converges.
local core = require("bloop.core")
local errors = require("bloop.errors")
local signals = require("bloop.signals")
local model_mod = require("bloop.model")
local column_mod = require("bloop.column")
local index_mod = require("bloop.index")
local client_mod = require("bloop.client")
local values = require("bloop.values")
local actions_mod = require("bloop.actions")

local E = errors.classes
local MARKED, DATA, COMPLETE = column_mod.MARKED, column_mod.DATA, column_mod.COMPLETE
local ACTIONS = column_mod.ACTIONS
local Column = column_mod.Column
local model_of, is_model, is_index = model_mod.model_of, model_mod.is_model, index_mod.is_index

local M = {}

local Engine = {}
Engine.__index = Engine
Engine.__name = "bloop.Engine"
M.Engine = Engine

-- ---- helpers --------------------------------------------------------------------------

-- Adds what the C error cannot know: the object, the model, the operation.
local function augment(err, model, op, obj)
  if type(err) ~= "table" then return err end
  if obj ~= nil and err.obj == nil then err.obj = obj end
  if err.model == nil then err.model = model end
  if err.operation == nil then err.operation = op end
  return err
end

local function fail(cls, op, model, message, fields)
  local where = model and model.Meta.name or "bloop"
  fields = fields or {}
  fields.model = model
  fields.operation = op
  errors.raise(cls, ("%s %s: %s"):format(where, op, message), fields)
end

-- Runs a C engine call (at most two results); re-raises its error with obj/model/operation
-- attached.
local function run(model, op, obj, fn, ...)
  local ok, r1, r2 = pcall(fn, ...)
  if ok then return r1, r2 end
  errors.rethrow(augment(r1, model, op, obj))
end

-- Splits `a, b, c, opts`: objects are model instances (at least one); a trailing plain
-- table is opts.
-- kind, op name the method in messages ("engine", "save": "engine:save: ..."); the
-- transaction methods split their arguments here too.
local function split_args(kind, op, ...)
  -- packed once: select(i, ...) in the loop copies the varargs each time, which made a
  -- batch of 20,000 objects spend 140k instructions an object here
  local args = table.pack(...)
  local n = args.n
  local objs, opts = {}, nil
  for i = 1, n do
    local v = args[i]
    if model_of(v) then
      objs[#objs + 1] = v
    elseif is_model(v) then
      errors.argerror(i, ("%s:%s: expected model instances, got the model class %s "
        .. "(make an instance: %s{...})"):format(kind, op, v.Meta.name, v.Meta.name))
    elseif i == n and (type(v) == "table" or v == nil) then
      opts = v
    else
      errors.argerror(i, ("%s:%s: argument %d is not a model instance (got %s)")
        :format(kind, op, i, type(v)))
    end
  end
  if #objs == 0 then
    errors.argerror(1, ("%s:%s: at least one model instance is required (got %s)")
      :format(kind, op, n == 0 and "none" or "only an options table"))
  end
  return objs, opts or {}
end

local function check_opts(op, opts, known)
  for k in pairs(opts) do
    if not known[k] then
      errors.argerror(nil, ("engine:%s: unknown option %q"):format(op, tostring(k)))
    end
  end
end

-- opts[name] (a condition, a key or a filter): nil or a bloop.Condition; returned.
-- A model may use its own columns in a condition and those it inherits; another model's
-- column would render as an attribute of that name on this model's table.
local function inherits(model, from)
  local m = model
  while m do
    if m == from then return true end
    m = rawget(m, "__parent")
  end
  return false
end

local function check_condition(op, name, value, model)
  if value ~= nil and not core.is_condition(value) then
    errors.argerror(nil, ("engine:%s: %s must be a bloop.Condition (got %s)")
      :format(op, name, type(value)))
  end
  if value ~= nil and model then
    for _, m in ipairs(core.condition_models(value)) do
      if not inherits(model, m) then
        errors.raise(E.InvalidCondition, ("%s %s: the %s names a column of %s, not of %s")
          :format(model.Meta.name, op, name, m.Meta and m.Meta.name or tostring(m),
            model.Meta.name), { model = model })
      end
    end
  end
  return value
end

-- The options each operation takes (made once: save and load run per object).
local WRITE_OPTS = { condition = true, atomic = true, sync = true, capacity = true }
local LOAD_OPTS = { consistent = true, capacity = true }
local BATCH_OPTS = { capacity = true }
local NO_OPTS = {}

-- opts.capacity: runs fn with the engine's requests asking for ConsumedCapacity and returns
-- { consumed = units } (src/engine/engine.c bloop_engine_meter); otherwise runs fn, nil.
-- An error fn raises carries what the requests answered so far consumed (err.consumed).
local function with_capacity(self, opts, fn)
  if not opts.capacity then return fn() end
  local native = self.native
  native:meter(true)
  local ok, err = pcall(fn)
  local consumed = native:metered()
  native:meter(false)
  if not ok then
    if type(err) == "table" then err.consumed = consumed end
    errors.rethrow(err)
  end
  return { consumed = consumed }
end

-- ---- construction ---------------------------------------------------------------------

local engine_opts = { dynamodb = true, dynamodbstreams = true, region = true, endpoint = true,
  credentials = true, profile = true, max_attempts = true, timeout = true,
  max_answer_bytes = true, table_name_template = true, batch = true, cursor_key = true }

-- Engine{ batch = {...} }: the batch executor's bounds for load, batch_save and
-- batch_delete (include/bloop/batch.h; defaults: 4 chunks in flight, backoff base 50 ms,
-- cap 5000 ms, 8 resends, no deadline).
local batch_opts = { concurrency = 1, base_delay_ms = 0, max_delay_ms = 0, max_rounds = 0,
  deadline_ms = 0 }
local function check_batch(b)
  if type(b) ~= "table" then errors.argerror(nil, "bloop.Engine: batch must be a table") end
  for k, v in pairs(b) do
    local least = batch_opts[k]
    if least == nil then
      errors.argerror(nil, ("bloop.Engine: unknown batch option %q"):format(tostring(k)))
    end
    if math.type(v) ~= "integer" or v < least then
      errors.argerror(nil, ("bloop.Engine: batch.%s must be an integer >= %d"):format(k, least))
    end
  end
end

-- Engine{ dynamodb = c }: c is nil, a native bloop.Client, or a table of its methods
-- (bloop.wrap_client's, a user's own).
local function check_client(name, c)
  if c ~= nil and type(c) ~= "table" and values.typename(c) ~= "bloop.Client" then
    errors.argerror(nil, ("bloop.Engine: %s must be a bloop.client or a table of its methods "
      .. "(got %s)"):format(name, values.typename(c)))
  end
end

function M.new(opts)
  opts = opts or {}
  if type(opts) ~= "table" then errors.argerror(1, "bloop.Engine{...}: options must be a table") end
  for k in pairs(opts) do
    if not engine_opts[k] then
      errors.argerror(nil, ("bloop.Engine: unknown option %q"):format(tostring(k)))
    end
  end
  check_client("dynamodb", opts.dynamodb)
  check_client("dynamodbstreams", opts.dynamodbstreams)
  if opts.cursor_key ~= nil and (type(opts.cursor_key) ~= "string" or opts.cursor_key == "") then
    errors.argerror(nil, "bloop.Engine: cursor_key must be a non-empty string")
  end
  if opts.batch ~= nil then check_batch(opts.batch) end
  local template = opts.table_name_template or "{table_name}"
  if type(template) == "string" then
    if not template:find("{table_name}", 1, true) then
      errors.argerror(nil, "bloop.Engine: table_name_template must contain {table_name}")
    end
  elseif type(template) ~= "function" then
    errors.argerror(nil, "bloop.Engine: table_name_template must be a string or a function")
  end
  -- Credentials go into C when a client is built, and nothing reachable from the engine
  -- keeps them (the debug library included): given credentials, the streams client is
  -- built now; without, it is built on first use from options that hold no secret.
  local client_opts = { region = opts.region, endpoint = opts.endpoint,
    credentials = opts.credentials, profile = opts.profile, max_attempts = opts.max_attempts,
    timeout = opts.timeout, max_answer_bytes = opts.max_answer_bytes }
  local session = { dynamodb_client = opts.dynamodb }
  if not session.dynamodb_client then
    session.dynamodb_client = client_mod.new("dynamodb", client_opts)
  end
  local streams = opts.dynamodbstreams
  if streams == nil and client_opts.credentials ~= nil then
    streams = client_mod.new("dynamodbstreams", client_opts)
  end
  client_opts.credentials = nil
  setmetatable(session, { __index = function(s, k)
    -- the streams client is made on first use: most programs never read a stream
    if k == "dynamodbstreams_client" and streams == nil then
      streams = client_mod.new("dynamodbstreams", client_opts)
      rawset(s, k, streams)
      return streams
    end
    return nil
  end })
  if streams ~= nil then rawset(session, "dynamodbstreams_client", streams) end
  local self = setmetatable({
    session = session,
    table_name_template = template,
    -- obj -> { [column name] = wire or false }, or a snapshot string (see synced_state)
    synced = setmetatable({}, { __mode = "k" }),
    cmodels = setmetatable({}, { __mode = "k" }),  -- model -> C model under this engine's name
    context = nil,
  }, Engine)
  self.context = { engine = self }
  self.native = core.engine_new(session, { batch = opts.batch })
  -- the key goes into C memory that no method reads back (a "bloop.CursorKey")
  if opts.cursor_key then self.cursor_signer = core.cursor_key(opts.cursor_key) end
  return self
end

function Engine:__tostring() return "bloop.Engine" end

function Engine:table_name(model)
  local t = self.table_name_template
  if type(t) == "function" then return t(model) end
  return (t:gsub("{table_name}", function() return model.Meta.table_name end))
end

-- The validated model and its C descriptor for this engine (the table name is the
-- engine's: a template makes a descriptor of its own). n: model's argument position, for
-- the message when it is not a model.
local function concrete(self, model, op, n)
  -- what an earlier call found, while the model is unchanged (a refresh clears _validated
  -- and _cmodel): the same answer as the checks below, without them (every save and load
  -- of an object comes here)
  local cm = self.cmodels[model]
  if cm then
    local meta = cm.meta
    if meta._validated and cm.validated == meta._cmodel and not meta.abstract then
      return meta, cm.handle
    end
  end
  if not is_model(model) then errors.argerror(n, ("engine:%s: a model is required"):format(op)) end
  if model.Meta.abstract then
    fail(E.InvalidModel, op, model, "the model is abstract: it has no table")
  end
  local meta = model_mod.validate(model)
  if cm and cm.meta == meta and cm.validated == meta._cmodel then return meta, cm.handle end
  local name = self:table_name(model)
  local handle = meta._cmodel
  if name ~= meta.table_name then
    local decl = model_mod.declaration(meta)
    decl.meta.table_name = name
    handle = core.model_new(decl)
  end
  self.cmodels[model] = { meta = meta, validated = meta._cmodel, handle = handle }
  return meta, handle
end

-- ---- objects <-> wire items -----------------------------------------------------------

-- A column spec (src/lua/ltypes.h): { {name, dynamo name, type, label}, ... } over columns,
-- which C walks to load or dump a whole object in one call. `load` / `dump`: the columns'
-- Column class stores / reads as Column does (no override of store / get), so C may read
-- and write the object's DATA table itself; otherwise the Lua layer goes through the
-- column's methods. `labels`: column -> "Model.column" for messages (tostring once).
local function build_spec(columns)
  local spec = { load = true, dump = true, labels = {}, columns = columns }
  for i, c in ipairs(columns) do
    local label = tostring(c)
    spec[i] = { c.name, c.dynamo_name, c.typedef, label }
    spec.labels[c] = label
    if c.store ~= Column.store then spec.load = false end
    if c.get ~= Column.get then spec.dump = false end
  end
  return spec
end

-- The spec of every column of a model (rebuilt when a column changes: model.lua's refresh
-- clears meta._spec).
local function spec_of(model, meta)
  meta = meta or model.Meta
  local spec = meta._spec
  if spec == nil or spec.columns ~= meta.columns or #spec ~= #meta.columns then
    spec = build_spec(meta.columns)
    meta._spec = spec
  end
  return spec
end

local function label_of(model, col)
  return spec_of(model).labels[col] or tostring(col)
end

local function dump_column(self, col, value, label)
  return core.type_dump(col.typedef, value, self.context, label or tostring(col))
end

-- After C filled the object's DATA (when spec.load) from an item and made its snapshot:
-- stores through the columns when their class stores on its own, records the snapshot as
-- synced. An object whose spec covers every column of its model (not an index's or a
-- projection's subset) holds the whole item: it is marked COMPLETE.
local function loaded(self, obj, spec, snapshot)
  if not spec.load then
    local state = core.snapshot_state(snapshot, spec)
    for i, c in ipairs(spec.columns) do
      local w = state[c.name]
      c:store(obj, core.type_load(c.typedef, w or nil, self.context, spec[i][4]))
    end
  end
  self.synced[obj] = snapshot
  -- the marks are cleared where they are: a load then makes no table (assigning nil to a
  -- field while next walks the table is allowed)
  local marked = rawget(obj, MARKED)
  if marked then
    for k in next, marked do marked[k] = nil end
  end
  local whole = spec.whole   -- the same for every object a search loads: found once
  if whole == nil then
    whole = #spec.columns == #model_of(obj).Meta.columns
    spec.whole = whole
  end
  if whole then rawset(obj, COMPLETE, true) end
end

-- What this engine last synced for obj as per-column state (column name -> wire or false),
-- or nil. A snapshot string (src/lua/ltypes.h) left by a load or query is turned into a
-- table here, the first time the Lua layer needs one.
local function synced_state(self, obj, model)
  local s = self.synced[obj]
  if type(s) == "string" then
    s = core.snapshot_state(s, spec_of(model))
    self.synced[obj] = s
  end
  return s
end

-- A state (column name -> wire or false) as an item {M = {dynamo name = wire}}.
local function item_of(model, state, keys_only)
  local m = {}
  local by_name = model.Meta.columns_by_name
  for name, w in pairs(state) do
    local c = by_name[name]
    if w and c and (not keys_only or c.hash_key or c.range_key) then m[c.dynamo_name] = w end
  end
  return { M = m }
end

-- What obj holds now, for a write: `now` (a snapshot string when the columns read as
-- Column does, so C dumps them in one call; else a state table) and `absent`, the set of
-- column names with no value (nil when none).
-- skip: the columns holding an update action (nil when none): left out of `now` entirely,
-- neither present nor absent, as the row's value after the write is DynamoDB's to compute.
local function dump_now(self, obj, model, skip, meta)
  local spec = spec_of(model, meta)
  if spec.dump and not skip then return core.dump_item(spec, rawget(obj, DATA), self.context) end
  local now, absent = {}, nil
  for i, c in ipairs(spec.columns) do
    local w = not (skip and skip[c.name]) and dump_column(self, c, c:get(obj), spec[i][4])
    if w == false then -- an action column: not in now
    elseif w == nil then
      now[c.name] = false
      absent = absent or {}
      absent[c.name] = true
    else
      now[c.name] = w
    end
  end
  return now, absent
end

-- A write's item from `now`: a snapshot goes to C as it is (lengine.c reads item JSON);
-- a state table becomes a wire item, keys only for deletes.
local function item_now(model, now, keys_only)
  if type(now) == "string" then return now end
  return item_of(model, now, keys_only)
end

-- Fills obj from a wire item over every column, so it holds the whole item (COMPLETE). No
-- user set hooks run.
local function unpack(self, obj, model, item)
  local attrs = item and item.M or {}
  local state = synced_state(self, obj, model) or {}
  local labels = spec_of(model).labels
  for _, c in ipairs(model.Meta.columns) do
    local w = attrs[c.dynamo_name]
    c:store(obj, core.type_load(c.typedef, w, self.context, labels[c] or tostring(c)))
    if w == nil then state[c.name] = false else state[c.name] = w end
  end
  self.synced[obj] = state
  if rawget(obj, MARKED) then obj[MARKED] = {} end
  rawset(obj, COMPLETE, true)
end

-- Columns whose wire form differs from what this engine last synced although their value is
-- the same in the type's own terms: a type that normalises (a Map drops fields it does not
-- declare, an empty DynamicList reads as {} and dumps as an empty map, a dynamo_load that
-- rounds) would otherwise rewrite data the user never touched. Such a column keeps what was
-- synced, so a save does not send it and `atomic` still names what the row holds. A column
-- the user cleared (assigned nil) is not kept. Returns now (a state table when a column was
-- kept) and absent.
local function keep_unchanged(self, obj, model, now, absent)
  local synced = self.synced[obj]
  if synced == nil or rawequal(now, synced) then return now, absent end
  local spec = spec_of(model)
  local names = core.snapshot_diff(spec, item_now(model, now),
    type(synced) == "table" and item_of(model, synced) or synced)
  if not names then return now, absent end
  local by_name, marked = model.Meta.columns_by_name, rawget(obj, MARKED)
  for _, name in ipairs(names) do
    local before = synced_state(self, obj, model)[name]
    local cleared = absent and absent[name] and marked and marked[name]
    local c = by_name[name]
    if before and not cleared and values.equal(
        core.type_load(c.typedef, before, self.context, label_of(model, c)), c:get(obj)) then
      if type(now) == "string" then now = core.snapshot_state(now, spec) end
      now[name] = before
      if absent then absent[name] = nil end
    end
  end
  return now, absent
end

local function check_keys(model, absent, op)
  if not absent then return end
  for _, k in ipairs(model.Meta.keys) do
    if absent[k.name] then
      fail(E.InvalidRequest, op, model, ("key column %s has no value"):format(tostring(k)))
    end
  end
end

-- ---- bind -------------------------------------------------------------------------------

-- engine:bind(Model, { skip_table_setup = false }): creates the table when missing (with its
-- indexes, stream, SSE; then TTL and continuous backups), waits until it is ACTIVE, and
-- verifies it; a mismatch raises TableMismatch with `differences`. Once per model and
-- engine. As in bloop, binding a model binds every concrete model extended from it too, so
-- an abstract base binds its hierarchy (and one with no concrete model is an error).
local function bind_one(self, model, opts)
  local _, handle = concrete(self, model, "bind")
  signals.before_create_table:send{ engine = self, model = model }
  local report = run(model, "bind", nil, self.native.bind, self.native, handle,
    { skip_table_setup = opts.skip_table_setup })
  if not opts.skip_table_setup and not report.already_bound then
    signals.model_validated:send{ engine = self, model = model }
  end
  if report.stream_arn then
    self.stream_arns = self.stream_arns or {}
    self.stream_arns[model] = report.stream_arn
  end
  signals.model_bound:send{ engine = self, model = model }
end

function Engine:bind(model, opts)
  opts = opts or {}
  check_opts("bind", opts, { skip_table_setup = true })
  if not is_model(model) then errors.argerror(1, "engine:bind: a model is required") end
  local targets = {}
  for _, m in ipairs(model_mod.walk(model)) do
    if not m.Meta.abstract then targets[#targets + 1] = m end
  end
  if #targets == 0 then
    fail(E.InvalidModel, "bind", model, "the model is abstract and no concrete model extends it")
  end
  -- every model is validated before any table is touched: a broken subclass binds nothing
  for _, m in ipairs(targets) do concrete(self, m, "bind") end
  for _, m in ipairs(targets) do bind_one(self, m, opts) end
  return model
end

-- ---- save / delete ----------------------------------------------------------------------

-- The update actions obj holds (lua/bloop/actions.lua), each checked against its column and
-- its value dumped through the column's type: (skip, list) with skip the set of their
-- column names, list the C engine's { column =, kind =, value = wire }; nil when none.
-- A column that no longer holds an action is forgotten. Errors point at the caller's line.
local function pending_actions(self, obj, model, op)
  local pending = rawget(obj, ACTIONS)
  if not pending then return nil end
  local skip, list = nil, nil
  local by_name = model.Meta.columns_by_name
  for name in pairs(pending) do
    local c = by_name[name]
    local a = c and c:get(obj)
    if actions_mod.is_action(a) then
      local label = label_of(model, c)
      local why = actions_mod.refusal(c, a, label)
      if why then
        errors.raise_at(E.InvalidRequest, ("%s %s: %s"):format(model.Meta.name, op, why),
          { model = model, obj = obj, operation = op })
      end
      local ok, w = pcall(dump_column, self, c, a.value, label)
      if not ok or w == nil then
        local msg = ok and "the value dumps as nothing" or
          (type(w) == "table" and w.message or tostring(w))
        errors.raise_at(E.InvalidValue, ("%s %s: %s on %s: %s"):format(model.Meta.name, op,
          tostring(a), label, msg), { model = model, obj = obj, operation = op })
      end
      skip = skip or {}
      skip[name] = true
      list = list or {}
      list[#list + 1] = { column = name, kind = a.kind, value = w }
    else
      pending[name] = nil
    end
  end
  if not skip then rawset(obj, ACTIONS, nil) end
  return skip, list
end

-- An action inside a column's value (post.stats["views"] = bloop.actions.add(1)): the
-- dump refused it as a value it cannot store; say what was meant. Update actions apply to
-- whole columns only (docs/actions.md).
local function nested_action(model, obj, op)
  -- Each table once: a value that holds itself (or one table many times) would otherwise
  -- take exponential time to walk.
  local seen = {}
  local function find(v, depth)
    if actions_mod.is_action(v) then return v end
    if type(v) ~= "table" or seen[v] or depth > 32 then return nil end
    seen[v] = true
    for _, x in next, v do
      local a = find(x, depth + 1)
      if a then return a end
    end
  end
  for _, c in ipairs(model.Meta.columns) do
    local a = find(c:get(obj), 0)
    if a and not actions_mod.is_action(c:get(obj)) then
      errors.raise_at(E.InvalidRequest, ("%s %s: %s holds %s inside its value: update "
        .. "actions apply to whole columns, not to paths inside a Map or List"):format(
        model.Meta.name, op, label_of(model, c), tostring(a)),
        { model = model, obj = obj, operation = op })
    end
  end
end

local function write_args(self, obj, opts, op)
  local model = model_of(obj)
  local meta, handle = concrete(self, model, op)
  local skip, acts
  if rawget(obj, ACTIONS) then skip, acts = pending_actions(self, obj, model, op) end
  local ok, now, absent = pcall(dump_now, self, obj, model, skip, meta)
  if not ok then
    nested_action(model, obj, op)
    errors.rethrow_at(now)
  end
  if absent then check_keys(model, absent, op) end
  local synced = self.synced[obj]
  if op ~= "delete" and synced ~= nil then
    now, absent = keep_unchanged(self, obj, model, now, absent)
  end
  -- REMOVEd although `previous` lacks them: columns the user set to nil and, when this
  -- engine never synced an object built from a whole item (COMPLETE: a load through another
  -- engine, a stream image), every column it lacks, so the save writes that whole item.
  -- (None: nil, which C reads as an empty list.)
  local cleared
  if absent then
    local marked = rawget(obj, MARKED)
    local whole = synced == nil and rawget(obj, COMPLETE)
    if marked or whole then
      for _, c in ipairs(meta.columns) do
        if absent[c.name] and (whole or marked[c.name]) then
          cleared = cleared or {}
          cleared[#cleared + 1] = c.name
        end
      end
    end
  end
  local cond = opts.condition
  if cond ~= nil then cond = check_condition(op, "condition", cond, model) end
  return model, now, {
    model = handle,
    -- a snapshot string goes to C as it is (lengine.c reads item JSON text)
    item = type(now) == "string" and now or item_of(model, now, op == "delete"),
    previous = type(synced) == "table" and item_of(model, synced) or synced,
    cleared = cleared,
    condition = cond,
    atomic = opts.atomic and true or false,
    sync = opts.sync,
    actions = op == "save" and acts or nil,   -- a delete leaves them pending
  }, meta
end

-- After a save that sent actions and did not sync "new": what the row holds is DynamoDB's
-- result, unknown here. The columns read nil (with sync "old" too: the old value, the new
-- one unknown, would be written back by the next save), `now` (the synced state) holds
-- nothing for them, and the object no longer claims to hold a whole item (COMPLETE), so
-- no save through another engine REMOVEs them.
local function forget_actions(obj, model, pending)
  local by_name = model.Meta.columns_by_name
  for name in pairs(pending) do
    local c = by_name[name]
    if c then c:store(obj, nil) end
  end
  rawset(obj, ACTIONS, nil)
  rawset(obj, COMPLETE, false)
end

local function after_write(self, obj, model, now, res, sync, meta)
  meta = meta or model.Meta
  -- the columns the write sent actions for (write_args left only live ones), taken before
  -- a sync "old" stores the old values over them
  local pending = rawget(obj, ACTIONS)
  if res.version and meta.version then
    meta.version:store(obj, core.type_load(meta.version.typedef, res.version, self.context,
      label_of(model, meta.version)))
    if type(now) == "string" then now = core.snapshot_state(now, spec_of(model)) end
    now[meta.version.name] = res.version
  end
  if sync and res.attributes then
    unpack(self, obj, model, res.attributes)
    if sync == "old" then self.synced[obj] = now end
  else
    self.synced[obj] = now
  end
  if pending then
    if sync == "new" and res.attributes then
      rawset(obj, ACTIONS, nil)      -- unpack stored the results
    else
      forget_actions(obj, model, pending)
    end
  end
  if rawget(obj, MARKED) then obj[MARKED] = {} end
end

local function announce_saved(self, obj)
  if signals.object_saved:has_receivers() then
    signals.object_saved:send{ engine = self, obj = obj }
  end
end

local function save_one(self, obj, opts)
  local model, now, args, meta = write_args(self, obj, opts, "save")
  local res = run(model, "save", obj, self.native.save, self.native, args)
  after_write(self, obj, model, now, res, opts.sync, meta)
  announce_saved(self, obj)
end

-- What ce:save_one's write answers: no version, no attributes (it syncs nothing back).
local NO_RESULT = {}

-- One new object and no options, the usual call: what save_one does for it when every
-- column has a value that dumps plainly, in one C call (ce:save_one) with none of the
-- argument tables. Anything else (a synced object, whose save sends only what changed; an
-- action; a version column; a column without a value, which may need a REMOVE or a key
-- check) goes the general way, which also raises what it always raised.
local function save_plain(self, obj)
  local model = model_of(obj)
  local meta, handle = concrete(self, model, "save")
  if meta.version or rawget(obj, ACTIONS) or self.synced[obj] ~= nil then return false end
  local spec = spec_of(model, meta)
  local data = rawget(obj, DATA)
  if not (spec.dump and data) then return false end
  local snapshot, err = self.native:save_one(handle, spec, data, self.context)
  if snapshot then
    after_write(self, obj, model, snapshot, NO_RESULT, nil, meta)
    announce_saved(self, obj)
    return true
  elseif err then
    errors.rethrow(augment(err, model, "save", obj))
  end
  return false
end

-- engine:save(obj, ..., { condition=, atomic=, sync= }): one UpdateItem per object.
function Engine:save(...)
  -- one object and no options, the usual call: what the loop below does for it, without
  -- the argument lists and the closure
  if select("#", ...) == 1 and model_of((...)) then
    if not save_plain(self, (...)) then save_one(self, (...), NO_OPTS) end
    return
  end
  local objs, opts = split_args("engine", "save", ...)
  check_opts("save", opts, WRITE_OPTS)
  if opts.sync ~= nil and opts.sync ~= "new" and opts.sync ~= "old" then
    errors.argerror(nil, ('engine:save: sync must be "old", "new" or nil (got %s)')
      :format(tostring(opts.sync)))
  end
  return with_capacity(self, opts, function()
    for _, obj in ipairs(objs) do save_one(self, obj, opts) end
  end)
end

-- engine:delete(obj, ..., { condition=, atomic=, sync = "old" })
function Engine:delete(...)
  local objs, opts = split_args("engine", "delete", ...)
  check_opts("delete", opts, WRITE_OPTS)
  if opts.sync ~= nil and opts.sync ~= "old" then
    errors.argerror(nil, ('engine:delete: sync must be "old" or nil (got %s)')
      :format(tostring(opts.sync)))
  end
  return with_capacity(self, opts, function()
  for _, obj in ipairs(objs) do
    local model, _, args = write_args(self, obj, opts, "delete")
    local res = run(model, "delete", obj, self.native.delete, self.native, args)
    if opts.sync == "old" and res.attributes then unpack(self, obj, model, res.attributes) end
    -- the row is gone: what this engine knows is "every column absent"
    local gone = {}
    for _, c in ipairs(model.Meta.columns) do gone[c.name] = false end
    self.synced[obj] = gone
    if signals.object_deleted:has_receivers() then
      signals.object_deleted:send{ engine = self, obj = obj }
    end
  end
  end)
end

-- ---- load -------------------------------------------------------------------------------

-- ce:load's result for an object neither found nor missing (lengine.c)
local NOT_LOADED = { failed = true, unprocessed = true, pending = true }

-- The error a load or batch write raises when part of it failed: the first failure's class
-- and code (so a handler for it still matches), a message counting what is left, `cause`
-- (that first failure) and `unprocessed` (every object not known to be written or loaded,
-- in the caller's order; the others were, and are synced).
local function batch_failure(cause, model, op, objs, left, done)
  augment(cause, model, op)
  local err = {}
  for k, v in pairs(cause) do err[k] = v end
  err.cause = cause
  err.unprocessed = left
  local prefix = ("%s %s: "):format(model.Meta.name, op)
  local why = tostring(cause.message)
  if why:sub(1, #prefix) == prefix then why = why:sub(#prefix + 1) end
  -- nothing done (one object, a refused batch, every request failed): the cause says it all
  if #left < #objs then
    err.message = ("%s%d of %d objects not %s (err.unprocessed lists them); first failure: %s")
      :format(prefix, #left, #objs, done, why)
  end
  return setmetatable(err, getmetatable(cause))
end

local function load_ops(self, objs)
  local ops = {}
  for i, obj in ipairs(objs) do
    local model = model_of(obj)
    local _, handle = concrete(self, model, "load")
    local spec = spec_of(model)
    local state = {}
    for _, k in ipairs(model.Meta.keys) do
      local w = dump_column(self, k, k:get(obj), spec.labels[k])
      if w == nil then
        fail(E.InvalidRequest, "load", model, ("key column %s has no value"):format(tostring(k)))
      end
      state[k.name] = w
    end
    -- spec, data: where le_load puts a found item (see Engine:load)
    ops[i] = { model = handle, key = item_of(model, state), spec = spec,
      data = spec.load and rawget(obj, DATA) or nil }
  end
  return ops
end

-- Sends the load and fills the objects found; raises for the rest.
local function load_run(self, objs, ops, opts)
  local first = model_of(objs[1])
  local items, err = run(first, "load", nil, self.native.load, self.native, ops,
    opts.consistent, self.context)
  local missing, left = {}, {}
  for i, obj in ipairs(objs) do
    local item = items[i]
    if item == false then
      missing[#missing + 1] = obj
    elseif not NOT_LOADED[item] then
      loaded(self, obj, ops[i].spec, item)
      if signals.object_loaded:has_receivers() then
        signals.object_loaded:send{ engine = self, obj = obj }
      end
    else
      left[#left + 1] = obj
    end
  end
  if err then
    err = batch_failure(err, first, "load", objs, left, "loaded")
    err.missing = missing
    errors.rethrow(err)
  end
  if #missing > 0 then
    local names = {}
    for i, o in ipairs(missing) do names[i] = tostring(o) end
    fail(E.MissingObjects, "load", model_of(missing[1]),
      ("%d object(s) not found: %s"):format(#missing, table.concat(names, ", ")),
      { objects = missing, code = "MissingObjects" })
  end
end

-- One object and no options, the usual call: what load_ops and load_run do for it, with the
-- key dumped in C (ce:load_one) and none of their tables. A key that does not dump plainly
-- there goes the general way, which raises what it always raised.
local function load_one(self, obj)
  local model = model_of(obj)
  local meta, handle = concrete(self, model, "load")
  local spec = spec_of(model, meta)
  local data = rawget(obj, DATA)
  if not (spec.load and data) then return false end
  local key_spec = spec.key_spec
  if key_spec == nil then
    key_spec = build_spec(meta.keys)
    spec.key_spec = key_spec
  end
  if not key_spec.dump then return false end
  local snapshot, err = self.native:load_one(handle, spec, key_spec, data, false, self.context)
  if snapshot then
    loaded(self, obj, spec, snapshot)
    if signals.object_loaded:has_receivers() then
      signals.object_loaded:send{ engine = self, obj = obj }
    end
    return true
  elseif snapshot == false then
    fail(E.MissingObjects, "load", model, ("1 object(s) not found: %s"):format(tostring(obj)),
      { objects = { obj }, code = "MissingObjects" })
  elseif err then
    err = batch_failure(err, model, "load", { obj }, { obj }, "loaded")
    err.missing = {}
    errors.rethrow(err)
  end
  return false
end

-- engine:load(obj, ..., { consistent = false, capacity = true }): GetItem for one object;
-- for more, BatchGetItem in chunks of 100 keys (several in flight), UnprocessedKeys resent
-- with backoff (include/bloop/engine.h). Raises MissingObjects listing every missing object
-- (the found ones are loaded). Returns nothing, or with capacity { consumed = units }.
function Engine:load(...)
  if select("#", ...) == 1 and model_of((...)) and load_one(self, (...)) then return end
  local objs, opts = split_args("engine", "load", ...)
  check_opts("load", opts, LOAD_OPTS)
  local ops = load_ops(self, objs)
  -- metered to the end: MissingObjects and a part-way failure carry err.consumed too
  return with_capacity(self, opts, function() load_run(self, objs, ops, opts) end)
end

-- ---- batch writes -----------------------------------------------------------------------

-- What the C engine writes for each object (ce:batch): models[i] (its C descriptor) and
-- items[i] (a snapshot string or a wire item); nows[i] is what obj holds once written.
-- Parallel lists, not a table per object: a batch may hold tens of thousands.
local function batch_entries(self, op, objs)
  local models, items, nows = {}, {}, {}
  local handles = {}   -- model -> C descriptor, looked up once per model
  for i, obj in ipairs(objs) do
    local model = model_of(obj)
    local handle = handles[model]
    if not handle then
      _, handle = concrete(self, model, op)
      handles[model] = handle
    end
    local skip = pending_actions(self, obj, model, op)
    if skip and op == "batch_save" then
      local name = next(skip)
      errors.raise_at(E.InvalidRequest, ("%s batch_save: %s holds %s: BatchWriteItem writes "
        .. "whole items and cannot update; save it with engine:save"):format(model.Meta.name,
        label_of(model, model.Meta.columns_by_name[name]),
        tostring(model.Meta.columns_by_name[name]:get(obj))),
        { model = model, obj = obj, operation = op })
    end
    local ok, now, absent = pcall(dump_now, self, obj, model, skip)
    if not ok then errors.rethrow_at(now) end
    check_keys(model, absent, op)
    if op == "batch_save" then now = keep_unchanged(self, obj, model, now, absent) end
    models[i], items[i], nows[i] = handle, item_now(model, now, op == "batch_delete"), now
  end
  return { models = models, items = items }, nows
end

local function batch_write(self, op, objs)
  local entries, nows = batch_entries(self, op, objs)
  local outcomes, err = run(model_of(objs[1]), op, nil, self.native.batch, self.native,
    op == "batch_delete", entries.models, entries.items)
  local left = {}
  local synced, saved, deleted = self.synced, signals.object_saved, signals.object_deleted
  for i, obj in ipairs(objs) do
    if outcomes[i] == "done" then
      local model = model_of(obj)
      if op == "batch_save" then
        synced[obj] = nows[i]
        if saved:has_receivers() then saved:send{ engine = self, obj = obj } end
      else
        local gone = {}
        for _, c in ipairs(model.Meta.columns) do gone[c.name] = false end
        synced[obj] = gone
        if deleted:has_receivers() then deleted:send{ engine = self, obj = obj } end
      end
    else
      left[#left + 1] = obj
    end
  end
  if err then
    errors.rethrow(batch_failure(err, model_of(objs[1]), op, objs, left,
      op == "batch_save" and "written" or "deleted"))
  end
  return left
end

-- The unprocessed objects, and with opts.capacity { consumed = units } after them: a second
-- result leaves `local left = engine:batch_save(...)` as it was.
local function batch_call(self, op, ...)
  local objs, opts = split_args("engine", op, ...)
  check_opts(op, opts, BATCH_OPTS)
  local left
  local capacity = with_capacity(self, opts, function() left = batch_write(self, op, objs) end)
  if capacity then return left, capacity end
  return left
end

-- engine:batch_save(obj, ... [, { capacity = true }]) -> the objects still unprocessed after
-- the resends (usually {}) [, { consumed = units }]. PutItem semantics: each item is written
-- whole, without conditions.
function Engine:batch_save(...)
  return batch_call(self, "batch_save", ...)
end

function Engine:batch_delete(...)
  return batch_call(self, "batch_delete", ...)
end

-- ---- query / scan -----------------------------------------------------------------------
--
-- A search is one C search (engine_search.c) plus the bookkeeping a caller sees: the cursor
-- after the last object returned, capacity consumed, and pacing under a rate limit. A scan
-- over `segments` is one C search too: it keeps a request in flight per segment, and under
-- a rate limit it is paced (one request per next), so its segments share the one budget.

local Search = {}
Search.__index = function(s, k)
  if k == "count" then return s.native:count() end
  if k == "scanned" then return s.native:scanned() end
  if k == "exhausted" then return s.native:exhausted() end
  if k == "consumed" then return s.native:consumed() end
  if k == "cursor" then return Search.cursor_now(s) end
  return Search[k]
end
Search.__name = "bloop.Search"

-- ---- rate limits ----

local RateLimiter = {}
RateLimiter.__index = RateLimiter
RateLimiter.__name = "bloop.RateLimiter"

-- bloop.rate_limiter(units_per_second [, { clock =, sleep = }]): a budget of capacity units
-- per second that searches share (engine:scan(M, { rate_limit = limiter })). Before each
-- request after the first it waits until the units consumed so far, spent at that rate,
-- have been paid for: the searches average at most `rate` units a second. clock (seconds,
-- monotonic) and sleep(seconds) default to bloop's clock; `slept` (seconds) and `sleeps`
-- (each wait) record what it computed.
function M.rate_limiter(rate, opts)
  if type(rate) ~= "number" or rate <= 0 or rate ~= rate or rate == math.huge then
    errors.argerror(1, "bloop.rate_limiter: units per second must be a positive number")
  end
  opts = opts or {}
  return setmetatable({ rate = rate, consumed = 0, slept = 0, sleeps = {},
    clock = opts.clock or core.monotonic, sleep = opts.sleep or core.sleep }, RateLimiter)
end

function RateLimiter:wait()
  local now = self.clock()
  if self.started == nil then
    self.started = now
    return
  end
  local d = self.started + self.consumed / self.rate - now
  if d > 0 then
    self.slept = self.slept + d
    self.sleeps[#self.sleeps + 1] = d
    self.sleep(d)
  end
end

function RateLimiter:add(units) self.consumed = self.consumed + units end

local function is_limiter(v) return getmetatable(v) == RateLimiter end

-- ---- cursors ----
-- A cursor is base64url (no padding) of: version (1 byte), kind (0: checksum, 1: signed),
-- 8 bytes naming the search's operation, model, table and index, the ExclusiveStartKey as
-- DynamoDB JSON, then a tag over everything before it: 8 bytes of SHA-256 (catches
-- truncation and typos, not forgery) or, with the engine's cursor_key, 16 bytes of
-- HMAC-SHA256.
local CURSOR_VERSION = 1
local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
local B64_INDEX = {}
for i = 1, 64 do B64_INDEX[B64:byte(i)] = i - 1 end

local function b64url(data)
  local out = {}
  for i = 1, #data, 3 do
    local a, b, c = data:byte(i, i + 2)
    local n = a * 65536 + (b or 0) * 256 + (c or 0)
    local chars = 2 + (b and 1 or 0) + (c and 1 or 0)
    for j = 1, chars do
      local v = (n >> (18 - 6 * (j - 1))) & 63
      out[#out + 1] = B64:sub(v + 1, v + 1)
    end
  end
  return table.concat(out)
end

local function unb64url(text)
  if #text % 4 == 1 then return nil end
  local out = {}
  for i = 1, #text, 4 do
    local n, k = 0, 0
    for j = i, math.min(i + 3, #text) do
      local v = B64_INDEX[text:byte(j)]
      if v == nil then return nil end
      n = n * 64 + v
      k = k + 1
    end
    n = n << (6 * (4 - k))
    local bytes = string.char((n >> 16) & 255, (n >> 8) & 255, n & 255)
    out[#out + 1] = bytes:sub(1, k - 1)
  end
  return table.concat(out)
end

-- A scan over segments binds its cursor to the number of segments too: its position is
-- one per segment (a JSON list of "start", "done" or a key), which no other search reads.
local function binding(s)
  local index = s.index and s.index.name or ""
  local op = s.segments and ("%s\0segments=%d"):format(s.op, s.segments) or s.op
  return core.cursor_tag(table.concat({ op, s.model.Meta.name, s.engine:table_name(s.model),
    index }, "\0")):sub(1, 8)
end

local function tag(engine, body)
  if engine.cursor_signer then return core.cursor_tag(body, engine.cursor_signer):sub(1, 16) end
  return core.cursor_tag("bloop cursor\0" .. body):sub(1, 8)
end

local function encode_cursor(s, key_json)
  local body = string.char(CURSOR_VERSION, s.engine.cursor_signer and 1 or 0) .. binding(s)
    .. key_json
  return b64url(body .. tag(s.engine, body))
end

local function what(s)
  local target = s.index and ("%s.%s"):format(s.model.Meta.name, s.index.name) or s.model.Meta.name
  local over = s.segments and (" over %d segments"):format(s.segments) or ""
  return ("%s of %s%s"):format(s.op, target, over)
end

local function bad_cursor(s, message)
  errors.raise(E.InvalidSearch, ("%s%s %s: start: %s"):format(errors.where(), s.model.Meta.name,
    s.op, message), { model = s.model, operation = s.op, code = "InvalidSearch" })
end

-- The dynamo names of an ExclusiveStartKey's attributes for this search.
local function key_names(s)
  local names, cols = {}, {}
  for _, c in ipairs(s.model.Meta.keys) do cols[#cols + 1] = c end
  if s.index then cols[#cols + 1] = s.index.hash_key; cols[#cols + 1] = s.index.range_key end
  for _, c in pairs(cols) do
    if type(c) == "string" then c = s.model.Meta.columns_by_name[c] end
    if c then names[c.dynamo_name] = true end
  end
  return names
end

local function check_key(s, key)
  if type(key) ~= "table" then return false end
  local want = key_names(s)
  for name in pairs(want) do if key[name] == nil then return false end end
  for name, v in pairs(key) do
    if not want[name] or type(v) ~= "table" or next(v, next(v)) ~= nil then return false end
    local t, x = next(v)
    if (t ~= "S" and t ~= "N" and t ~= "B") or type(x) ~= "string" then return false end
  end
  return true
end

-- The ExclusiveStartKey a cursor holds, after every check.
local function decode_cursor(s, cursor)
  if type(cursor) ~= "string" then
    bad_cursor(s, ("a cursor is a string (got %s)"):format(type(cursor)))
  end
  local raw = unb64url(cursor)
  if raw == nil or #raw < 2 + 8 + 2 + 8 then
    bad_cursor(s, "not a bloop cursor (truncated, or not made by search.cursor)")
  end
  if raw:byte(1) ~= CURSOR_VERSION then
    bad_cursor(s, ("cursor version %d is not one this bloop reads (%d)"):format(raw:byte(1),
      CURSOR_VERSION))
  end
  local signed = raw:byte(2) == 1
  if signed ~= (s.engine.cursor_signer ~= nil) then
    bad_cursor(s, signed and "the cursor is signed, and this engine has no cursor_key"
      or "the cursor is not signed, and this engine's cursors must be (it has a cursor_key)")
  end
  local n = signed and 16 or 8
  local body, t = raw:sub(1, -n - 1), raw:sub(-n)
  if #body < 12 or tag(s.engine, body) ~= t then
    bad_cursor(s, signed and "the cursor's signature does not match (altered, truncated, or "
      .. "signed with another cursor_key)" or "the cursor's checksum does not match "
      .. "(altered or truncated)")
  end
  if body:sub(3, 10) ~= binding(s) then
    bad_cursor(s, ("the cursor belongs to another search (it is not from a %s on table %s)")
      :format(what(s), s.engine:table_name(s.model)))
  end
  local json = body:sub(11)
  local cjson = require("cjson")
  local ok, decoded = pcall(cjson.decode, json)
  if not s.segments then
    if not ok or not check_key(s, decoded) then
      bad_cursor(s, ("the cursor's key is not a key of %s"):format(what(s)))
    end
    return json
  end
  -- one position per segment: "start", "done" or a key
  if not ok or type(decoded) ~= "table" or #decoded ~= s.segments then
    bad_cursor(s, ("the cursor does not hold %d segment positions"):format(s.segments))
  end
  local positions = {}
  for k, p in ipairs(decoded) do
    if p == "start" or p == "done" then
      positions[k] = p
    elseif check_key(s, p) then
      positions[k] = cjson.encode(p)
    else
      bad_cursor(s, ("segment %d's position is not a key of %s"):format(k - 1, what(s)))
    end
  end
  return positions
end

-- The position of every segment of a scan over segments, as JSON text.
local function segment_positions(s)
  local n = s.native
  local out = {}
  for k = 0, s.segments - 1 do
    local p = run(s.model, s.op, nil, n.segment_position, n, k)
    out[k + 1] = (p == "start" or p == "done") and ('"' .. p .. '"') or p
  end
  return "[" .. table.concat(out, ",") .. "]"
end

-- search.cursor: resumes right after the last object returned; nil once nothing is left.
-- Before any object, the cursor the search started from (or nil).
function Search.cursor_now(s)
  local n = s.native
  if n:at_end() then return nil end
  if s.returned and s.segments then return encode_cursor(s, segment_positions(s)) end
  if s.returned then
    local key = run(s.model, s.op, nil, n.item_key, n)
    return encode_cursor(s, key)
  end
  return s.start
end

-- n: target's argument position (1 in engine:query, 2 in engine:explain).
local function search_args(self, op, target, opts, n)
  check_opts(op, opts, { key = true, filter = true, projection = true, limit = true,
    consistent = true, forward = true, parallel = true, page_size = true, start = true,
    rate_limit = true, segments = true })
  local model, index
  if is_index(target) then
    model, index = target.model, target
  elseif is_model(target) then
    model = target
  else
    errors.argerror(n, ("engine:%s: a model or an index is required"):format(op))
  end
  local meta, handle = concrete(self, model, op)
  if op == "scan" and (opts.key ~= nil or opts.forward ~= nil) then
    errors.argerror(nil, "engine:scan: key and forward are query options")
  end
  if op == "query" and (opts.parallel ~= nil or opts.segments ~= nil) then
    errors.argerror(nil, ("engine:query: %s is a scan option"):format(
      opts.parallel ~= nil and "parallel" or "segments"))
  end
  if opts.parallel ~= nil and opts.segments ~= nil then
    errors.argerror(nil, "engine:scan: give segments (every segment, in this process) or "
      .. "parallel ({segment, total}: one segment, to split a scan across processes), not both")
  end
  local rl = opts.rate_limit
  if rl ~= nil and not is_limiter(rl) and (type(rl) ~= "number" or not (rl > 0)
      or rl == math.huge) then
    errors.argerror(nil, ("engine:%s: rate_limit must be a positive number of capacity units "
      .. "per second or a bloop.rate_limiter"):format(op))
  end
  local args = { mode = op, model = handle, index = index and index.name or nil,
    key = check_condition(op, "key", opts.key, model),
    filter = check_condition(op, "filter", opts.filter, model),
    consistent = opts.consistent and true or false,
    descending = opts.forward == false }
  local p = opts.projection
  if p == nil or p == "all" or p == "keys" or p == "count" then
    args.projection = p or "all"
  elseif type(p) == "table" then
    args.projection = "columns"
    local cols = {}
    for i, c in ipairs(p) do
      if column_mod.is_column(c) then cols[i] = c.name
      elseif type(c) == "string" then cols[i] = c
      else fail(E.InvalidSearch, op, model, "projection: columns are names or Columns") end
    end
    args.columns = cols
  else
    fail(E.InvalidSearch, op, model, 'projection must be "all", "keys", "count" or a list of columns')
  end
  if opts.limit ~= nil then
    if math.type(opts.limit) ~= "integer" or opts.limit < 1 then
      fail(E.InvalidSearch, op, model, "limit must be a positive integer")
    end
    args.limit = opts.limit
  end
  -- page_size: DynamoDB's Limit per request (items evaluated per page); the default is
  -- DynamoDB's 1 MB pages. Results are the same, only the number of round trips changes.
  if opts.page_size ~= nil then
    if math.type(opts.page_size) ~= "integer" or opts.page_size < 1 then
      fail(E.InvalidSearch, op, model, "page_size must be a positive integer")
    end
    args.page_size = opts.page_size
  end
  if opts.parallel ~= nil then
    local par = opts.parallel
    if type(par) ~= "table" or math.type(par[1]) ~= "integer" or math.type(par[2]) ~= "integer"
        or par[2] < 1 or par[1] < 0 or par[1] >= par[2] then
      fail(E.InvalidSearch, op, model, "parallel must be {segment, total} with 0 <= segment < total")
    end
    args.segment, args.total = par[1], par[2]
  end
  if opts.segments ~= nil then
    local count = opts.segments
    if math.type(count) ~= "integer" or count < 1 or count > 1000000 then
      fail(E.InvalidSearch, op, model, "segments must be an integer from 1 to 1000000")
    end
    args.segments = count
  end
  return model, meta, args, index
end

local function new_search(engine, op, target, opts)
  opts = opts or {}
  local model, meta, args, index = search_args(engine, op, target, opts, 1)
  local native = run(model, op, nil, engine.native.search, engine.native, args)
  local cols = {}
  for i, name in ipairs(native:columns()) do cols[i] = meta.columns_by_name[name] end
  local limiter = opts.rate_limit
  if type(limiter) == "number" then limiter = M.rate_limiter(limiter) end
  local s = setmetatable({ engine = engine, op = op, model = model, index = index,
    native = native, spec = build_spec(cols), limiter = limiter or false, returned = false,
    seen = 0, segments = args.segments, meta = meta }, Search)
  if limiter then native:pace(true) end
  if opts.start ~= nil then
    s.start = opts.start
    local position = decode_cursor(s, opts.start)
    if s.segments then
      for k, p in ipairs(position) do run(model, op, nil, native.segment_start, native, k - 1, p) end
    else
      run(model, op, nil, native.start_after, native, position)
    end
  end
  return s
end

function Search:reset()
  self.native:reset()
  self.returned = false
  self.seen = 0
  return self
end

-- The next object, or nil when the search is over (pages are fetched lazily; under a rate
-- limit, a request waits for its budget first).
function Search:next()
  local spec, engine, native, limiter = self.spec, self.engine, self.native, self.limiter
  if limiter and native:will_fetch() then limiter:wait() end
  local meta = self.meta
  local init = meta.init
  -- the default init's objects C makes itself (le_search_next), with the column data
  -- sized for the spec's columns it then fills
  local layout = spec.load and init == meta._sized_init and meta._layout or nil
  local ok, obj, state = pcall(native.next, native, spec, engine.context, init,
    spec.load and DATA or nil, layout)
  if not ok then errors.rethrow(augment(obj, self.model, self.op, nil)) end
  if limiter then
    local c = native:consumed()
    limiter:add(c - self.seen)
    self.seen = c
  end
  if obj == nil then return nil end
  self.returned = true
  loaded(engine, obj, spec, state)
  if signals.object_loaded:has_receivers() then
    signals.object_loaded:send{ engine = engine, obj = obj }
  end
  return obj
end

-- for page in search:pages() do ... page.items, page.cursor ... end: the objects one
-- DynamoDB answer held (pages a filter emptied are skipped), and the cursor after the last
-- (nil on the last page). A search that finds nothing gives one empty page.
function Search:pages()
  local first, over = true, false
  return function()
    if over then return nil end
    local obj = self:next()
    if obj == nil then
      over = true
      if first then
        first = false
        return { items = {}, cursor = nil }
      end
      return nil
    end
    first = false
    local items = { obj }
    for _ = 1, self.native:page_left() do
      local o = self:next()
      if o == nil then break end
      items[#items + 1] = o
    end
    local cursor = self.cursor
    over = cursor == nil
    return { items = items, cursor = cursor }
  end
end

-- for obj in search:iter() do ... end
function Search:iter()
  local next_object = self.next   -- found once: Search's __index is a function
  return function() return next_object(self) end
end

function Search:all()
  self:reset()
  local out = {}
  for obj in self:iter() do out[#out + 1] = obj end
  return out
end

function Search:first()
  self:reset()
  local obj = self:next()
  if obj == nil then
    fail(E.ConstraintViolation, self.op, self.model, "first(): the search found nothing")
  end
  return obj
end

function Search:one()
  local obj = self:first()
  if self:next() ~= nil then
    fail(E.ConstraintViolation, self.op, self.model, "one(): the search found more than one object")
  end
  return obj
end

function Search:__tostring()
  return ("bloop.Search(%s %s)"):format(self.op, self.model.Meta.name)
end

-- engine:query and engine:scan: op is "query" or "scan".
local function search(self, op, target, opts)
  local s = new_search(self, op, target, opts)
  if opts and opts.projection == "count" then s:next() end   -- drains: count/scanned ready
  return s
end

-- engine:query(Model_or_index, { key=, filter=, projection=, limit=, consistent=, forward=,
-- page_size=, start=, rate_limit= })
function Engine:query(target, opts) return search(self, "query", target, opts) end

-- engine:scan(Model_or_index, { filter=, projection=, limit=, consistent=, parallel=,
-- page_size=, start=, rate_limit= })
function Engine:scan(target, opts) return search(self, "scan", target, opts) end

-- ---- explain ----------------------------------------------------------------------------

-- engine:explain(op, ...) -> a list of { operation = "UpdateItem", request = {...},
-- item_size = n } (one per object for save/delete), built by the same C function the
-- operation uses; nothing is sent. op: save, delete, load, batch_save, batch_delete, query,
-- scan, bind.
function Engine:explain(op, ...)
  local native = self.native
  if op == "save" or op == "delete" then
    local objs, opts = split_args("engine", op, ...)
    local out = {}
    for _, obj in ipairs(objs) do
      local model, _, args = write_args(self, obj, opts, op)
      out[#out + 1] = run(model, op, obj, native.explain, native, op, args)
    end
    return out
  elseif op == "load" then
    local objs, opts = split_args("engine", "load", ...)
    return { run(model_of(objs[1]), op, nil, native.explain, native, "load",
      { ops = load_ops(self, objs), consistent = opts.consistent }) }
  elseif op == "batch_save" or op == "batch_delete" then
    local objs = split_args("engine", op, ...)
    return { run(model_of(objs[1]), op, nil, native.explain, native, op,
      (batch_entries(self, op, objs))) }
  elseif op == "query" or op == "scan" then
    local target, opts = ...
    local model, _, args = search_args(self, op, target, opts or {}, 2)
    return { run(model, op, nil, native.explain, native, "search", args) }
  elseif op == "bind" then
    local model = ...
    local _, handle = concrete(self, model, "bind", 2)
    return { run(model, op, nil, native.explain, native, "bind", { model = handle }) }
  end
  errors.argerror(1, ("engine:explain: unknown operation %q (save, delete, load, batch_save, "
    .. "batch_delete, query, scan, bind)"):format(tostring(op)))
end

-- ---- transactions and streams (lua/bloop/transaction.lua, lua/bloop/stream.lua) -------
-- Both modules build on this file's helpers, handed over rather than copied.
local internal = { split_args = split_args, write_args = write_args,
  after_write = after_write, unpack = unpack, load_ops = load_ops, concrete = concrete }

-- engine:transaction("w" | "r" [, fn]): a transaction (fn given: called with it, then committed).
function Engine:transaction(mode, fn)
  return require("bloop.transaction").new(self, mode, internal, fn)
end

-- engine:stream(Model, "trim_horizon" | "latest" | bloop.datetime | token)
function Engine:stream(model, position)
  return require("bloop.stream").new(self, model, position, internal)
end

return M
