-- bloop.index: GlobalSecondaryIndex and LocalSecondaryIndex declarations.
--
--   Employee.by_level = bloop.GlobalSecondaryIndex{ projection = { "email" }, hash_key = "level" }
--   Post.by_date = bloop.LocalSecondaryIndex{ projection = "keys", range_key = "date" }
--
-- Keys are column names (or Column objects), resolved when the model is validated, so an
-- index may be assigned before or after its columns. projection is "keys", "all", or a
-- list of column names / Columns. Owns: the declaration and, once resolved, `hash_key`,
-- `range_key` (Columns), `projected` (ordered list of Columns the index holds). Does not
-- own: checking against the table (the engine) or the model (bloop.model validates).
local class = require("bloop.class")
local errors = require("bloop.errors")

local M = {}

local Index = class.class("Index")
Index.extend = class.extend
M.Index = Index

local function invalid(msg) errors.raise(errors.classes.InvalidModel, msg) end

local function common(self, kind, opts)
  if type(opts) ~= "table" then invalid(kind .. ": options must be a table") end
  local known = { projection = true, hash_key = true, range_key = true, read_units = true,
    write_units = true, dynamo_name = true, strict = true }
  for k in pairs(opts) do
    if not known[k] then invalid(("%s: unknown option %q"):format(kind, tostring(k))) end
  end
  local p = opts.projection
  if p == nil then invalid(kind .. ": projection is required (\"keys\", \"all\" or a list of columns)") end
  if type(p) == "string" then
    if p ~= "keys" and p ~= "all" then
      invalid(("%s: projection must be \"keys\", \"all\" or a list of columns (got %q)"):format(kind, p))
    end
  elseif type(p) == "table" then
    if #p == 0 then invalid(kind .. ": projection list is empty") end
  else
    invalid(kind .. ": projection must be \"keys\", \"all\" or a list of columns")
  end
  self.kind = kind
  self.projection = p
  self.hash_key = opts.hash_key
  self.range_key = opts.range_key
  self.read_units = opts.read_units
  self.write_units = opts.write_units
  self._dynamo_name = opts.dynamo_name
end

function Index:__getindex(key)
  if key == "dynamo_name" then return rawget(self, "_dynamo_name") or rawget(self, "name") end
  return nil
end

function Index:copy()
  local c = setmetatable({}, getmetatable(self))
  for k, v in pairs(self) do c[k] = v end
  c.model = nil
  return c
end

function Index:__tostring()
  local model = rawget(self, "model")
  local name = rawget(self, "name")
  if model and name then return ("%s.%s"):format(model.Meta.name, name) end
  return ("%s(%s)"):format(self.kind or "Index", name or "?")
end

local GSI = Index:extend("GlobalSecondaryIndex")
function GSI:init(opts)
  common(self, "GlobalSecondaryIndex", opts)
  if self.hash_key == nil then invalid("GlobalSecondaryIndex: hash_key is required") end
end
M.GlobalSecondaryIndex = GSI

local LSI = Index:extend("LocalSecondaryIndex")
function LSI:init(opts)
  common(self, "LocalSecondaryIndex", opts)
  if self.range_key == nil then invalid("LocalSecondaryIndex: range_key is required") end
  if opts.read_units ~= nil or opts.write_units ~= nil then
    invalid("LocalSecondaryIndex: an LSI shares the table's units (no read_units/write_units)")
  end
  self.strict = opts.strict ~= false
end
M.LocalSecondaryIndex = LSI

function M.is_index(v) return class.isinstance(v, Index) end

return M
