-- bloop.schema: Python bloop's marshmallow role. A schema picks fields from a model's columns,
-- dumps objects to plain JSON-able tables and loads plain tables (parsed JSON) back into
-- objects, with validation errors per field.
--
--   local schema = require("bloop.schema")
--   local UserSchema = schema.from_model(User, {
--     load_only = { "password" },                 -- accepted by load, never dumped
--     fields = { _links = schema.links{ self = "/api/users/{email}", collection = "/api/users/" } },
--     validate = { email = function(v) return v:find("@") ~= nil or "not an email address" end },
--   })
--   UserSchema:dump(user)          --> { email = "a@b.c", date_created = "…", _links = {…} }
--   UserSchema:dump_many(users)    --> an array of those (json.array_mt: [] when empty)
--   local user = UserSchema:load{ email = "a@b.c", password = "pw" }    -- a User, or raises
--   local user = UserSchema:loads(text)                                  -- from JSON text
--
-- Options (every one optional):
--   only, exclude    lists of column names: the fields are the model's columns in declaration
--                    order, only those in `only` (when given), none in `exclude`
--   load_only        columns load reads and dump never writes (a password)
--   dump_only        columns dump writes and load refuses (set by the server, not the client)
--   required         more columns load insists on; the model's hash and range key always are
--   fields           extra dump-only fields: name -> function(obj, dumped, schema) returning
--                    a JSON-able value (schema.links makes one); `dumped` holds every column
--                    as JSON, excluded ones too
--   validate         name -> function(value, obj): true/nil accepts; false, a message string
--                    or a raised error refuses (run after the value is set on the object)
--   use_float, explicit_none   as bloop.json's, for dump
-- A misspelt option or field name raises InvalidArgument.
--
-- load(data) reads each field through the column's type as bloop.json.decode does, then
-- assigns it on a new instance (so defaults apply and a Column subclass's own `set` check
-- runs), then runs `validate`. Every problem is collected; if there is any, it raises
-- bloop.ValidationError with `err.fields` = { field = message, ... }: "missing required
-- field", the type's complaint ("expected a string, got number"), the column's check's
-- message, the validator's, "unknown field" (with a near name) or "read-only field". A
-- whole-input problem (not an object, malformed JSON in loads) is under the key "_schema".
local errors = require("bloop.errors")
local json = require("bloop.json")
local model_mod = require("bloop.model")

local ValidationError = errors.classes.ValidationError
local null = require("bloop.core").null

local M = {}

local Schema = {}
Schema.__index = Schema
Schema.__name = "bloop.Schema"
M.Schema = Schema

local known = { only = true, exclude = true, load_only = true, dump_only = true, required = true,
  fields = true, validate = true, use_float = true, explicit_none = true }

-- a list of column names of meta as a set; each name must be a column
local function name_set(meta, list, what)
  local out = {}
  if list == nil then return out end
  if type(list) ~= "table" then errors.argerror(nil, ("schema option %s must be a list of column names"):format(what)) end
  for _, name in ipairs(list) do
    if not meta.columns_by_name[name] then
      errors.argerror(nil, ("schema option %s: %s has no column %s%s"):format(what, meta.name,
        tostring(name), errors.suggest(name, meta.columns_by_name)))
    end
    out[name] = true
  end
  return out
end

local function callable(f)
  if type(f) == "function" then return true end
  local mt = getmetatable(f)
  return type(mt) == "table" and type(mt.__call) == "function"
end

local function function_map(opts, what, meta)
  local out = {}
  local given = opts[what]
  if given == nil then return out end
  if type(given) ~= "table" then errors.argerror(nil, ("schema option %s must be a table"):format(what)) end
  for name, fn in pairs(given) do
    if type(name) ~= "string" or not callable(fn) then
      errors.argerror(nil, ("schema option %s: %s must map names to functions"):format(what, what))
    end
    if meta and not meta.columns_by_name[name] then
      errors.argerror(nil, ("schema option %s: %s has no column %s%s"):format(what, meta.name,
        name, errors.suggest(name, meta.columns_by_name)))
    end
    out[name] = fn
  end
  return out
