--- bloop.pretty: readable text for any Lua value, as the REPL shows results.
--
-- Owns: formatting. Strings are quoted, tables are expanded (array part first, then the
-- other keys sorted: numbers, strings, then the rest), nested tables are indented when they
-- do not fit on one line, a table met again inside itself prints as <cycle>, and tables
-- deeper than `depth` print as {...}. bloop's values print with their type, as they are
-- written: decimal("2.5"), binary("a\0"), uuid("..."), null; a model object shows its
-- loaded columns (User{ email = "a@x", age = 30 }), long strings cut at `max_string`; a model
-- prints as <model User (table users)>, an error class as <error class Name>, the bloop
-- module as a one-line summary. Any other value whose metatable has __tostring prints
-- itself (so objects decide what they show; a client never shows its secrets).
-- Does not own: where the text goes; format() returns it, print() writes it to io.stdout.
--
--   local pretty = require("bloop.pretty")
--   pretty.format({1, 2, x = {y = true}})   --> '{ 1, 2, x = { y = true } }'
--   pretty(t)                               -- same as pretty.print(t)

local M = {}

M.defaults = {
  depth = 6,        -- nesting levels expanded; deeper tables print as {...}
  width = 80,       -- a table is kept on one line when it fits in this many columns
  indent = "  ",
  max_items = 200,  -- entries shown per table; the rest are counted
  max_string = 200, -- bytes of a string shown inside a model object; the rest are counted
  max_tables = 2000, -- tables expanded in one call; the rest print as {...}
}

