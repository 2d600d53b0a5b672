-- bloop.testing: an engine for users' own specs (busted or any other runner), on a local
-- server, with tables unique to the run and dropped at the end. See docs/testing.md.
--
--   local testing = require("bloop.testing")
--   local engine
--   lazy_setup(function() engine = testing.engine() end)
--   lazy_teardown(testing.teardown)
--
-- The server: the one BLOOP_ENDPOINT names, else a running `bloop local`, else one this
-- module starts through bloop.localserver (and stops at teardown, since it started it).
local bloop = require("bloop")
local localserver = require("bloop.localserver")

local M = {}

local LOCAL_CREDENTIALS = { access_key_id = "local", secret_access_key = "local" }

local state = { engines = {}, started = false, endpoint = nil }

local function endpoint()
  if state.endpoint then return state.endpoint end
  local given = os.getenv("BLOOP_ENDPOINT")
  if given and given ~= "" then
    state.endpoint = given
  else
    local st, started = localserver.start({ quiet = true })
    state.started = started
    state.endpoint = st.endpoint
  end
  return state.endpoint
end

local counter = 0

-- testing.engine(opts): a bloop.Engine on the local server; opts are Engine options (the
-- endpoint, region and credentials default to the local server's). Every table it binds
-- is named "bloop-test-<run>-<n>-<table_name>" unless opts.table_name_template is given.
function M.engine(opts)
  opts = opts or {}
  local o = {}
  for k, v in pairs(opts) do o[k] = v end
  o.endpoint = o.endpoint or endpoint()
  o.region = o.region or "us-east-1"
  if o.credentials == nil and o.profile == nil then o.credentials = LOCAL_CREDENTIALS end
  counter = counter + 1
  local prefix = ("bloop-test-%d-%d-%d-"):format(os.time(), math.random(1, 1e9), counter)
  o.table_name_template = o.table_name_template or (prefix .. "{table_name}")
  local engine = bloop.Engine(o)
  -- a client of its own: the engine keeps none of the credentials reachable from Lua
  local client = bloop.client("dynamodb", { endpoint = o.endpoint, region = o.region,
    credentials = LOCAL_CREDENTIALS })
  state.engines[#state.engines + 1] = { prefix = prefix, client = client,
    own = opts.table_name_template == nil }
  return engine
end

-- Names of the tables whose names start with prefix.
local function tables_with(client, prefix)
  local names, start = {}, nil
  repeat
    local page = client:list_tables{ ExclusiveStartTableName = start }
    for _, name in ipairs(page.TableNames or {}) do
      if name:sub(1, #prefix) == prefix then names[#names + 1] = name end
    end
    start = page.LastEvaluatedTableName
  until start == nil
  return names
end

-- testing.teardown(): drops every table the engines made by testing.engine() created, and
-- stops the server if this module started it. Safe to call more than once.
function M.teardown()
  for _, e in ipairs(state.engines) do
    if e.own then
      for _, name in ipairs(tables_with(e.client, e.prefix)) do
        pcall(e.client.delete_table, e.client, { TableName = name })
      end
    end
  end
  state.engines = {}
  if state.started then localserver.stop() end
  state.started, state.endpoint = false, nil
end

return M
