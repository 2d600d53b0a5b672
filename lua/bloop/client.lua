-- bloop.client: low-level DynamoDB and DynamoDB Streams clients.
--
-- bloop.client("dynamodb" | "dynamodbstreams", opts) returns the native client from the
-- C core: one snake_case method per operation, :call(Name, request), :call_many{...}.
-- wrap_client lets a user override some operations in Lua while every other operation
-- still runs natively (Python bloop's DynamoDB Local patch is written this way).
local core = require("bloop.core")
local errors = require("bloop.errors") -- also registers the classes the native client raises

local M = {}

local native_new = errors.from_core(core.client)

local function env(name)
  local v = os.getenv(name)
  return v ~= nil and v ~= "" and v or nil
end

local noticed = false  -- the local-server notice is said once per process

-- Where a client goes when opts names no endpoint (docs/engine.md, "Endpoint"):
-- BLOOP_ENDPOINT, then the SDK's AWS_ENDPOINT_URL_<SERVICE> / AWS_ENDPOINT_URL (read by the
-- C core), then a running `bloop local` server, then the region's AWS endpoint (C core).
-- Returns the options to build the client from (a copy when anything is added).
local function resolve_endpoint(service, opts)
  if opts.endpoint ~= nil then return opts end
  local given = env("BLOOP_ENDPOINT")
  local sdk = env(service == "dynamodbstreams" and "AWS_ENDPOINT_URL_DYNAMODB_STREAMS"
    or "AWS_ENDPOINT_URL_DYNAMODB") or env("AWS_ENDPOINT_URL")
  local server
  if not given and not sdk then
    local ok, localserver = pcall(require, "bloop.localserver")
    server = ok and localserver.running() or nil
    if not server then return opts end
    given = server.endpoint
  elseif not given then
    return opts
  end
  local copy = {}
  for k, v in pairs(opts) do copy[k] = v end
  copy.endpoint = given
  if server then
    -- a local server checks no signature: dummy credentials and region unless the user
    -- configured any (only whether they are set is looked at, never a secret)
    if copy.credentials == nil and copy.profile == nil and not env("AWS_ACCESS_KEY_ID")
        and not env("AWS_PROFILE") then
      copy.credentials = { access_key_id = "local", secret_access_key = "local" }
    end
    if copy.region == nil and not env("AWS_REGION") and not env("AWS_DEFAULT_REGION") then
      copy.region = "us-east-1"
    end
    if not noticed then
      noticed = true
      io.stderr:write(("bloop: no endpoint configured; using the local %s server at %s "
        .. "(bloop local)\n"):format(server.server, server.endpoint))
    end
  end
  return copy
end

-- bloop.client(service, opts): a wrong option is an InvalidArgument at the caller's line.
function M.new(service, opts)
  if opts == nil then opts = {} end
  if type(opts) == "table" and (service == "dynamodb" or service == "dynamodbstreams") then
    opts = resolve_endpoint(service, opts)
  end
  return native_new(service, opts)
end

-- wrap_client(real, overrides): overrides is a table of methods (called with the wrapper
-- as self); any other key is looked up on `real`, and its methods are called on `real`.
function M.wrap_client(real, overrides)
  if real == nil then errors.argerror(1, "bloop.wrap_client: a client to wrap is required") end
  overrides = overrides or {}
  local bound = {}
  return setmetatable(overrides, {
    -- the engine looks here for the native client, so operations not overridden in Lua
    -- keep the C fast path (batches included)
    __bloop_real = real,
    __index = function(_, key)
      local value = real[key]
      if type(value) ~= "function" then return value end
      local method = bound[key]
      if not method then
        method = function(_, ...) return value(real, ...) end
        bound[key] = method
      end
      return method
    end,
    __tostring = function() return "wrapped " .. tostring(real) end,
  })
end

return M
