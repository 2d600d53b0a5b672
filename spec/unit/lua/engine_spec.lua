-- bloop.engine without a server: what an engine keeps reachable from Lua. No network: no
-- request is sent (the endpoint is a closed port).
local bloop = require("bloop")

-- The first path from root to `secret` (a string, found in any string holding it) or to
-- `creds` (the table itself), through table keys and values, metatables, function upvalues
-- and userdata user values, as the debug library sees them; nil when there is none. The
-- globals, package.loaded and the registry are not entered: they reach everything loaded,
-- this spec included, and are no path an engine gives its user.
local function reach(root, secret, creds)
  local seen = { [_G] = true, [package.loaded] = true, [debug.getregistry()] = true }
  local function walk(v, path)
    if v == creds or (type(v) == "string" and v:find(secret, 1, true)) then return path end
    local t = type(v)
    if (t ~= "table" and t ~= "function" and t ~= "userdata") or seen[v] then return nil end
    seen[v] = true
    local found
    if t == "table" then
      for k, x in next, v do
        found = walk(k, path .. "[key]") or walk(x, ("%s[%s]"):format(path, tostring(k)))
        if found then return found end
      end
    elseif t == "function" then
      for i = 1, 255 do
        local name, x = debug.getupvalue(v, i)
        if name == nil then break end
        found = walk(x, ("%s^%s"):format(path, name ~= "" and name or i))
        if found then return found end
      end
    else
      for i = 1, 255 do
        local x, ok = debug.getuservalue(v, i)
        if not ok then break end
        found = walk(x, ("%s<uv%d>"):format(path, i))
        if found then return found end
      end
    end
    local mt = debug.getmetatable(v)
    return mt and walk(mt, path .. "<mt>") or nil
  end
  return walk(root, "engine")
end

