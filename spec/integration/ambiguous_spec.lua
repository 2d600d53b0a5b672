-- Ambiguous writes (#integration, dynalite and moto): a write whose attempt reached the
-- server but whose answer was lost is retried by the client, and the retry may then fail
-- its own condition. The engine talks to the spec backend through
-- tests/tools/fault_proxy.py with no random faults; each spec queues the one fault it needs
-- for the next request of one operation (GET /__faults?next=KIND&op=OP), so every schedule
-- is deterministic, and checks afterwards that the proxy used it. reset_after forwards the
-- request (the server applies it) and then resets the connection; reset_before resets it
-- after reading the whole request without forwarding it: from the client's side both are
-- "sent, answer lost". What was stored is always read back directly, never through the
-- proxy.
--
-- Servers: DynamoDB returns the item in a ConditionalCheckFailedException's body when asked
-- (ReturnValuesOnConditionCheckFailure = ALL_OLD) and there is one; moto does the same.
-- dynalite accepts the parameter but never returns the item: the engine then reads it with
-- a consistent GetItem, which the proxy's counts show.
local bloop = require("bloop")
local helpers = require("spec.helpers")
local Column, String, Integer = bloop.Column, bloop.String, bloop.Integer

local SOURCE = os.getenv("BLOOP_SOURCE_DIR") or "."
local BACKEND = helpers.backend()

-- Starts the proxy in front of the spec backend with no random faults; returns pid, port,
-- pipe.
local function start_proxy()
  local pipe = assert(io.popen(("python3 %s/tests/tools/fault_proxy.py --upstream %s --port 0 "
    .. "--rate 0 --seed 1 --slow 3 --lifetime 600 & echo PID $!")
    :format(SOURCE, helpers.endpoint(BACKEND)), "r"))
  local pid, port
  for _ = 1, 2 do
    local line = assert(pipe:read("l"), "fault proxy did not start")
    pid = pid or tonumber(line:match("^PID (%d+)"))
    port = port or tonumber(line:match("^PORT (%d+)"))
  end
  assert(pid and port, "fault proxy: no pid or port")
  return pid, port, pipe
end

describe("ambiguous writes #integration", function()
  local pid, port, pipe
  local direct, lossy

  -- The proxy's report after `query` (a GET /__faults query string): the requests seen per
  -- operation, the faults used, and how many queued faults are still waiting.
  local function control(query)
    -- bash's /dev/tcp: a Python start per request took a third of a second on a busy host
    local f = assert(io.popen(("bash -c 'exec 3<>/dev/tcp/127.0.0.1/%d && printf "
      .. "\"GET /__faults%s HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n\" >&3 "
      .. "&& cat <&3'"):format(port, query or "")))
    local text = f:read("a")
    f:close()
    local ops = text:match('"ops": (%b{})') or "{}"
    local report = { ops = {}, queued = select(2, (text:match('"queued": (%b[])') or "[]")
      :gsub("%[\"", "")) }
    for op, n in ops:gmatch('"(%w+)": (%d+)') do report.ops[op] = tonumber(n) end
    for _, kind in ipairs{ "reset_after", "reset_before", "throttling", "slow" } do
      report[kind] = tonumber(text:match('"' .. kind .. '": (%d+)'))
    end
    return report
  end

  -- Queues `kind` for the next `times` requests of operation `op`.
  local function lose(kind, op, times)
    control(("?next=%s&op=%s&times=%d"):format(kind, op, times or 1))
  end

  local function calls(op) return control().ops[op] or 0 end

  local function client(opts)
    opts = opts or {}
    return bloop.client("dynamodb", { endpoint = opts.endpoint
        or ("http://127.0.0.1:%d"):format(port),
      region = "us-east-1", credentials = helpers.credentials,
      max_attempts = opts.max_attempts or 4, attempt_timeout = opts.attempt_timeout or 5,
      connect_timeout = 1,
      retry = { base_delay = 0.002, throttle_base_delay = 0.005, max_backoff = 0.02 } })
  end

  local function model(name, versioned)
    local M = bloop.Model:extend(name, { table_name = helpers.table_name("ambiguous") })
    M.pk = Column(String, { hash_key = true })
    M.v = Column(Integer)
    M.data = Column(String)
    if versioned then M.rev = Column(Integer, { version = true }) end
    direct:bind(M)
    lossy:bind(M, { skip_table_setup = true })
    return M
  end

  -- What the backend holds for obj's key: a fresh object, or nil.
  local function stored(M, obj)
    local copy = M{ pk = obj.pk }
    local ok, err = pcall(direct.load, direct, copy, { consistent = true })
    if ok then return copy end
    assert.equal("MissingObjects", err.name, tostring(err))
    return nil
  end

  -- Every queued fault was used by the request it was meant for.
  local function all_used()
    assert.equal(0, control().queued)
  end

  setup(function()
    pid, port, pipe = start_proxy()
    direct = helpers.engine()
    lossy = bloop.Engine{ dynamodb = client() }
  end)

  teardown(function()
    if pid then os.execute("kill " .. pid) end
    if pipe then pipe:close() end
  end)

  after_each(function() control("?next=clear") end)

  describe("a conditional write whose applied attempt's answer was lost", function()
    it("succeeds when the stored item is what the save wrote", function()
      local M = model("AmbSave")
      local obj = M{ pk = "a", v = 1 }
      lossy:save(obj)
      local before, gets = calls("UpdateItem"), calls("GetItem")
      obj.data = "mine"
      lose("reset_after", "UpdateItem")
      lossy:save(obj, { condition = M.data:is_(nil) })   -- no error: the first attempt wrote it
      all_used()
      -- the first attempt was applied, the retry failed its condition
      assert.equal(before + 2, calls("UpdateItem"))
      -- moto sends the item in the failure's answer; dynalite does not: one GetItem
      assert.equal(gets + (BACKEND == "dynalite" and 1 or 0), calls("GetItem"))
      local got = stored(M, obj)
      assert.equal("mine", got.data)
      assert.equal(1, got.v)
      -- the object is synced as after any save: saving it again sends no change
      assert.is_nil(lossy:explain("save", obj)[1].request.UpdateExpression)
    end)

    it("succeeds for a versioned model, the version taken from what was stored", function()
      local M = model("AmbVersion", true)
      local obj = M{ pk = "v", data = "one" }
      lose("reset_after", "UpdateItem")
      lossy:save(obj)                                     -- attribute_not_exists(rev)
      assert.equal(1, obj.rev)
      obj.data = "two"
      lose("reset_after", "UpdateItem")
      lossy:save(obj)                                     -- rev = 1
      all_used()
      assert.equal(2, obj.rev)
      local got = stored(M, obj)
      assert.equal(2, got.rev)
      assert.equal("two", got.data)
    end)

    it("succeeds for an atomic save and loads the stored item with sync = \"new\"", function()
      local M = model("AmbAtomic")
      local obj = M{ pk = "t", v = 1, data = "x" }
      lossy:save(obj)
      obj.v = 2
      lose("reset_after", "UpdateItem")
      lossy:save(obj, { atomic = true, sync = "new" })
      all_used()
      assert.equal(2, obj.v)
      assert.equal("x", obj.data)
      assert.equal(2, stored(M, obj).v)
    end)

    it("succeeds for a delete when the item is gone", function()
      local M = model("AmbDelete")
      local obj = M{ pk = "d", v = 1 }
      lossy:save(obj)
      lose("reset_after", "DeleteItem")
      lossy:delete(obj, { condition = M.v:eq(1) })
      all_used()
      assert.is_nil(stored(M, obj))
    end)

    it("succeeds through a wrapped client (the error object carries the facts)", function()
      local M = model("AmbWrapped")
      local e = bloop.Engine{ dynamodb = client() }
      e:bind(M, { skip_table_setup = true })
      local recorded = helpers.recording(e, { "update_item", "get_item" })
      local obj = M{ pk = "w", v = 1 }
      e:save(obj)
      obj.data = "wrapped"
      lose("reset_after", "UpdateItem")
      e:save(obj, { condition = M.data:is_(nil) })
      all_used()
      -- the Lua route hands on no failure body: the item is read with a consistent GetItem
      local last = recorded[#recorded]
      assert.equal("get_item", last.op)
      assert.is_true(last.request.ConsistentRead)
      assert.equal("wrapped", stored(M, obj).data)
    end)
  end)

  describe("a conditional write that fails for real after an ambiguous attempt", function()
    it("raises ConstraintViolation with ambiguous = true when another writer came first",
      function()
      local M = model("AmbOther")
      local obj = M{ pk = "o", v = 1 }
      lossy:save(obj)
      direct:save(M{ pk = "o", v = 2, data = "theirs" })  -- another writer
      obj.data = "mine"
      lose("reset_before", "UpdateItem")                  -- sent, never applied, answer lost
      local err = helpers.raises(lossy.save, lossy, obj, { condition = M.v:eq(1) })
      all_used()
      assert.equal("ConstraintViolation", err.name, tostring(err))
      assert.equal("ConditionalCheckFailedException", err.code)
      assert.is_true(err.ambiguous)
      assert.is_true(err.attempts >= 2)
      assert.equal(obj, err.obj)
      assert.matches("may have been applied", err.message, 1, true)
      assert.matches("may have been applied", tostring(err), 1, true)
      local got = stored(M, obj)
      assert.equal(2, got.v)
      assert.equal("theirs", got.data)
    end)

    it("raises it when the lost answer was itself the condition failure", function()
      local M = model("AmbLostFailure", true)
      local obj = M{ pk = "l", data = "one" }
      lossy:save(obj)
      local theirs = M{ pk = "l" }
      direct:load(theirs)
      theirs.data = "theirs"
      direct:save(theirs)                                 -- rev 2
      obj.data = "mine"
      lose("reset_after", "UpdateItem")                   -- applied nothing: rev was 2
      local err = helpers.raises(lossy.save, lossy, obj)
      all_used()
      assert.equal("ConstraintViolation", err.name, tostring(err))
      assert.is_true(err.ambiguous)
      assert.equal(2, err.attempts)
      assert.equal("theirs", stored(M, obj).data)
    end)

    it("raises it for a delete whose item is still there", function()
      local M = model("AmbDeleteKept")
      local obj = M{ pk = "k", v = 1 }
      lossy:save(obj)
      lose("reset_after", "DeleteItem")
      local err = helpers.raises(lossy.delete, lossy, obj, { condition = M.v:eq(5) })
      all_used()
      assert.equal("ConstraintViolation", err.name, tostring(err))
      assert.is_true(err.ambiguous)
      assert.is_true(err.attempts >= 2)
      assert.is_not_nil(stored(M, obj))
    end)

    it("raises it for an update action, whose result cannot be checked", function()
      local M = model("AmbAction", true)
      local obj = M{ pk = "c", v = 10 }
      lossy:save(obj)
      obj.v = bloop.actions.add(1)
      lose("reset_after", "UpdateItem")                   -- applied: v = 11, rev = 2
      local err = helpers.raises(lossy.save, lossy, obj)
      all_used()
      assert.equal("ConstraintViolation", err.name, tostring(err))
      assert.is_true(err.ambiguous)
      assert.matches("update action", err.message, 1, true)
      local got = stored(M, obj)
      assert.equal(11, got.v)                             -- applied once, never twice
      assert.equal(2, got.rev)
    end)
  end)

  describe("a write with nothing ambiguous", function()
    it("raises ConstraintViolation without the flag", function()
      local M = model("AmbPlain")
      local obj = M{ pk = "p", v = 1 }
      lossy:save(obj)
      local err = helpers.raises(lossy.save, lossy, obj, { condition = M.v:eq(2) })
      assert.equal("ConstraintViolation", err.name, tostring(err))
      assert.is_nil(err.ambiguous)
      assert.equal(1, err.attempts)
      assert.is_nil(tostring(err):find("may have been applied", 1, true))
    end)

    it("raises it without the flag after a throttled attempt (never applied)", function()
      local M = model("AmbThrottled")
      local obj = M{ pk = "h", v = 1 }
      lossy:save(obj)
      lose("throttling", "UpdateItem")
      local err = helpers.raises(lossy.save, lossy, obj, { condition = M.v:eq(2) })
      all_used()
      assert.equal("ConstraintViolation", err.name, tostring(err))
      assert.is_nil(err.ambiguous)
      assert.equal(2, err.attempts)
    end)
  end)

  describe("the client", function()
    it("flags a call whose every answer was lost after the request was sent", function()
      local c = client{ max_attempts = 2 }
      local name = helpers.table_name("ambiguous-client")
      helpers.create_table(helpers.client("dynamodb"), name)
      lose("reset_after", "PutItem", 2)
      local err = helpers.raises(c.put_item, c, { TableName = name,
        Item = { pk = { S = "x" } } })
      all_used()
      assert.equal("ClientError", err.name, tostring(err))
      assert.equal("NetworkError", err.code)
      assert.is_true(err.ambiguous)
      assert.equal(2, err.attempts)
      -- it was applied, as the flag warned
      local got = helpers.client("dynamodb"):get_item{ TableName = name,
        Key = { pk = { S = "x" } }, ConsistentRead = true }
      assert.is_table(got.Item)
    end)

    it("flags a timeout after the request was sent", function()
      local c = client{ max_attempts = 1, attempt_timeout = 0.5 }
      lose("slow", "ListTables")
      local err = helpers.raises(c.list_tables, c, {})
      all_used()
      assert.equal("Timeout", err.code, tostring(err))
      assert.is_true(err.ambiguous)
    end)

    it("does not flag a request that never reached a server", function()
      local c = client{ endpoint = "http://127.0.0.1:1", max_attempts = 2 }
      local err = helpers.raises(c.list_tables, c, {})
      assert.equal("NetworkError", err.code, tostring(err))
      assert.is_nil(err.ambiguous)
    end)
  end)
end)