end

-- from_model(Model, opts): a schema for Model's objects (see the header).
function M.from_model(model, opts)
  if not model_mod.is_model(model) then errors.argerror(1, "schema.from_model: a model class is required") end
  opts = opts or {}
  if type(opts) ~= "table" then errors.argerror(2, "schema.from_model: options must be a table") end
  for k in pairs(opts) do
    if not known[k] then
      errors.argerror(nil, ("schema.from_model: unknown option %s%s"):format(
        type(k) == "string" and ("%q"):format(k) or tostring(k), errors.suggest(k, known)))
    end
  end
  local meta = model.Meta
  local only = opts.only and name_set(meta, opts.only, "only")
  local exclude = name_set(meta, opts.exclude, "exclude")
  local self = setmetatable({
    model = model,
    columns = {},                                   -- the schema's columns, in order
    load_only = name_set(meta, opts.load_only, "load_only"),
    dump_only = name_set(meta, opts.dump_only, "dump_only"),
    required = name_set(meta, opts.required, "required"),
    extra = function_map(opts, "fields"),
    extra_names = {},
    validators = function_map(opts, "validate", meta),
    dump_opts = { use_float = opts.use_float ~= false, explicit_none = opts.explicit_none == true },
  }, Schema)
  for _, c in ipairs(meta.columns) do
    if (only == nil or only[c.name]) and not exclude[c.name] then
      self.columns[#self.columns + 1] = c
    end
  end
  for _, k in ipairs(meta.keys) do self.required[k.name] = true end
  for name in pairs(self.extra) do
    if meta.columns_by_name[name] then
      errors.argerror(nil, ("schema option fields: %s is a column of %s"):format(name, meta.name))
    end
    self.extra_names[#self.extra_names + 1] = name
  end
  table.sort(self.extra_names)
  self.by_name = {}
  for _, c in ipairs(self.columns) do self.by_name[c.name] = c end
  return self
end

-- ---- dump ----------------------------------------------------------------------------------

-- "a@b.c" -> "a%40b.c": a value as one URL path segment (RFC 3986 unreserved kept)
local function escape(s)
  return (tostring(s):gsub("[^%w%-%._~]", function(ch) return ("%%%02X"):format(ch:byte()) end))
end
M.escape = escape

-- links{ name = "/template/{column}", ... }: a field for `fields` whose value is a table of
-- URLs, each template's {column} replaced by that column's JSON value, URL-escaped.
function M.links(templates)
  if type(templates) ~= "table" then errors.argerror(1, "schema.links: a table of URL templates is required") end
  for name, t in pairs(templates) do
    if type(name) ~= "string" or type(t) ~= "string" then
      errors.argerror(1, "schema.links: names must map to template strings")
    end
  end
  return function(obj, dumped)
    local out = {}
    for name, t in pairs(templates) do
      out[name] = t:gsub("{([%w_]+)}", function(col)
        local v = dumped[col]
        if v == nil or v == null then
          errors.argerror(nil, ("schema.links: %s has no value for {%s} in %q"):format(tostring(obj), col, t))
        end
        return escape(v)
      end)
    end
    return out
  end
end

-- dump(obj): a plain table of the schema's fields (bloop.json's JSON-able values).
function Schema:dump(obj)
  if model_mod.model_of(obj) ~= self.model then
    errors.argerror(1, ("schema:dump: a %s object is required"):format(self.model.Meta.name))
  end
  local all = json.serialize(obj, self.dump_opts)
  local out = {}
  for _, c in ipairs(self.columns) do
    if not self.load_only[c.name] then out[c.name] = all[c.name] end
  end
  for _, name in ipairs(self.extra_names) do out[name] = self.extra[name](obj, all, self) end
  return out
end

-- dump_many(list): an array (json.array_mt, so [] when empty) of dump's tables.
function Schema:dump_many(list)
  if type(list) ~= "table" then errors.argerror(1, "schema:dump_many: a list of objects is required") end
  local out = setmetatable({}, json.array_mt)
  for i, obj in ipairs(list) do out[i] = self:dump(obj) end
  return out
end

-- ---- load ----------------------------------------------------------------------------------

-- the message of a caught error, without a "file:line: " or a path prefix
local function message_of(err, name)
  local msg = type(err) == "table" and err.message or err
  msg = tostring(msg):gsub("^[^\n:]*:%d+: ", "", 1)
  if name then
    local prefix = name .. ": "
    if msg:sub(1, #prefix) == prefix then msg = msg:sub(#prefix + 1) end
  end
  return msg
end

local function refuse(model, fields)
  local names = {}
  for k in pairs(fields) do names[#names + 1] = k end
  table.sort(names)
  local parts = {}
  for _, k in ipairs(names) do parts[#parts + 1] = k .. ": " .. fields[k] end
  errors.raise(ValidationError, ("invalid %s: %s"):format(model.Meta.name, table.concat(parts, "; ")),
    { code = "ValidationError", fields = fields })
end

local function run_validator(fn, value, obj)
  local ok, res, msg = pcall(fn, value, obj)
  if not ok then return message_of(res) end
  if res == nil or res == true then return nil end
  if type(res) == "string" then return res end
  return msg or "invalid value"
end

-- the unknown or read-only keys of data, into bad
local function check_keys(self, data, bad)
  for k in pairs(data) do
    if type(k) ~= "string" then
      bad[tostring(k)] = "unknown field"
    elseif not self.by_name[k] or self.dump_only[k] then
      if self.by_name[k] or self.extra[k] then
        bad[k] = "read-only field"
      else
        bad[k] = "unknown field" .. errors.suggest(k, self.by_name)
      end
    end
  end
end

-- load(data): an object of the model from a table of field values (see the header).
function Schema:load(data)
  local model = self.model
  if type(data) ~= "table" or getmetatable(data) == json.array_mt or (#data > 0) then
    refuse(model, { _schema = "expected an object of fields" })
  end
  local bad, values = {}, {}
  check_keys(self, data, bad)
  for _, c in ipairs(self.columns) do
    local name = c.name
    local v = data[name]
    if not self.dump_only[name] and not bad[name] then
      if v == nil or v == null then
        if self.required[name] then bad[name] = "missing required field" end
      else
        local ok, val = pcall(json.load_value, c.typedef, v, name)
        if ok then values[name] = val else bad[name] = message_of(val, name) end
      end
    end
  end
  local ok, obj = pcall(model)
  if not ok then refuse(model, { _schema = message_of(obj) }) end
  for _, c in ipairs(self.columns) do
    local name = c.name
    local v = values[name]
    if v ~= nil then
      local set_ok, err = pcall(function() obj[name] = v end)
      if not set_ok then
        bad[name] = message_of(err, name)
      elseif self.validators[name] then
        bad[name] = run_validator(self.validators[name], v, obj)
      end
    end
  end
  if next(bad) then refuse(model, bad) end
  return obj
end

-- loads(text): load from JSON text; malformed JSON is a ValidationError under "_schema".
function Schema:loads(text)
  if type(text) ~= "string" then errors.argerror(1, "schema:loads: JSON text is required") end
  local ok, tree = pcall(json.parse_tree, text)
  if not ok then refuse(self.model, { _schema = message_of(tree) }) end
  if json.tree_type(tree) ~= "object" and json.tree_type(tree) ~= "empty" then
    refuse(self.model, { _schema = "expected a JSON object, got " .. json.tree_type(tree) })
  end
  return self:load(tree)
end

return M
