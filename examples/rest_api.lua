-- check: skip (serves HTTP with --port; every route is checked by tests/rest/check.sh)
-- rest_api.lua: "Integrating with Marshmallow" from Python bloop's Patterns page (Flask +
-- flask-marshmallow), as a JSON REST API over bloop.schema, served by lua-http.
--
--   BLOOP_ENDPOINT=http://127.0.0.1:8000 build/bin/bloop examples/rest_api.lua --port 8080 [--table users]
--     prints "listening on http://127.0.0.1:8080" once it serves:
--     GET    /api/users/?limit=N&cursor=C
--                                  200, one page: {"items": [users, each with _links],
--                                  "next": the cursor of the next page or null}; limit 1-100
--                                  (default 20); 400 for a bad limit or cursor
--     GET    /api/users/<email>   200 the user, 404 a JSON error
--     POST   /api/users/          201 the user and Location; 400 per-field errors (a missing
--                                  or mistyped field, malformed JSON); 409 the email exists
--     DELETE /api/users/<email>   204, or 404
--     any other route             404 (another method on these paths too)
--   Every body is JSON (Content-Type: application/json). The schema never shows the password.
--   Without --port it runs each route once in-process (no HTTP) and exits: the examples step
--   of scripts/test runs it so; tests/rest/check.sh drives the real server with curl.
local bloop = require("bloop")
local schema = require("bloop.schema")
local json = require("bloop.json")

-- ---- arguments ------------------------------------------------------------------------------
local port, table_name
do
  local i = 1
  while arg[i] do
    if arg[i] == "--port" then port = math.tointeger(tonumber(arg[i + 1])); i = i + 2
    elseif arg[i] == "--table" then table_name = arg[i + 1]; i = i + 2
    else io.stderr:write("usage: bloop examples/rest_api.lua [--port P] [--table NAME]\n"); os.exit(2) end
  end
  if arg[1] and port == nil and arg[1] == "--port" then
    io.stderr:write("rest_api: --port needs a number\n"); os.exit(2)
  end
end

-- ---- the model and its schema ---------------------------------------------------------------
local endpoint = os.getenv("BLOOP_ENDPOINT")
local engine = bloop.Engine(endpoint and { endpoint = endpoint, region = "us-east-1",
  credentials = { access_key_id = "local", secret_access_key = "local" },
  cursor_key = os.getenv("USERS_CURSOR_KEY") or "example only: not a secret" }
  or { cursor_key = os.getenv("USERS_CURSOR_KEY") or "example only: not a secret" })

local User = bloop.Model:extend("User",
  { table_name = table_name or ("users-" .. os.time() .. "-" .. math.random(1e6)) })
User.email = bloop.Column(bloop.String, { hash_key = true })
User.password = bloop.Column(bloop.String)
User.date_created = bloop.Column(bloop.DateTime, { default = function() return bloop.datetime.now() end })
engine:bind(User)

-- The password is load_only: a POST sets it, no response ever shows it. date_created is
-- the server's, so a client may not send it.
local user_schema = schema.from_model(User, {
  load_only = { "password" },
  dump_only = { "date_created" },
  required = { "password" },
  validate = {
    email = function(v) return v:find("^[^@%s/]+@[^@%s/]+$") ~= nil or "not an email address" end,
    password = function(v) return #v >= 8 or "must be at least 8 characters" end,
  },
  fields = { _links = schema.links{ self = "/api/users/{email}", collection = "/api/users/" } },
})

-- ---- routes: each returns status, a JSON-able body (or nil) and extra headers ---------------
local function err_body(message, fields)
  return { error = message, fields = fields }
end

local function unescape(s)
  return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

local function find_user(email)
  local user = User{ email = email }
  local ok, err = pcall(engine.load, engine, user)
  if ok then return user end
  if bloop.is(err, bloop.MissingObjects) then return nil end
  error(err, 0)
end

-- One page a request: the client hands back `next` as `cursor` for the following page.
-- Cursors are signed (cursor_key), so a client can neither forge nor alter one; in a real
-- service the key comes from a secret store, never from the source.
local function list_users(query)
  local limit = 20
  if query.limit then
    limit = math.tointeger(tonumber(query.limit))
    if not limit or limit < 1 or limit > 100 then
      return 400, err_body("invalid limit", { limit = "an integer from 1 to 100" })
    end
  end
  local ok, page = pcall(function()
    return engine:scan(User, { limit = limit, start = query.cursor }):pages()()
  end)
  if not ok then
    if bloop.is(page, bloop.InvalidSearch) then
      return 400, err_body("invalid cursor", { cursor = "not a cursor this API gave" })
    end
    error(page, 0)
  end
  return 200, { items = user_schema:dump_many(page.items), next = page.cursor or bloop.null }
end

local function get_user(email)
  local user = find_user(email)
  if not user then return 404, err_body("no user " .. email) end
  return 200, user_schema:dump(user)
end

