-- bloop.errors: the error classes every bloop method raises.
--
-- An error is a table with `name`, `message` and, where DynamoDB answered, `code`,
-- `status` and `request_id` (plus `attempts`, `retried` and, when an attempt may have been
-- applied although no answer said so, `ambiguous = true`). The C binding builds the
-- tables; this module owns the classes, their hierarchy and `tostring`. Errors are raised,
-- never returned, so a forgotten check cannot turn a failure into a silent success.
local core = require("bloop.core")

local errors = { classes = {} }

local function describe(err)
  local parts = { err.name or "Error" }
  if err.code and err.code ~= err.name then parts[#parts + 1] = err.code end
  local line = table.concat(parts, ": ") .. ": " .. tostring(err.message or "")
  local extra = {}
  if err.status then extra[#extra + 1] = "HTTP " .. err.status end
  if err.request_id then extra[#extra + 1] = "request id " .. err.request_id end
  if err.attempts and err.attempts > 1 then extra[#extra + 1] = err.attempts .. " attempts" end
  if err.ambiguous then extra[#extra + 1] = "may have been applied" end
  if #extra > 0 then line = line .. " (" .. table.concat(extra, ", ") .. ")" end
  return line
end

-- Declares a class. `parent` is a class or nil.
local function class(name, parent)
  local cls = { name = name, parent = parent }
  cls.__index = cls
  cls.__name = "bloop." .. name
  cls.__tostring = describe
  if parent then setmetatable(cls, { __index = parent }) end
  -- cls:new{ message = ..., ... } makes the fields table an instance (named, with cls as its
  -- metatable); errors.raise is the usual way to make and raise one.
  cls.new = function(self, fields)
    fields = fields or {}
    fields.name = name
    return setmetatable(fields, cls)
  end
  errors.classes[name] = cls
  core.register_error_class(name, cls)
  return cls
end

local BloopError = class("BloopError")
class("ClientError", BloopError)
class("ConfigurationError", BloopError)
class("InvalidArgument", BloopError)
class("InvalidRequest", BloopError)
class("InvalidValue", BloopError)
class("ConstraintViolation", BloopError)
class("MissingObjects", BloopError)
class("TableMismatch", BloopError)
class("TransactionCanceled", BloopError)
class("InvalidModel", BloopError)
class("InvalidCondition", BloopError)
class("InvalidSearch", BloopError)
class("InvalidStream", BloopError)
class("RecordsExpired", BloopError)
-- bloop.schema: schema:load refuses the data; err.fields maps each bad field to a message.
class("ValidationError", BloopError)

-- is(err, Class): err is an instance of Class or of one of its subclasses.
function errors.is(err, cls)
  if type(err) ~= "table" or type(cls) ~= "table" then return false end
  local mt = getmetatable(err)
  while mt do
    if mt == cls then return true end
    mt = mt.parent
  end
  return false
end

-- raise(Class, message, fields): raises a new instance of Class. It takes no level: Lua
-- adds a position only to a string error, never to an object.
function errors.raise(cls, message, fields)
  fields = fields or {}
  fields.message = message
  error(cls:new(fields), 0)
end

-- ---- misuse: a caller's mistake -----------------------------------------------------------
-- In the Lua layer a wrong argument, an unknown option or a call the object's state does not
-- allow raises an InvalidArgument error object (code "InvalidArgument") whose message starts
-- with the caller's "file:line: ", as luaL_argerror's string does in C; tostring(err) shows
-- it ("InvalidArgument: app.lua:12: engine:save: ..."). (A wrong declaration or condition
-- raises InvalidModel / InvalidCondition through errors.raise instead.) Every such error is
-- made by errors.argerror; errors.rethrow passes on what bloop caught from its own calls.
--
-- The position is found, not counted. error(msg, 3) is right only while the raising helper
-- sits exactly that deep under the public function, and bloop's helpers do not: concrete()
-- is reached from bind, stream, explain and (through search_args) query and scan, each at
-- another depth; tail calls remove frames; a helper that gains a caller moves every message
-- it raises to a bloop file:line, silently. Instead `where` walks the stack to the first
-- frame that is not bloop's: not a Lua function from this directory (lua/bloop/, patterns
-- included: every bloop module is loaded through package.path from one tree, and
-- src/lua/runtime.c gives a precompiled module its .lua file's name), and not a C function
-- that bloop called (pcall, a core function calling back into Lua). That frame is the
-- caller's code whatever the depth. Where it is a C function the caller used to call bloop
-- (pcall(engine.save, engine, x)) there is no line, and the message has no position, as
-- luaL_where gives for a C caller and a hand-counted level gave before. The walk runs only
-- when an error is raised, a few debug.getinfo calls.
local getinfo = debug.getinfo
local HOME = getinfo(1, "S").source:match("^@.*[/\\]")   -- "@./lua/bloop/" or the like

local function ours(info)
  return HOME ~= nil and info.source:sub(1, #HOME) == HOME
end

-- "file:line: " of the first frame that is not bloop's, or "" (see above).
local function where()
  local level = 2                             -- 1 is where itself, bloop's like the rest
  while true do
    local info = getinfo(level, "Sl")
    if info == nil then return "" end
    if info.what == "C" then
      -- whose C function: the first Lua frame above it says (bloop's, or the caller's)
      local up = level + 1
      local above = getinfo(up, "S")
      while above ~= nil and above.what == "C" do
        up = up + 1
        above = getinfo(up, "S")
      end
      if above == nil or not ours(above) then return "" end
      level = up + 1
    elseif ours(info) then
      level = level + 1
    else
      return info.currentline > 0 and ("%s:%d: "):format(info.short_src, info.currentline) or ""
    end
  end
end

-- errors.locate(err): for a bloop error err, "file:line" of the innermost frame of the caller's own code, skipping
-- every C function and every bloop module, or nil. Unlike where() it looks past a C function
-- the caller used (pcall, error): the host's message handler calls it while an uncaught
-- error is still on the stack, to say where in the user's script it was raised.
function errors.locate(err)
  if not errors.is(err, errors.classes.BloopError) then return nil end
  local level = 2
  while true do
    local info = getinfo(level, "Sl")
    if info == nil then return nil end
    if info.what ~= "C" and not ours(info) and info.currentline > 0 then
      return ("%s:%d"):format(info.short_src, info.currentline)
    end
    level = level + 1
  end
end

-- errors.argerror(n, message): raises an InvalidArgument whose message is message at the
-- caller's position (see above). n: the position of the argument at fault, counted as
-- luaL_argerror counts (a method's self is not counted), or nil where no one argument is
-- (an option key, the object's state) or the message names it in words ("the second
-- argument"). A message that does not say "argument <n>" gets " (argument <n>)".
function errors.argerror(n, message)
  if n ~= nil and not message:find("argument " .. n, 1, true) then
    message = ("%s (argument %d)"):format(message, n)
  end
  errors.raise(errors.classes.InvalidArgument, where() .. message, { code = "InvalidArgument" })
end

-- errors.raise_at(Class, message, fields): raise(Class, ...) with the message at the
-- caller's position, as argerror places it: for a refused value or request the caller can
-- only find by its line (an update action a column cannot take).
function errors.raise_at(cls, message, fields)
  errors.raise(cls, where() .. message, fields)
end

-- ---- suggestions -----------------------------------------------------------------------

-- The optimal string alignment distance between a and b (Levenshtein's edits plus swapping
-- two neighbours: "emial" is one edit from "email").
local function distance(a, b)
  local prev2, prev, cur = {}, {}, {}
  for j = 0, #b do prev[j] = j end
  for i = 1, #a do
    cur = { [0] = i }
    for j = 1, #b do
      local cost = a:byte(i) == b:byte(j) and 0 or 1
      local d = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
      if i > 1 and j > 1 and a:byte(i) == b:byte(j - 1) and a:byte(i - 1) == b:byte(j) then
        d = math.min(d, prev2[j - 2] + 1)
      end
      cur[j] = d
    end
    prev2, prev = prev, cur
  end
  return prev[#b]
end

-- errors.nearest(name, candidates): the key of `candidates` (a table keyed by the known
-- names: a set, a name -> column map) nearest to the string name, when it is a likely
-- misspelling (at most 2 edits, and fewer than name has characters), else nil. Ties go to
-- the alphabetically first, so the answer never depends on table order.
function errors.nearest(name, candidates)
  if type(name) ~= "string" then return nil end
  local best, best_d = nil, math.min(2, #name - 1) + 1     -- best_d: beyond the limit
  for k in pairs(candidates) do
    if type(k) == "string" then
      local d = distance(name, k)
      if d < best_d or (d == best_d and best and k < best) then best, best_d = k, d end
    end
  end
  return best
end

-- errors.suggest(name, candidates): ' (did you mean "x"?)' for errors.nearest's x, or "".
function errors.suggest(name, candidates)
  local near = errors.nearest(name, candidates)
  return near and (' (did you mean "%s"?)'):format(near) or ""
end

-- errors.from_core(fn): fn, a function of bloop.core that a user calls through bloop, such
-- that its misuse errors are InvalidArgument objects at the caller's line like every other:
-- bloop.core raises plain strings (luaL_error, luaL_argerror), positioned at whatever called
-- it. The string's own position is dropped and where() gives the caller's; error objects
-- pass as they are.
local function from_core_result(ok, ...)
  if ok then return ... end
  local err = ...
  if type(err) ~= "string" then error(err, 0) end
  errors.raise(errors.classes.InvalidArgument, where() .. err:gsub("^[^\n]-:%d+: ", "", 1),
    { code = "InvalidArgument" })
end

function errors.from_core(fn)
  return function(...) return from_core_result(pcall(fn, ...)) end
end

-- errors.where(): "file:line: " of the caller's code (see where above), for a message of
-- an error object that a caller's value caused.
errors.where = where

-- errors.rethrow(err): raises again what bloop caught from a call it made: an error object as
-- it is, a string (a C function's luaL_error) at the caller's position, as argerror places it.
function errors.rethrow(err)
  if type(err) == "string" then err = where() .. err end
  error(err, 0)
end

-- errors.rethrow_at(err): rethrow(err), an error object's message starting at the caller's
-- position when it does not yet: for a value the C core refused only when it dumped the
-- item (a Map's unknown key, a value too deep), which the caller finds by its line.
function errors.rethrow_at(err)
  if type(err) == "table" and type(err.message) == "string" then
    local at = where()
    if at ~= "" and err.message:sub(1, #at) ~= at then err.message = at .. err.message end
  end
  errors.rethrow(err)
end

return errors
