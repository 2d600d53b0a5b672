-- bloop.stream: engine:stream(Model, position).
--
--   local stream = engine:stream(User, "trim_horizon")   -- or "latest", a bloop.datetime, a token
--   local record = stream:next()     -- nil when nothing is new (bounded work, never a busy loop)
--   record.key, record.old, record.new   -- model instances (nil when the stream lacks them)
--   record.meta.created_at, record.meta.sequence_number, record.meta.event.{id,type,name,version}
--   local token = stream.token       -- a plain table: cjson.encode it, decode it, resume with
--   engine:stream(User, token)
--   stream:heartbeat()               -- on a quiet stream, every few minutes
--   stream:move_to(position)
--
-- The shard tree, iterators, ordering and token live in the C core (include/bloop/stream.h).
-- The stream ARN is the one this engine found when it bound the model (per engine: a model
-- bound to two engines has one stream on each). Records become objects without entering
-- the engine's change tracking. `old` and `new` are whole items (marked COMPLETE): saved
-- through another engine, `new` is written whole, every column it holds SET and every other
-- one REMOVEd, so a replica converges even when the source removed attributes (down to a
-- key-only item). `key` holds only the key and is not COMPLETE.
local core = require("bloop.core")
local cjson = require("cjson")
local errors = require("bloop.errors")
local COMPLETE = require("bloop.column").COMPLETE

local E = errors.classes

local M = {}

local Stream = {}
Stream.__name = "bloop.Stream"
Stream.__index = function(s, k)
  if k == "token" then return cjson.decode(rawget(s, "native"):token()) end
  return Stream[k]
end

-- whole: the item is a full image (old, new), not a record's key.
local function object_of(engine, model, item, whole)
  if item == nil then return nil end
  local obj = model.Meta.init()
  if whole then rawset(obj, COMPLETE, true) end
  local attrs = item.M or {}
  for _, c in ipairs(model.Meta.columns) do
    local w = attrs[c.dynamo_name]
    if w ~= nil then c:store(obj, core.type_load(c.typedef, w, engine.context, tostring(c))) end
  end
  return obj
end

local function is_datetime(v)
  local mt = getmetatable(v)
  return mt ~= nil and mt == core.datetime.DateTime
end

function M.new(engine, model, position, internal)
  internal.concrete(engine, model, "stream", 1)
  local arn = engine.stream_arns and engine.stream_arns[model]
  if not arn then
    errors.raise(E.InvalidStream, ("%s stream: the model has no stream on this engine (declare "
      .. "Meta.stream and engine:bind(%s) first)"):format(model.Meta.name, model.Meta.name),
      { model = model })
  end
  if position == nil then
    errors.argerror(2, 'engine:stream: a position is required ("trim_horizon", "latest", '
      .. "a bloop.datetime or a token)")
  end
  local self = setmetatable({ engine = engine, model = model, arn = arn,
    native = core.stream_new(engine.native, arn) }, Stream)
  self:move_to(position)
  return self
end

function Stream:__tostring() return ("bloop.Stream(%s)"):format(self.model.Meta.name) end

-- move_to("trim_horizon" | "latest" | bloop.datetime | token)
function Stream:move_to(position)
  local native = rawget(self, "native")
  if type(position) == "string" then
    local p = position:lower()
    if p ~= "trim_horizon" and p ~= "latest" then
      errors.argerror(1, ("stream:move_to: unknown position %q"):format(position))
    end
    native:move_to(p)
  elseif is_datetime(position) then
    native:move_to_time(math.floor(position:timestamp() * 1e6 + 0.5))
  elseif type(position) == "table" then
    native:move_to_token(cjson.encode(position))
  else
    errors.argerror(1, 'stream:move_to: position must be "trim_horizon", "latest", '
      .. "a bloop.datetime or a token")
  end
  return self
end

-- The next record, or nil when nothing is new.
function Stream:next()
  local r = rawget(self, "native"):next()
  if r == nil then return nil end
  local engine, model = self.engine, self.model
  return {
    key = object_of(engine, model, r.keys),
    old = object_of(engine, model, r.old, true),
    new = object_of(engine, model, r.new, true),
    meta = {
      created_at = core.datetime.fromtimestamp(r.created_at_us / 1e6),
      sequence_number = r.sequence_number,
      shard_id = r.shard_id,
      event = { id = r.event_id, name = r.event_name, type = r.event_name:lower(),
        version = r.event_version },
    },
  }
end

-- for record in stream:iter() do ... end  (stops at the first nil: nothing new)
function Stream:iter()
  return function() return self:next() end
end

function Stream:heartbeat()
  rawget(self, "native"):heartbeat()
  return self
end

-- Requests sent so far (DescribeStream, GetShardIterator, GetRecords).
function Stream:calls() return rawget(self, "native"):calls() end

function Stream:close() rawget(self, "native"):close() end

return M