local function create_user(body)
  local ok, user = pcall(user_schema.loads, user_schema, body)
  if not ok then
    if bloop.is(user, bloop.ValidationError) then return 400, err_body("invalid user", user.fields) end
    error(user, 0)
  end
  -- one conditional write: it fails when the email exists, so two POSTs cannot both win
  local saved, err = pcall(engine.save, engine, user, { condition = User.email:is_(nil) })
  if not saved then
    if bloop.is(err, bloop.ConstraintViolation) then
      return 409, err_body("a user with this email exists", { email = "already exists" })
    end
    error(err, 0)
  end
  local out = user_schema:dump(user)
  return 201, out, { location = out._links.self }
end

local function delete_user(email)
  local ok, err = pcall(engine.delete, engine, User{ email = email },
    { condition = User.email:is_not(nil) })
  if ok then return 204 end
  if bloop.is(err, bloop.ConstraintViolation) then return 404, err_body("no user " .. email) end
  error(err, 0)
end

-- handle(method, path, body): status, body table or nil, headers table or nil
local function handle(method, path, body)
  local query = {}
  for k, v in (path:match("%?(.*)$") or ""):gmatch("([^&=]+)=([^&]*)") do query[unescape(k)] = unescape(v) end
  path = path:gsub("%?.*$", "")
  if path == "/api/users/" or path == "/api/users" then
    if method == "GET" then return list_users(query) end
    if method == "POST" then return create_user(body or "") end
  end
  local email = path:match("^/api/users/([^/]+)$")
  if email then
    email = unescape(email)
    if method == "GET" then return get_user(email) end
    if method == "DELETE" then return delete_user(email) end
  end
  return 404, err_body("not found: " .. path)
end

-- the same, an unexpected error as a 500 (logged, never shown to the client)
local function respond(method, path, body)
  local ok, status, out, headers = xpcall(handle, debug.traceback, method, path, body)
  if not ok then
    io.stderr:write("rest_api: ", tostring(status), "\n")
    return 500, err_body("internal error")
  end
  return status, out, headers
end

-- ---- without --port: each route once, in-process ------------------------------------------
if not port then
  local function show(method, path, body)
    local status, out, headers = respond(method, path, body)
    print(("%s %s -> %d %s%s"):format(method, path, status, out and json.encode(out, { sort_keys = true }) or "",
      headers and headers.location and (" Location: " .. headers.location) or ""))
    return status, out
  end
  assert(show("POST", "/api/users/", '{"email":"ada@example.com","password":"correct horse"}') == 201)
  assert(show("POST", "/api/users/", '{"email":"ada@example.com","password":"correct horse"}') == 409)
  assert(show("POST", "/api/users/", '{"email":5}') == 400)
  assert(show("POST", "/api/users/", '{"email":') == 400)
  local status, list = show("GET", "/api/users/?limit=5")
  assert(status == 200 and #list.items == 1 and list.items[1].password == nil)
  assert(show("GET", "/api/users/?cursor=nonsense") == 400)
  assert(show("GET", "/api/users/ada%40example.com") == 200)
  assert(show("DELETE", "/api/users/ada%40example.com") == 204)
  assert(show("DELETE", "/api/users/ada%40example.com") == 404)
  assert(show("GET", "/api/users/ada%40example.com") == 404)
  assert(show("GET", "/nowhere") == 404)
  return
end

-- ---- the server -----------------------------------------------------------------------------
-- lua-http (and its pure-Lua dependencies basexx, fifo, lpeg_patterns, binaryheap) is
-- packaged by Debian under the Lua 5.1-5.3 module paths only; its C dependencies (cqueues,
-- luaossl, lpeg) are packaged for 5.4 too. The pure-Lua code runs unchanged on 5.4, so the
-- older paths go after the host's own.
package.path = package.path .. ";/usr/share/lua/5.3/?.lua;/usr/share/lua/5.3/?/init.lua"
  .. ";/usr/share/lua/5.1/?.lua;/usr/share/lua/5.1/?/init.lua"
local http_server = require("http.server")
local http_headers = require("http.headers")

local function onstream(_, stream)
  local req = assert(stream:get_headers())
  local method, path = req:get(":method"), req:get(":path")
  local body = (method == "POST" or method == "PUT") and stream:get_body_as_string(10) or nil
  local status, out, extra = respond(method, path, body)
  local res = http_headers.new()
  res:append(":status", tostring(status))
  for k, v in pairs(extra or {}) do res:append(k, v) end
  if out == nil then
    stream:write_headers(res, true)
  else
    res:append("content-type", "application/json")
    stream:write_headers(res, method == "HEAD")
    if method ~= "HEAD" then stream:write_chunk(json.encode(out) .. "\n", true) end
  end
end

local server = assert(http_server.listen{
  host = "127.0.0.1", port = port, onstream = onstream,
  onerror = function(_, context, op, err)
    io.stderr:write(("rest_api: %s on %s failed: %s\n"):format(op, tostring(context), tostring(err)))
  end,
})
assert(server:listen())
local _, _, bound = server:localname()
print(("listening on http://127.0.0.1:%d"):format(bound))
io.stdout:flush()
assert(server:loop())