-- The count of tables expanded so far, kept in `seen` under a key no value can be: a
-- table shared many times over (each level's entries all the same table) prints again at
-- every reference, which without a bound is the entries per level to the power of depth.
local EXPANDED = {}

local keywords = {}
for w in ([[and break do else elseif end false for function goto if in local nil not or
  repeat return then true until while]]):gmatch("%a+") do
  keywords[w] = true
end

local escapes = {
  ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t",
  ["\a"] = "\\a", ["\b"] = "\\b", ["\f"] = "\\f", ["\v"] = "\\v",
}

--- A string as a Lua literal in double quotes. Bytes >= 0x80 pass through, so UTF-8 text
-- stays readable; other control bytes become \ddd.
function M.quote(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    return escapes[c] or string.format("\\%03d", c:byte())
  end) .. '"'
end

local function has_tostring(v)
  local mt = getmetatable(v)
  -- getmetatable honours __metatable, which may be any value.
  return type(mt) == "table" and rawget(mt, "__tostring") ~= nil
end

local type_order = { number = 1, string = 2, boolean = 3 }

-- "Natural" order for strings: digit runs compare as numbers, so field2 < field10.
local function natural_less(a, b)
  local i, j = 1, 1
  while i <= #a and j <= #b do
    local da, db = a:match("^%d+", i), b:match("^%d+", j)
    if da and db then
      local na, nb = da:gsub("^0+", ""), db:gsub("^0+", "")
      if #na ~= #nb then return #na < #nb end
      if na ~= nb then return na < nb end
      i, j = i + #da, j + #db
    else
      local ca, cb = a:sub(i, i), b:sub(j, j)
      if ca ~= cb then return ca < cb end
      i, j = i + 1, j + 1
    end
  end
  if (#a - i) ~= (#b - j) then return (#a - i) < (#b - j) end
  return a < b  -- equal under natural order ("a01" vs "a1"): fall back to bytes
end

local function key_less(a, b)
  local ta, tb = type(a), type(b)
  if ta ~= tb then
    return (type_order[ta] or 9) < (type_order[tb] or 9) or
      ((type_order[ta] or 9) == (type_order[tb] or 9) and ta < tb)
  end
  if ta == "number" then return a < b end
  if ta == "string" then return natural_less(a, b) end
  if ta == "boolean" then return (not a) and b end
  return tostring(a) < tostring(b)
end

local format_value

local function format_key(k, opts, seen, level)
  if type(k) == "string" and k:match("^[%a_][%w_]*$") and not keywords[k] then
    return k
  end
  return "[" .. format_value(k, opts, seen, level) .. "]"
end

local function format_table(t, opts, seen, level)
  if seen[t] then return "<cycle>" end
  local expanded = (seen[EXPANDED] or 0) + 1
  if level >= opts.depth or expanded > opts.max_tables then
    return next(t) == nil and "{}" or "{...}"
  end
  seen[EXPANDED] = expanded
  seen[t] = true

  -- Collect with pairs (honours __pairs: a bloop.set lists its members).
  local n = 0
  local keys, values = {}, {}
  for k, v in pairs(t) do
    n = n + 1
    keys[n], values[k] = k, v
  end
  -- The array part: 1..len with no holes, shown without keys.
  local len = 0
  while values[len + 1] ~= nil do len = len + 1 end
  local rest = {}
  for i = 1, n do
    local k = keys[i]
    if not (math.type(k) == "integer" and k >= 1 and k <= len) then rest[#rest + 1] = k end
  end
  table.sort(rest, key_less)

  local parts, shown = {}, 0
  local total = len + #rest
  for i = 1, len do
    if shown >= opts.max_items then break end
    shown = shown + 1
    parts[shown] = format_value(values[i], opts, seen, level + 1)
  end
  for _, k in ipairs(rest) do
    if shown >= opts.max_items then break end
    shown = shown + 1
    parts[shown] = format_key(k, opts, seen, level + 1) .. " = " ..
      format_value(values[k], opts, seen, level + 1)
  end
  if total > shown then parts[#parts + 1] = string.format("... (%d more)", total - shown) end
  seen[t] = nil  -- only a table inside itself is a cycle; shared subtables print again

  if #parts == 0 then return "{}" end
  local one = "{ " .. table.concat(parts, ", ") .. " }"
  if #one + #opts.indent * level <= opts.width and not one:find("\n", 1, true) then
    return one
  end
  local pad = opts.indent:rep(level + 1)
  return "{\n" .. pad .. table.concat(parts, ",\n" .. pad) .. "\n" ..
    opts.indent:rep(level) .. "}"
end

-- bloop's own modules, looked up only once loaded: pretty prints plain Lua values without
-- loading bloop, and no module here is required by the ones it inspects.
local function loaded(name) return package.loaded[name] end

local function cut(s, opts)
  if #s <= opts.max_string then return M.quote(s) end
  return M.quote(s:sub(1, opts.max_string)) .. ("...(%d more bytes)"):format(#s - opts.max_string)
end

-- A model object: Name{ col = value, ... } over its loaded columns (its __pairs).
local function format_object(v, model, opts, seen, level)
  if seen[v] then return "<cycle>" end
  seen[v] = true
  local parts = {}
  for name, x in pairs(v) do
    local text = type(x) == "string" and cut(x, opts) or format_value(x, opts, seen, level + 1)
    parts[#parts + 1] = format_key(name, opts, seen, level + 1) .. " = " .. text
  end
  seen[v] = nil
  local name = model.Meta.name
  if #parts == 0 then return name .. "{}" end
  local one = name .. "{ " .. table.concat(parts, ", ") .. " }"
  if #one + #opts.indent * level <= opts.width and not one:find("\n", 1, true) then
    return one
  end
  local pad = opts.indent:rep(level + 1)
  return name .. "{\n" .. pad .. table.concat(parts, ",\n" .. pad) .. "\n" ..
    opts.indent:rep(level) .. "}"
end

-- bloop's values and classes as they are written, or nil for anything else.
local function format_bloop(v, opts, seen, level)
  local values, model = loaded("bloop.values"), loaded("bloop.model")
  if values then
    local t = values.typename(v)
    if t == "decimal" or t == "uuid" then return ("%s(\"%s\")"):format(t, tostring(v)) end
    if t == "binary" then return "binary(" .. M.quote(v:bytes()) .. ")" end
    if t == "null" then return "null" end
  end
  if type(v) ~= "table" then return nil end
  if model then
    local cls = model.model_of(v)
    if cls then return format_object(v, cls, opts, seen, level) end
    if getmetatable(v) == getmetatable(model.Model) then
      local meta = v.Meta
      if meta.abstract or not meta.table_name then return ("<model %s>"):format(meta.name) end
      return ("<model %s (table %s)>"):format(meta.name, meta.table_name)
    end
  end
  local errors = loaded("bloop.errors")
  if errors and type(rawget(v, "name")) == "string" and errors.classes[rawget(v, "name")] == v then
    return ("<error class %s>"):format(v.name)
  end
  local bloop = loaded("bloop")
  if bloop ~= nil and v == bloop then
    local n = 0
    for _ in pairs(v) do n = n + 1 end
    return ("<module bloop %s: %d members; bloop.<Tab> lists them>"):format(
      tostring(v.version), n)
  end
  return nil
end

function format_value(v, opts, seen, level)
  local tv = type(v)
  if tv == "string" then return M.quote(v) end
  if tv == "table" or tv == "userdata" then
    local text = format_bloop(v, opts, seen, level)
    if text then return text end
  end
  if tv == "table" and not has_tostring(v) then return format_table(v, opts, seen, level) end
  return tostring(v)
end

local function options(opts)
  if opts == nil then return M.defaults end
  local o = {}
  for k, v in pairs(M.defaults) do
    if opts[k] == nil then o[k] = v else o[k] = opts[k] end
  end
  return o
end

--- Formats v; opts may override any field of M.defaults.
function M.format(v, opts)
  return format_value(v, options(opts), {}, 0)
end

--- Writes each argument formatted, separated by tabs, then a newline (like print).
function M.print(...)
  local n = select("#", ...)
  local out = {}
  for i = 1, n do out[i] = M.format((select(i, ...))) end
  io.stdout:write(table.concat(out, "\t"), "\n")
end

return setmetatable(M, {
  __call = function(_, ...) return M.print(...) end,
})