describe("bloop.Engine", function()
  -- A condition keeps the models whose columns it names (bloop.core.condition_models), so
  -- a column of another model is refused instead of rendering as an attribute of that name.
  describe("conditions on another model's columns", function()
    local engine = bloop.Engine{ endpoint = "http://127.0.0.1:1", region = "us-east-1",
      credentials = { access_key_id = "A", secret_access_key = "s" } }
    local Order = bloop.Model:extend("CrossOrder")
    Order.id = bloop.Column(bloop.String, { hash_key = true })
    Order.z = bloop.Column(bloop.Integer)
    local Other = bloop.Model:extend("CrossOther")
    Other.id = bloop.Column(bloop.String, { hash_key = true })
    Other.z = bloop.Column(bloop.Integer)
    local o = Order{ id = "o1" }
    local foreign = Other.z:eq(1)

    local function refused(fn)
      local ok, err = pcall(fn)
      assert.is_false(ok, "expected an error")
      assert.equal("InvalidCondition", err.name, tostring(err))
      assert.matches("CrossOrder", err.message, 1, true)
      assert.matches("CrossOther", err.message, 1, true)
    end

    it("are refused in save, delete, query, scan and transactions, naming both models", function()
      refused(function() engine:explain("save", o, { condition = foreign }) end)
      refused(function() engine:explain("delete", o, { condition = Order.z:eq(1) & foreign }) end)
      refused(function() engine:explain("query", Order, { key = Order.id:eq("o1"), filter = foreign }) end)
      refused(function() engine:explain("query", Order, { key = Other.id:eq("o1") }) end)
      refused(function() engine:explain("scan", Order, { filter = ~foreign }) end)
      refused(function() engine:transaction("w"):check(o, foreign):explain() end)
      refused(function() engine:transaction("w"):save(o, { condition = foreign }):explain() end)
      -- bloop.core.condition_models lists them (extra arguments ignored: a fuzz finding)
      assert.same({ Other }, bloop.core.condition_models(foreign, 1, 2, 3))
      -- its own columns are fine, and so are those it inherits (a shared table's pattern)
      assert.equal("UpdateItem", engine:explain("save", o, { condition = Order.z:eq(1) })[1].operation)
      local Sub = Order:extend("CrossSub")
      assert.equal("UpdateItem",
        engine:explain("save", Sub{ id = "s1" }, { condition = Order.z:eq(1) })[1].operation)
    end)
  end)

  describe("credentials", function()
    local secret = ("unit-secret-%d-%d"):format(os.time(), math.random(1, 1e9))
    local token = "unit-token-" .. secret
    local function new_engine(extra)
      local creds = { access_key_id = "AKIDUNIT", secret_access_key = secret, session_token = token }
      local opts = { endpoint = "http://127.0.0.1:1", region = "us-east-1", credentials = creds }
      for k, v in pairs(extra or {}) do opts[k] = v end
      return bloop.Engine(opts), creds
    end

    it("are not reachable from the engine once its clients are built", function()
      local engine, creds = new_engine()
      assert.is_nil(reach(engine, secret, creds))
      assert.is_nil(reach(engine, "unit-token-", creds))
    end)

    it("are not reachable after the streams client is used", function()
      local engine, creds = new_engine()
      local streams = engine.session.dynamodbstreams_client
      assert.equal("bloop.Client", bloop.typename(streams))
      assert.matches("dynamodbstreams", tostring(streams), 1, true)
      assert.is_nil(reach(engine, secret, creds))
    end)

    it("are not kept for the streams client when the dynamodb client is given", function()
      local client = bloop.client("dynamodb", { endpoint = "http://127.0.0.1:1",
        region = "us-east-1", credentials = { access_key_id = "A", secret_access_key = "s" } })
      local engine, creds = new_engine({ dynamodb = client })
      assert.equal(client, engine.session.dynamodb_client)
      assert.is_nil(reach(engine, secret, creds))
      assert.matches("dynamodbstreams", tostring(engine.session.dynamodbstreams_client), 1, true)
    end)

    it("finds what is reachable (the walk itself)", function()
      local creds = { secret_access_key = secret }
      local holder = setmetatable({}, { __index = function() return creds end })
      assert.equal("engine<mt>[__index]^creds[secret_access_key]", reach(holder, secret, {}))
      assert.equal("engine[1]", reach({ "x" .. secret }, secret, {}))
    end)
  end)

  -- Found by a bad-input sweep: errors that carried uninitialised memory, or named nothing.
  describe("bad input", function()
    local engine = bloop.Engine{ endpoint = "http://127.0.0.1:1", region = "us-east-1",
      credentials = { access_key_id = "A", secret_access_key = "s" }, max_attempts = 1 }
    local Bad = bloop.Model:extend("BadInput")
    Bad.id = bloop.Column(bloop.String, { hash_key = true })
    Bad.dm = bloop.Column(bloop.DynamicMap)

    it("names the column and shows a map key that is not UTF-8 escaped, with no HTTP fields", function()
      for key, shown in pairs{ ["\xff"] = '"\\255"', ["a\0b"] = '"a\\0b"' } do
        local ok, err = pcall(engine.save, engine, Bad{ id = "a", dm = { [key] = "x" } })
        assert.is_false(ok)
        assert.equal("InvalidValue", err.name)
        assert.equal(("DynamicMap column BadInput.dm got a table with %s in it (a map key must "
          .. "be UTF-8 text without NUL bytes)"):format(shown), err.message)
        assert.is_nil(err.status)
        assert.is_nil(err.request_id)
      end
    end)

    it("says what engine.session.dynamodb_client holds when it is no client", function()
      local real = engine.session.dynamodb_client
      for _, case in ipairs{ { false, "a boolean" }, { 5, "a number" }, { "x", "a string" } } do
        engine.session.dynamodb_client = case[1]
        local ok, err = pcall(engine.load, engine, Bad{ id = "a" })
        assert.is_false(ok)
        assert.equal("ConfigurationError", err.name)
        assert.equal("BadInput load: engine.session.dynamodb_client is " .. case[2] .. ", not a client",
          err.message)
      end
      engine.session.dynamodb_client = real
    end)
  end)
end)
