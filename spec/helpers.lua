-- Loaded by busted before every spec file (.busted: helper). Finds the built C module and
-- the local servers, and hands specs ready clients.
local build = os.getenv("BLOOP_BUILD_DIR") or "./build"
package.cpath = build .. "/?.so;" .. package.cpath

local helpers = {}

-- The servers' endpoints: from the environment (the test command exports them) or from
-- the file scripts/servers writes.
local function server_env()
  local env = {}
  local f = io.open(".local/servers/env")
  if f then
    for line in f:lines() do
      local k, v = line:match("^([%w_]+)=(.*)$")
      if k then env[k] = v end
    end
    f:close()
  end
  return env
end

function helpers.endpoint(backend)
  local var = "BLOOP_" .. backend:upper() .. "_ENDPOINT"
  local value = os.getenv(var) or server_env()[var]
  if not value then
    error(("no %s endpoint: start it with scripts/servers start %s"):format(backend, backend), 2)
  end
  return value
end

-- The backend integration specs run against: BLOOP_SPEC_BACKEND (dynalite | moto).
function helpers.backend()
  return os.getenv("BLOOP_SPEC_BACKEND") or "dynalite"
end

-- Local servers check no signature, but every request is signed: fixed dummy keys.
helpers.credentials = { access_key_id = "AKIDLOCAL", secret_access_key = "local-secret-never-shown" }

function helpers.client(service, opts)
  local bloop = require("bloop")
  opts = opts or {}
  local backend = opts.backend or helpers.backend()
  opts.backend = nil
  opts.endpoint = opts.endpoint or helpers.endpoint(backend)
  opts.region = opts.region or "us-east-1"
  opts.credentials = opts.credentials or helpers.credentials
  return bloop.client(service or "dynamodb", opts)
end

-- An engine on the spec backend (bloop.Engine with the helpers' client).
function helpers.engine(opts)
  local bloop = require("bloop")
  opts = opts or {}
  return bloop.Engine{ dynamodb = helpers.client("dynamodb", { backend = opts.backend }) }
end

-- Wraps the engine's client so the named operations (snake_case; default: the common
-- single-item and table ones) run through Lua and are recorded, then passed on to the real
-- client. An overridden operation leaves the native path, as for any wrap_client override
-- (batch operations would fall back to per-item calls, so they are not recorded by default).
local recorded_ops = { "create_table", "describe_table", "update_item", "delete_item",
  "get_item", "put_item", "query", "scan", "describe_time_to_live",
  "describe_continuous_backups", "update_time_to_live", "update_continuous_backups" }
function helpers.recording(engine, ops)
  local bloop = require("bloop")
  local real = engine.session.dynamodb_client
  local calls = {}
  local overrides = {}
  for _, op in ipairs(ops or recorded_ops) do
    overrides[op] = function(_, req)
      calls[#calls + 1] = { op = op, request = req }
      return real[op](real, req)
    end
  end
  engine.session.dynamodb_client = bloop.wrap_client(real, overrides)
  return calls
end

-- Declares on M one column of each type the compiled dump and load serve (src/lua/lfast.c)
-- and, with `slow`, one more whose type dumps and loads in Lua (and straight on to the
-- built-ins), which sends the whole object down the full path: the fast path specs compare
-- the two. Keys are the caller's, declared first.
local PlainString
function helpers.fast_path_columns(M, slow)
  local bloop = require("bloop")
  local Column = bloop.Column
  M.s = Column(bloop.String)
  M.n = Column(bloop.Number)
  M.i = Column(bloop.Integer)
  M.f = Column(bloop.Float)
  M.ok = Column(bloop.Boolean)
  M.ss = Column(bloop.Set(bloop.String))
  M.ns = Column(bloop.Set(bloop.Number))
  M.l = Column(bloop.List(bloop.String))
  M.m = Column(bloop.Map{ x = bloop.String, y = bloop.Integer,
    inner = bloop.Map{ z = bloop.Set(bloop.Integer) } })
  if slow then
    if not PlainString then
      PlainString = bloop.String:extend("PlainString")
      function PlainString:dynamo_dump(v, ctx) return PlainString.super.dynamo_dump(self, v, ctx) end
      function PlainString:dynamo_load(v, ctx) return PlainString.super.dynamo_load(self, v, ctx) end
    end
    M.slow = Column(PlainString)
  end
  return M
end

-- This process's open file descriptors (the shell io.popen starts is its child).
function helpers.open_fds()
  local f = io.popen("ls /proc/$PPID/fd | wc -l")
  local n = tonumber(f:read("a"))
  f:close()
  return n
end

local counter = 0
function helpers.table_name(prefix)
  counter = counter + 1
  return ("%s-%d-%d-%d"):format(prefix or "spec", os.time(), math.random(1, 1e6), counter)
end

-- A hash-key (S) + optional range-key (N) table, created and waited for.
function helpers.create_table(client, name, opts)
  opts = opts or {}
  local defs = { { AttributeName = "pk", AttributeType = "S" } }
  local keys = { { AttributeName = "pk", KeyType = "HASH" } }
  if opts.range then
    defs[2] = { AttributeName = "sk", AttributeType = "N" }
    keys[2] = { AttributeName = "sk", KeyType = "RANGE" }
  end
  local req = {
    TableName = name,
    AttributeDefinitions = defs,
    KeySchema = keys,
    BillingMode = "PAY_PER_REQUEST",
  }
  if opts.stream then
    req.StreamSpecification = { StreamEnabled = true, StreamViewType = "NEW_AND_OLD_IMAGES" }
  end
  local answer = client:create_table(req)
  for _ = 1, 100 do
    local d = client:describe_table{ TableName = name }
    if d.Table.TableStatus == "ACTIVE" then return answer end
  end
  error("table " .. name .. " never became ACTIVE")
end

-- pcall that returns the raised error object (or fails the spec if nothing was raised).
function helpers.raises(fn, ...)
  local ok, err = pcall(fn, ...)
  assert(not ok, "expected an error, but the call succeeded")
  return err
end

-- A misuse error (errors.argerror): an InvalidArgument object whose message is `message`
-- after the caller's "file:line: " (left off, as assert.has_error leaves it off a string).
-- Returns the error. message nil: any message.
function helpers.misuse(fn, message)
  local ok, err = pcall(fn)
  assert(not ok, "expected an error, but the call succeeded")
  assert(type(err) == "table", "expected an InvalidArgument error object, got: " .. tostring(err))
  assert(err.name == "InvalidArgument", "expected an InvalidArgument, got: " .. tostring(err))
  if message ~= nil then
    local got = tostring(err.message):gsub("^.-:%d+: ", "", 1)
    if got ~= message then
      error(("expected the message\n  %s\ngot\n  %s"):format(message, got), 2)
    end
  end
  return err
end

math.randomseed(os.time())
package.loaded["spec.helpers"] = helpers
-- A whole file's text, or nil when it cannot be opened.
function helpers.read_file(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local text = f:read("a")
  f:close()
  return text
end

return helpers
