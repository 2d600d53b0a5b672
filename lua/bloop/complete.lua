--- bloop.complete: the names the REPL offers on Tab.
--
-- Owns: completing a Lua name at the cursor: a global (`pri` -> `print`), a field
-- (`bloop.Eng` -> `bloop.Engine`), a method (`engine:sa` -> `engine:save`, only functions
-- after `:`). Fields come from the table itself, then its metatable's __index while that
-- is a table (objects: an engine's methods, a string's), and for bloop's models and model
-- objects, their columns (and a model's indexes) and the model's methods.
-- Completion only looks, never runs user code: it reads with rawget and never calls an
-- __index function (one may raise, fetch over the network, or count the call); the models'
-- columns are read from Meta, which bloop's own __index returns without side effects.
-- Does not own: file names (never offered) or the key bindings (repl.c).
--
--   require("bloop.complete")("bloop.Eng", _G)   --> { "bloop.Engine" }

local M = {}

local keywords = {}
for w in ([[and break do else elseif end false for function goto if in local nil not or
  repeat return then true until while]]):gmatch("%a+") do
  keywords[w] = true
end

local MAX_DEPTH = 16  -- __index chains followed; a longer (or cyclic) chain stops here

-- The model class of v when v is a bloop model (class) or model object, else nil;
-- and whether v is the class itself.
local function model_of(v)
  local model = package.loaded["bloop.model"]
  if model == nil or type(v) ~= "table" then return nil end
  local cls = model.model_of(v)
  if cls then return cls, false end
  if getmetatable(v) == getmetatable(model.Model) then return v, true end
  return nil
end

local function index_table(v)
  local mt = getmetatable(v)   -- honours __metatable, which may be any value
  if type(mt) ~= "table" then return nil end
  local idx = rawget(mt, "__index")
  return type(idx) == "table" and idx or nil
end

-- v[k] as far as looking can tell, or nil.
local function get(v, k, depth)
  depth = depth or 0
  if depth > MAX_DEPTH then return nil end
  local cls, is_class = model_of(v)
  if cls then
    local meta = cls.Meta
    if k == "Meta" then return meta end
    if is_class then
      local c = meta.columns_by_name[k] or meta.indexes_by_name[k]
      if c then return c end
      local own = rawget(v, k)
      if own ~= nil then return own end
      local parent = rawget(v, "__parent")
      return parent and get(parent, k, depth + 1)
    end
    if meta.columns_by_name[k] then return rawget(v, k) end   -- data: not looked at
    return get(cls, k, depth + 1)
  end
  if type(v) == "table" then
    local own = rawget(v, k)
    if own ~= nil then return own end
  end
  local idx = index_table(v)
  return idx and get(idx, k, depth + 1)
end

-- Adds to `out` (name -> value or true) every identifier key v shows.
local function names(v, out, depth)
  if depth > MAX_DEPTH then return end
  local cls, is_class = model_of(v)
  if cls then
    local meta = cls.Meta
    for _, c in ipairs(meta.columns) do out[c.name] = out[c.name] or true end
    if is_class then
      for _, i in ipairs(meta.indexes) do out[i.name] = out[i.name] or i end
      out.Meta = meta
      for k, x in next, v do
        if type(k) == "string" and not k:find("^__") then out[k] = out[k] or x end
      end
      local parent = rawget(v, "__parent")
      if parent then names(parent, out, depth + 1) end
    else
      names(cls, out, depth + 1)
    end
    return
  end
  if type(v) == "table" then
    for k, x in next, v do
      if type(k) == "string" and out[k] == nil then out[k] = x end
    end
  end
  local idx = index_table(v)
  if idx then names(idx, out, depth + 1) end
end

--- The completions of `word` (the text before the cursor back to the last character that
-- is not a letter, digit, `_`, `.` or `:`), looked up from `env` (the globals), sorted.
function M.complete(word, env)
  local path, sep, partial = word:match("^(.-)([.:]?)([%a_][%w_]*)$")
  if path == nil then path, sep, partial = word:match("^(.-)([.:])()$") end
  if path == nil then return {} end
  if type(partial) ~= "string" then partial = "" end
  local base = env
  if sep == "" then
    if path ~= "" then return {} end
  else
    if path == "" or path:find(":", 1, true) then return {} end
    for seg in (path .. "."):gmatch("(.-)%.") do
      if not seg:match("^[%a_][%w_]*$") then return {} end
      base = get(base, seg)
      if base == nil then return {} end
    end
  end
  local found = {}
  names(base, found, 0)
  if sep == "" then
    for k in pairs(keywords) do found[k] = found[k] or true end
  end
  local out = {}
  for k, x in pairs(found) do
    if type(k) == "string" and k:match("^[%a_][%w_]*$") and k:sub(1, #partial) == partial
       and not (sep ~= "" and keywords[k]) and (sep ~= ":" or type(x) == "function")
       and (partial:find("^__") or not k:find("^__")) then   -- metamethods when asked
      out[#out + 1] = path .. sep .. k
    end
  end
  table.sort(out)
  return out
end

return setmetatable(M, { __call = function(_, ...) return M.complete(...) end })
