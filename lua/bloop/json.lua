-- bloop.json: objects to JSON text and back (Python bloop's "Json Serialization"), over lua-cjson.
--
--   local json = require("bloop.json")
--   json.encode(user)                        --> '{"id":"…","tags":["a","b"],…}'
--   json.encode({ u1, u2 }, { indent = 2, sort_keys = true })
--   json.serialize(user)                     --> the same as plain Lua tables
--   local copy = json.decode(User, text)     --> a User (or a list of them for a JSON array)
--
-- Options (every one optional): use_float (true: decimals, the values of Number columns,
-- are JSON numbers, through a double; false: exact strings), explicit_none (false: an absent
-- column is left out; true: it is written as null), indent (false: compact; n >= 0: n spaces
-- per level, one member per line; true: 2), sort_keys (false: a model's columns come in
-- declaration order; true: sorted as every other object is). Lua tables keep no order, so
-- Map fields, dynamic maps and plain tables are always written with sorted keys: the output
-- is stable either way.
--
-- Per type, as encode writes it and decode reads it back:
--   String, UUID, DateTime     string (DateTime as bloop writes it, ISO 8601 with +00:00)
--   Timestamp                  ISO 8601 string (decode also takes epoch seconds)
--   Number                     number (use_float) or exact string; decode takes either
--   Integer, Float             number (integers exactly, floats in their shortest form)
--   Binary                     base64 string
--   Boolean                    true / false
--   Set(T)                     array of T's JSON, sorted (numbers by value, others by bytes)
--   List(T), Map{...}          array / object of their members' JSON
--   DynamicList, DynamicMap    arrays and objects; scalars as their Lua shape says. Where plain
--                              JSON cannot tell a value apart, a one-key object tags it:
--                              {"$B": base64} a binary, {"$SS"|"$NS"|"$BS": [...]} a set,
--                              {"$N": "text"} a decimal under use_float = false, and
--                              {"$M": {...}} a map that would itself read as a tag.
-- Values decode through the types: a scalar is read into its wire form and loaded by the
-- type (`typedef:load`), so decode gives what a load from DynamoDB gives, and encode then
-- decode gives back every value exactly (a Number through use_float keeps what a double
-- keeps; a Lua float inside a dynamic value comes back as the decimal a load gives). Empty
-- sets, lists and maps are kept ([] and {}), unlike a save.
--
-- User types: a type class may define `json_dump(self, value, opts)`, returning a JSON-able
-- Lua value (bloop values allowed), and `json_load(self, json, opts)`, taking that JSON as
-- plain Lua values (numbers as Lua numbers, null as bloop.null) and returning the column
-- value. Without them a type that overrides dynamo_dump / dynamo_load is written as the JSON
-- of the wire value its dynamo_dump gives (by its kind, as above) and read back through its
-- dynamo_load; any other subclass uses its built-in kind.
--
-- decode(Model, text) builds objects as a load does: the values are stored through
-- Column:store (a Column subclass's `set` does not run) and every key the JSON holds is
-- marked as assigned, so a save writes those values and REMOVEs the columns given as null.
-- A key that names no column raises. Numbers are read from their text, never through a
-- double (cjson 2.1 reads every number as a double and writes only 14 digits, so numbers
-- are written and scanned here; cjson parses the structure and escapes the strings).
-- Errors: bad options raise InvalidArgument; a value a type refuses, malformed JSON or JSON
-- of the wrong shape raise InvalidValue naming the path (code "InvalidJSON" for malformed).
local cjson = require("cjson")
local core = require("bloop.core")
local errors = require("bloop.errors")
local types = require("bloop.types")
local set = require("bloop.set")
local model_mod = require("bloop.model")
local column_mod = require("bloop.column")
local values = require("bloop.values")

local K = core.type_kinds
local null = core.null
local Decimal, DateTime, UUID, Binary = core.Decimal, core.datetime.DateTime, core.UUID, core.Binary
local InvalidValue = errors.classes.InvalidValue
local byte, char, sub, find, format, concat = string.byte, string.char, string.sub,
  string.find, string.format, table.concat

local M = {}

-- Arrays serialize returns carry this metatable, so an empty one stays [] when written.
M.array_mt = setmetatable({ __name = "bloop.json.array" }, { __mode = "k" })
local array_mt = M.array_mt
local function array(t) return setmetatable(t or {}, array_mt) end
function M.is_array(t) return getmetatable(t) == array_mt end

-- Objects made from models remember their column order here (weak), for sort_keys = false.
local column_order = setmetatable({}, { __mode = "k" })

local function fail(path, msg, code)
  errors.raise(InvalidValue, (path and path ~= "" and (path .. ": ") or "") .. msg,
    { code = code or "InvalidValue" })
end

-- ---- options ----------------------------------------------------------------------------

local defaults = { use_float = true, explicit_none = false, indent = false, sort_keys = false }

local function options(opts, n)
  if opts == nil then opts = {} end
  if type(opts) ~= "table" then errors.argerror(n, "options must be a table") end
  local o = {}
  for k in pairs(opts) do
    if defaults[k] == nil then
      errors.argerror(nil, ("unknown option %s%s"):format(
        type(k) == "string" and ("%q"):format(k) or tostring(k), errors.suggest(k, defaults)))
    end
  end
  for k, d in pairs(defaults) do
    local v = opts[k]
    if v == nil then v = d end
    if k == "indent" then
      if v == true then v = 2 end
      if v ~= false and (math.type(v) ~= "integer" or v < 0) then
        errors.argerror(nil, "option indent must be false, true or a whole number >= 0")
      end
    elseif type(v) ~= "boolean" then
      errors.argerror(nil, ("option %s must be a boolean"):format(k))
    end
    o[k] = v
  end
  return o
end

-- ---- base64 -----------------------------------------------------------------------------

local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local b64_index = {}
for i = 1, 64 do b64_index[byte(B64, i)] = i - 1 end

function M.base64_encode(s)
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = byte(s, i, i + 2)
    local n = (a << 16) | ((b or 0) << 8) | (c or 0)
    local q = { (n >> 18) & 63, (n >> 12) & 63, (n >> 6) & 63, n & 63 }
    local chunk = {}
    for j = 1, 4 do chunk[j] = sub(B64, q[j] + 1, q[j] + 1) end
    if c == nil then chunk[4] = "=" end
    if b == nil then chunk[3] = "=" end
    out[#out + 1] = concat(chunk)
  end
  return concat(out)
end

-- The bytes of base64 text, or nil when it is not canonical base64 (padded, no spaces).
function M.base64_decode(s)
  if #s % 4 ~= 0 or find(s, "[^%w%+/=]") or find(s, "=[^=]") or find(s, "===$") then
    return nil
  end
  local out = {}
  for i = 1, #s, 4 do
    local n, pad = 0, 0
    for j = i, i + 3 do
      local c = byte(s, j)
      if c == 61 then pad = pad + 1; n = n << 6 else n = (n << 6) | b64_index[c] end
    end
    local bytes = char((n >> 16) & 255, (n >> 8) & 255, n & 255)
    out[#out + 1] = sub(bytes, 1, 3 - pad)
  end
  local bytes = concat(out)
  if M.base64_encode(bytes) ~= s then return nil end   -- stray bits in the padding
  return bytes
end

-- ---- writing ----------------------------------------------------------------------------

-- The shortest text that reads back as the same double, always marked as a float.
local function float_text(x, path)
  if x ~= x or x == math.huge or x == -math.huge then fail(path, "NaN or infinity has no JSON form") end
  local s
  for p = 15, 17 do
    s = format("%." .. p .. "g", x)
    if tonumber(s) == x then break end
  end
  if not find(s, "[%.eEn]") then s = s .. ".0" end
  return s
end

local function string_text(s, path)
  if not utf8.len(s) then
    fail(path, "string is not valid UTF-8 (bytes belong in a Binary column or a bloop.binary)")
  end
  -- cjson escapes "/" as "\/"; undo it (safe: after cjson, "\/" only ever is that escape)
  return (cjson.encode(s):gsub("\\/", "/"))
end

local function sorted_keys(t, path)
  local keys = {}
  for k in next, t do
    if type(k) ~= "string" then fail(path, "an object key must be a string, got " .. type(k)) end
    keys[#keys + 1] = k
  end
  table.sort(keys)
  return keys
end

local function is_sequence(t)
  local n = rawlen(t)
  if n == 0 then return false end
  local count = 0
  for _ in next, t do count = count + 1 end
  return count == n
end

local write

local function write_table(out, t, o, depth, path)
  if depth > 200 then fail(path, "nested too deeply (a cycle?)") end
  local nl, pad, inner_pad = "", "", ""
  if o.indent then
    nl = "\n"
    pad = ("\n" .. (" "):rep(o.indent * depth))
    inner_pad = ("\n" .. (" "):rep(o.indent * (depth + 1)))
  end
  if getmetatable(t) == array_mt or is_sequence(t) then
    local n = rawlen(t)
    if n == 0 then out[#out + 1] = "[]"; return end
    out[#out + 1] = "["
    for i = 1, n do
      out[#out + 1] = (i > 1 and "," or "") .. inner_pad
      write(out, rawget(t, i), o, depth + 1, path .. "[" .. i .. "]")
    end
    out[#out + 1] = pad .. "]"
    return
  end
  local keys = (not o.sort_keys and column_order[t]) or sorted_keys(t, path)
  if #keys == 0 then out[#out + 1] = "{}"; return end
  out[#out + 1] = "{"
  local colon = nl ~= "" and ": " or ":"
  for i, k in ipairs(keys) do
    out[#out + 1] = (i > 1 and "," or "") .. inner_pad .. string_text(k, path) .. colon
    write(out, rawget(t, k), o, depth + 1, path == "" and k or (path .. "." .. k))
  end
  out[#out + 1] = pad .. "}"
end

write = function(out, v, o, depth, path)
  local tv = type(v)
  if v == null then out[#out + 1] = "null"
  elseif tv == "string" then out[#out + 1] = string_text(v, path)
  elseif tv == "boolean" then out[#out + 1] = tostring(v)
  elseif tv == "number" then
    out[#out + 1] = math.type(v) == "integer" and format("%d", v) or float_text(v, path)
  elseif tv == "table" then write_table(out, v, o, depth, path)
  else fail(path, "cannot write a " .. tv .. " as JSON") end
end

-- ---- scalars: Lua value -> wire -> JSON ----------------------------------------------------

local function hook(t, name)
  local f = t[name]
  if type(f) == "function" then return f end
  return nil
end

local function number_json(text, o)
  if o.use_float then return tonumber(text) + 0.0 end
  return text
end

-- The JSON of one scalar wire text (S / N / B member text) of the scalar type t.
local function scalar_json(t, tag, x, o)
  local kind = t._kind
  if tag == "B" then return M.base64_encode(x) end
  if tag == "BOOL" then return x end
  if kind == K.Timestamp then return t:load({ N = x }):isoformat() end
  if tag == "N" then
    if kind == K.Integer then return math.tointeger(tonumber(x)) or tonumber(x) end
    if kind == K.Float then return tonumber(x) + 0.0 end
    return number_json(x, o)
  end
  return x
end

-- JSON for a dynamic value's wire form (also sets and overridden containers' members).
local dynamic_of_wire

local TAGS = { ["$B"] = true, ["$SS"] = true, ["$NS"] = true, ["$BS"] = true, ["$N"] = true,
  ["$M"] = true }

local function dyn_number(text, o)
  local v = core.type_load(types.instance(types.Dynamic), { N = text })
  if math.type(v) == "integer" then return v end
  if o.use_float then return v:tonumber() + 0.0 end
  return { ["$N"] = tostring(v) }
end

local function sort_members(tag, members)
  local keyed = {}
  for i, m in ipairs(members) do keyed[i] = { m, tag == "NS" and core.decimal(m) or m } end
  table.sort(keyed, function(a, b) return a[2] < b[2] end)
  for i, k in ipairs(keyed) do members[i] = k[1] end
  return members
end

local function wrap_map(obj)
  local only = next(obj)
  if only ~= nil and next(obj, only) == nil and TAGS[only] then return { ["$M"] = obj } end
  return obj
end

dynamic_of_wire = function(w, o)
  local tag, x = next(w)
  if tag == "S" or tag == "BOOL" then return x end
  if tag == "NULL" then return null end
  if tag == "N" then return dyn_number(x, o) end
  if tag == "B" then return { ["$B"] = M.base64_encode(x) } end
  if tag == "SS" or tag == "NS" or tag == "BS" then
    local out = array()
    for i, m in ipairs(sort_members(tag, { table.unpack(x) })) do
      if tag == "SS" then out[i] = m
      elseif tag == "BS" then out[i] = M.base64_encode(m)
      else out[i] = o.use_float and dyn_number(m, o) or tostring(core.decimal(m)) end
    end
    return { ["$" .. tag] = out }
  end
  if tag == "L" then
    local out = array()
    for i, e in ipairs(x) do out[i] = dynamic_of_wire(e, o) end
    return out
  end
  local out = {}
  for k, e in pairs(x) do out[k] = dynamic_of_wire(e, o) end
  return wrap_map(out)
end

-- ---- encoding by type ---------------------------------------------------------------------

local encode_value

local function join(path, key)
  if math.type(key) == "integer" then return path .. "[" .. key .. "]" end
  return path == "" and key or (path .. "." .. key)
end

-- a set: its wire members, sorted, each as the element type writes it
local function encode_set(t, v, o, path)
  if getmetatable(v) == set.Set and #v == 0 then return array() end
  local w = t:dump(v, nil, path)
  local tag, members = next(w)
  local inner, h = t.inner, hook(t.inner, "json_dump")
  local out = array()
  for i, m in ipairs(sort_members(tag, { table.unpack(members) })) do
    if h then out[i] = M.plain(h(inner, inner:load({ [tag:sub(1, 1)] = m }), o), o, path)
    else out[i] = scalar_json(inner, tag:sub(1, 1), m, o) end
  end
  return out
end

-- a dynamic value, by its Lua shape (tables walked here so empty ones stay)
local function encode_dynamic(v, o, path)
  if type(v) ~= "table" or getmetatable(v) ~= nil then
    if getmetatable(v) == set.Set and #v == 0 then return { ["$SS"] = array() } end
    local w = core.type_dump(types.instance(types.Dynamic), v, nil, path)
    return w and dynamic_of_wire(w, o)
  end
  local n = rawlen(v)
  if n > 0 and is_sequence(v) then
    local out = array()
    for i = 1, n do
      local e = rawget(v, i)
      out[i] = e == null and null or encode_dynamic(e, o, join(path, i))
      if out[i] == nil then out[i] = null end
    end
    return out
  end
  local out = {}
  for k, e in next, v do
    if type(k) ~= "string" then
      fail(path, "a dynamic value mixes list items and named fields, or has a non-string key")
    end
    out[k] = encode_dynamic(e, o, join(path, k))
  end
  return wrap_map(out)
end

-- a type whose dynamo_dump is the user's: the JSON of the wire it writes
local function json_of_wire(t, w, o)
  local kind = t._kind
  if w == nil then return nil end
  if w.NULL then return null end
  local h = hook(t, "json_dump")
  if h then return M.plain(h(t, t:load(w), o), o, "") end
  if kind == K.Dynamic or kind == K.DynamicList or kind == K.DynamicMap then
    return dynamic_of_wire(w, o)
  end
  local tag, x = next(w)
  if kind == K.List then
    local out = array()
    for i, e in ipairs(x) do
      local v = json_of_wire(t.inner, e, o)
      if v == nil then v = null end
      out[i] = v
    end
    return out
  elseif kind == K.Map then
    local out = {}
    for k, e in pairs(x) do if t.types[k] then out[k] = json_of_wire(t.types[k], e, o) end end
    return out
  elseif kind == K.Set then
    local out = array()
    for i, m in ipairs(sort_members(tag, { table.unpack(x) })) do
      out[i] = scalar_json(t.inner, tag:sub(1, 1), m, o)
    end
    return out
  end
  return scalar_json(t, tag, x, o)
end

encode_value = function(t, v, o, path)
  if v == nil then return nil end
  local h = hook(t, "json_dump")
  if h then return M.plain(h(t, v, o), o, path) end
  local kind = t._kind
  if rawget(t, "_dump_lua") then return json_of_wire(t, t:dump(v, nil, path), o) end
  if kind == K.Set then return encode_set(t, v, o, path) end
  if kind == K.Dynamic or kind == K.DynamicList or kind == K.DynamicMap then
    if type(v) == "table" and getmetatable(v) == nil and next(v) == nil then
      return kind == K.DynamicList and array() or {}
    end
    t:dump(v, nil, path)      -- refuses a value the column cannot hold, as a save would
    return encode_dynamic(v, o, path)
  end
  if kind == K.List or kind == K.Map then
    if type(v) ~= "table" or getmetatable(v) ~= nil then t:dump(v, nil, path) end
    if kind == K.List then
      local out = array()
      for i = 1, #v do
        local e = v[i]
        if e ~= null then e = encode_value(t.inner, e, o, join(path, i)) end
        if e == nil then e = null end
        out[i] = e
      end
      return out
    end
    local out = {}
    for _, name in ipairs(t._fields) do
      out[name] = encode_value(t.types[name], v[name], o, join(path, name))
    end
    return out
  end
  return json_of_wire(t, t:dump(v, nil, path), o)
end

-- ---- untyped values and models --------------------------------------------------------------

local function serialize_model(obj, o, path)
  local meta = obj.Meta
  local out, order = {}, {}
  if path == "" then path = meta.name end
  for _, c in ipairs(meta.columns) do
    local v = encode_value(c.typedef, c:get(obj), o, join(path, c.name))
    if v == nil and o.explicit_none then v = null end
    if v ~= nil then
      out[c.name] = v
      order[#order + 1] = c.name
    end
  end
  column_order[out] = order
  return out
end

-- untyped set members: numbers and decimals by value, binaries by bytes, else by text
local function member_less(a, b)
  local ka, kb = values.typename(a), values.typename(b)
  local na, nb = ka == "number" or ka == "decimal", kb == "number" or kb == "decimal"
  if na and nb then return a < b end
  if ka ~= kb then return ka < kb end
  if ka == "binary" then return a:bytes() < b:bytes() end
  if ka == "string" then return a < b end
  return tostring(a) < tostring(b)
end

-- plain(v, o, path): a JSON-able plain value for any Lua value: models by their columns,
-- bloop values as their types write them, tables member by member (Python bloop's `default`).
function M.plain(v, o, path)
  local tv, mt = type(v), getmetatable(v)
  if model_mod.model_of(v) then return serialize_model(v, o, path) end
  if mt == set.Set then
    local members = v:totable()
    table.sort(members, member_less)
    local out = array()
    for i, m in ipairs(members) do out[i] = M.plain(m, o, join(path, i)) end
    return out
  end
  if mt == DateTime then return v:isoformat() end
  if mt == UUID then return tostring(v) end
  if mt == Decimal then return o.use_float and v:tonumber() + 0.0 or tostring(v) end
  if mt == Binary then return M.base64_encode(v:bytes()) end
  if tv == "table" and mt ~= array_mt and mt ~= nil then
    fail(path, "cannot serialize a " .. tostring(mt.__name or "table with a metatable"))
  end
  if tv == "table" then
    local out = setmetatable({}, mt)
    for k, e in next, v do out[k] = M.plain(e, o, join(path, type(k) == "number" and k or tostring(k))) end
    if column_order[v] then column_order[out] = column_order[v] end
    return out
  end
  if v == null or tv == "string" or tv == "number" or tv == "boolean" then return v end
  fail(path, "cannot serialize a " .. tv)
end

-- serialize(obj_or_list, opts): plain Lua tables (arrays carry json.array_mt).
function M.serialize(v, opts)
  return M.plain(v, options(opts, 2), "")
end

-- encode(obj_or_list, opts): JSON text.
function M.encode(v, opts)
  local o = options(opts, 2)
  local out = {}
  write(out, M.plain(v, o, ""), o, 0, "")
  return concat(out)
end

-- ---- reading -------------------------------------------------------------------------------
-- cjson parses the structure. Before it does, every number token becomes the string
-- "\0n<token>" and every empty array the string "\0a" (cjson reads [] and {} alike), and a
-- string of the text that starts with \u0000 gets one more: after parsing, a string starting
-- with "\0" is one of ours or a string to give back without its first byte. No other way to
-- reach a "\0" exists: JSON text cannot hold a raw NUL.

local NUM = { __name = "bloop.json.number" }   -- a number token, kept as text
local function is_num(j) return getmetatable(j) == NUM end

local function json_number(tok)
  local int, rest = tok:match("^%-?(%d+)(.*)$")
  if not int or (#int > 1 and byte(int) == 48) then return false end
  rest = rest:gsub("^%.%d+", "", 1)
  rest = rest:gsub("^[eE][%+%-]?%d+", "", 1)
  return rest == ""
end

-- The text with numbers and empty arrays protected, or nil where the text is malformed.
local function protect(text)
  local out, p, i = {}, 1, 1
  while true do
    local s = find(text, '[%-%d"%[]', i)
    if not s then break end
    local c = byte(text, s)
    if c == 34 then                                   -- a string: skip it
      local q = s + 1
      if sub(text, q, q + 5) == "\\u0000" then
        out[#out + 1] = sub(text, p, s) .. "\\u0000"
        p = q
      end
      while true do
        local e = find(text, '["\\]', q)
        if not e then return nil end
        if byte(text, e) == 92 then q = e + 2 else q = e + 1; break end
      end
      i = q
    elseif c == 91 then                               -- [
      local _, e = find(text, "^%s*%]", s + 1)
      if e then
        out[#out + 1] = sub(text, p, s - 1) .. '"\\u0000a"'
        p = e + 1
      end
      i = (e or s) + 1
    else                                              -- a number
      local e = find(text, "[^%d%.eE%+%-]", s) or #text + 1
      local tok = sub(text, s, e - 1)
      if not json_number(tok) then return nil end
      out[#out + 1] = sub(text, p, s - 1) .. '"\\u0000n' .. tok .. '"'
      p, i = e, e
    end
  end
  out[#out + 1] = sub(text, p)
  return concat(out)
end

local function restore(v)
  if type(v) == "string" then
    if byte(v) ~= 0 then return v end
    local tag = byte(v, 2)
    if tag == 110 then return setmetatable({ text = sub(v, 3) }, NUM) end   -- n
    if tag == 97 and #v == 2 then return array() end                        -- a
    return sub(v, 2)
  end
  if type(v) ~= "table" then return v end
  local out = rawlen(v) > 0 and array() or {}
  for k, e in next, v do out[restore(k)] = restore(e) end
  return out
end

local function parse(text)
  local safe = protect(text)
  local ok, tree = pcall(cjson.decode, safe or text)
  if not ok or safe == nil then
    local ok2, err = pcall(cjson.decode, text)
    fail(nil, "malformed JSON: " .. tostring(ok2 and "bad number" or err):gsub("^.-:%d+: ", ""),
      "InvalidJSON")
  end
  return restore(tree)
end

-- An empty Lua table given to load_value: cjson and Lua write [] and {} alike, so it reads
-- as whichever of the two the type wants.
local EMPTY = { __name = "bloop.json.empty" }

local function jtype(j)
  if j == null then return "null" end
  if is_num(j) then return "number" end
  if getmetatable(j) == EMPTY then return "empty" end
  if type(j) == "table" then return getmetatable(j) == array_mt and "array" or "object" end
  return type(j)
end

local function expect(j, want, path)
  local jt = jtype(j)
  if jt == "empty" and (want == "array" or want == "object") then return end
  if jt ~= want then fail(path, ("expected %s %s, got %s"):format(
    want == "array" and "an" or (want == "object" and "an" or "a"), want, jtype(j))) end
end

-- plain JSON for a user's json_load: numbers as Lua numbers, null as bloop.null
local function to_plain(j)
  if is_num(j) then return math.tointeger(tonumber(j.text)) or tonumber(j.text) end
  if type(j) ~= "table" then return j end
  local out = setmetatable({}, getmetatable(j))
  for k, e in next, j do out[k] = to_plain(e) end
  return out
end

-- ---- decoding by type -----------------------------------------------------------------------

local decode_value, wire_of_json

local function base64_bytes(j, path)
  expect(j, "string", path)
  local bytes = M.base64_decode(j)
  if bytes == nil then fail(path, "expected base64 text, got " .. ("%q"):format(j)) end
  return bytes
end

-- The wire form of a scalar of type t from its JSON.
local function scalar_wire(t, j, path)
  local b = t.backing_type
  if t._kind == K.Timestamp and type(j) == "string" then
    local ok, dt = pcall(core.datetime.parse, j)
    if not ok then fail(path, ("expected an ISO 8601 time, got %q"):format(j)) end
    return core.type_dump(types.instance(types.Timestamp), dt)
  end
  if b == "N" then
    if is_num(j) then return { N = j.text } end
    if type(j) == "string" then return { N = j } end
    expect(j, "number", path)
  elseif b == "B" then return { B = base64_bytes(j, path)
  } elseif b == "BOOL" then expect(j, "boolean", path); return { BOOL = j }
  end
  expect(j, "string", path)
  return { S = j }
end

local function member_text(t, j, path)
  local _, x = next(scalar_wire(t, j, path))
  return x
end

-- The wire form of a dynamic value from its JSON (tags read, see the header).
local function dynamic_wire(j, path, untagged)
  local jt = jtype(j)
  if jt == "string" then return { S = j } end
  if jt == "number" then return { N = j.text } end
  if jt == "boolean" then return { BOOL = j } end
  if jt == "null" then return { NULL = true } end
  if jt == "array" then
    local out = {}
    for i, e in ipairs(j) do out[i] = dynamic_wire(e, join(path, i)) end
    return { L = out }
  end
  local only = next(j)
  if not untagged and only ~= nil and next(j, only) == nil and TAGS[only] then
    local x, p = j[only], join(path, only)
    if only == "$M" then expect(x, "object", p); return dynamic_wire(x, path, true) end
    if only == "$B" then return { B = base64_bytes(x, p) } end
    if only == "$N" then expect(x, "string", p); return { N = x } end
    expect(x, "array", p)
    local tag, members = sub(only, 2), {}
    for i, e in ipairs(x) do
      local ep = join(p, i)
      if tag == "SS" then expect(e, "string", ep); members[i] = e
      elseif tag == "BS" then members[i] = base64_bytes(e, ep)
      elseif is_num(e) then members[i] = e.text
      else expect(e, "string", ep); members[i] = e end
    end
    return { [tag] = members }
  end
  local out = {}
  for k, e in next, j do out[k] = dynamic_wire(e, join(path, k)) end
  return { M = out }
end

-- A Map's JSON object, each field read by each(field_type, json, o, path); a key that
-- names no field raises.
local function map_fields(t, j, o, path, each)
  expect(j, "object", path)
  local out = {}
  for k, e in next, j do
    local ft = t.types[k]
    if not ft then
      fail(path, ("%s has no field %q%s"):format(tostring(t), k, errors.suggest(k, t.types)))
    end
    out[k] = each(ft, e, o, join(path, k))
  end
  return out
end

-- The wire form of any value of type t from its JSON (a type whose dynamo_load is the
-- user's reads that, and Sets read their members so).
wire_of_json = function(t, j, o, path)
  if j == null then return nil end
  local h = hook(t, "json_load")
  if h then return t:dump(h(t, to_plain(j), o), nil, path) end
  local kind = t._kind
  if kind == K.Dynamic or kind == K.DynamicList or kind == K.DynamicMap then
    if kind ~= K.Dynamic then expect(j, kind == K.DynamicList and "array" or "object", path) end
    return dynamic_wire(j, path)
  elseif kind == K.List then
    expect(j, "array", path)
    local out = {}
    for i, e in ipairs(j) do out[i] = wire_of_json(t.inner, e, o, join(path, i)) or { NULL = true } end
    return { L = out }
  elseif kind == K.Map then
    return { M = map_fields(t, j, o, path, wire_of_json) }
  elseif kind == K.Set then
    expect(j, "array", path)
    local out, inner = {}, t.inner
    local ih = hook(inner, "json_load")
    for i, e in ipairs(j) do
      local ep = join(path, i)
      if ih then
        local _, x = next(inner:dump(ih(inner, to_plain(e), o), nil, ep))
        out[i] = x
      else
        out[i] = member_text(inner, e, ep)
      end
    end
    return { [t.backing_type] = out }
  end
  return scalar_wire(t, j, path)
end

-- t:load(w), its InvalidValue naming the path (a load names the wire form, not the JSON)
local function load_at(t, w, path)
  local ok, v = pcall(t.load, t, w)
  if ok then return v end
  if errors.is(v, InvalidValue) and type(v.message) == "string" then
    v.message = path .. ": " .. v.message:gsub("^wire[^:]*: ", "")
  end
  error(v, 0)
end

decode_value = function(t, j, o, path)
  if j == null then return nil end
  local h = hook(t, "json_load")
  if h then return h(t, to_plain(j), o) end
  local kind = t._kind
  if not rawget(t, "_load_lua") then
    if kind == K.Set and (jtype(j) == "array" or jtype(j) == "empty") and #j == 0 then return set.new() end
    if kind == K.List then
      expect(j, "array", path)
      local out = {}
      for i, e in ipairs(j) do
        local v = decode_value(t.inner, e, o, join(path, i))
        if v == nil then v = null end
        out[i] = v
      end
      return out
    elseif kind == K.Map then
      return map_fields(t, j, o, path, decode_value)
    elseif (kind == K.DynamicList or kind == K.DynamicMap) and jtype(j) ~= "null"
        and type(j) == "table" and next(j) == nil then
      return {}
    end
  end
  return load_at(t, wire_of_json(t, j, o, path), path)
end

local function decode_object(model, j, o, path)
  local meta = model.Meta
  expect(j, "object", path)
  local obj = meta.init()
  local marked = rawget(obj, column_mod.MARKED)
  for k, e in next, j do
    local c = meta.columns_by_name[k]
    if not c then
      fail(path, ("%s has no column %s%s"):format(meta.name, k, errors.suggest(k, meta.columns_by_name)))
    end
    c:store(obj, decode_value(c.typedef, e, o, join(path, k)))
    if marked then marked[k] = true end
  end
  return obj
end

-- decode(Model, text [, opts]): an object of Model from a JSON object, or a list of them from
-- a JSON array. Options as encode's (none changes what is read: numbers and strings are both
-- read for Number columns).
function M.decode(model, text, opts)
  if not model_mod.is_model(model) then errors.argerror(1, "decode: a model class is required") end
  if type(text) ~= "string" then
    errors.argerror(2, ("decode: JSON text expected, got %s"):format(type(text)))
  end
  local o = options(opts, 3)
  local tree = parse(text)
  local name = model.Meta.name
  if jtype(tree) == "array" then
    local out = {}
    for i, e in ipairs(tree) do out[i] = decode_object(model, e, o, ("%s[%d]"):format(name, i)) end
    return out
  end
  return decode_object(model, tree, o, name)
end

-- ---- plain Lua values (bloop.schema) ----------------------------------------------------------

-- The parsed form of a plain Lua value: numbers as their exact text, sequences as arrays,
-- empty tables as EMPTY, bloop values (decimals, datetimes, ...) as encode writes them.
local exact = { use_float = false, explicit_none = false }
local function from_plain(v, path)
  local tv, mt = type(v), getmetatable(v)
  if tv == "number" then
    return setmetatable({ text = math.type(v) == "integer" and format("%d", v) or float_text(v, path) }, NUM)
  end
  if tv == "userdata" and v ~= null then return from_plain(M.plain(v, exact, path), path) end
  if tv ~= "table" or mt == NUM then return v end
  if mt ~= nil and mt ~= array_mt and mt ~= EMPTY then return from_plain(M.plain(v, exact, path), path) end
  if next(v) == nil then return setmetatable({}, mt == array_mt and array_mt or EMPTY) end
  local out = (mt == array_mt or is_sequence(v)) and array() or {}
  for k, e in next, v do out[k] = from_plain(e, join(path, k)) end
  return out
end

-- load_value(typedef, v, path): the column value of type typedef from v, JSON as plain Lua
-- values (what cjson.decode gives; numbers may be Lua numbers or text, bloop values are
-- taken as they are written) or as parse_tree gives it. A value the type refuses raises
-- InvalidValue naming path. null and nil give nil.
function M.load_value(typedef, v, path)
  if v == nil then return nil end
  return decode_value(typedef, from_plain(v, path or ""), exact, path or "")
end

-- parse_tree(text): JSON text parsed for load_value (numbers exact, [] told from {}). Raises
-- InvalidValue (code "InvalidJSON") for malformed text.
function M.parse_tree(text) return parse(text) end

-- tree_type(j): "object", "array", "string", "number", "boolean", "null" or "empty".
M.tree_type = jtype

return M
