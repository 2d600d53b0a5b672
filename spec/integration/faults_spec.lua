-- End-to-end faults (#integration, dynalite only): the engine talks to dynalite through
-- tests/tools/fault_proxy.py, which injects 500/503, throttling (ThrottlingException and
-- ProvisionedThroughputExceededException), connections reset before and after the server
-- saw the request, a flipped byte under an unchanged x-amz-crc32, truncated bodies and
-- answers slower than the attempt timeout into 30% of the requests, chosen by a seed (printed,
-- so a failing schedule can be replayed). What was stored is always read back directly from
-- dynalite, never through the proxy. The proxy is started here on a free loopback port and
-- stopped by its pid.
local bloop = require("bloop")
local helpers = require("spec.helpers")
local Column, String, Integer = bloop.Column, bloop.String, bloop.Integer

local RATE = 0.3
local SOURCE = os.getenv("BLOOP_SOURCE_DIR") or "."
local KINDS = { "http500", "http503", "throttling", "provisioned", "reset_before", "reset_after",
  "flip", "truncate", "slow" }

-- Starts the proxy (on `port`, or a free one); returns pid, port, pipe.
local function start_proxy(port, rate, seed)
  local pipe = assert(io.popen(("python3 %s/tests/tools/fault_proxy.py --upstream %s --port %d "
    .. "--rate %s --seed %d --slow 0.6 --lifetime 300 & echo PID $!")
    :format(SOURCE, helpers.endpoint("dynalite"), port or 0, rate, seed), "r"))
  local pid, got
  for _ = 1, 2 do
    local line = assert(pipe:read("l"), "fault proxy did not start")
    pid = pid or tonumber(line:match("^PID (%d+)"))
    got = got or tonumber(line:match("^PORT (%d+)"))
  end
  assert(pid and got, "fault proxy: no pid or port")
  return pid, got, pipe
end

local function control(port, query)
  local f = assert(io.popen(("python3 -c 'import sys, urllib.request; "
    .. "print(urllib.request.urlopen(sys.argv[1]).read().decode())' "
    .. "'http://127.0.0.1:%d/__faults%s'"):format(port, query or "")))
  local text = f:read("a")
  f:close()
  local counts = {}
  for _, k in ipairs(KINDS) do counts[k] = tonumber(text:match('"' .. k .. '": (%d+)')) end
  counts.requests = tonumber(text:match('"requests": (%d+)'))
  return counts
end

-- Every failure is a bloop error with a name and a code.
local function check_error(err)
  assert.equal("table", type(err), tostring(err))
  assert.is_string(err.name, tostring(err))
  assert.is_string(err.code, tostring(err))
  assert.is_string(err.message)
end

describe("engine through a faulty proxy #integration #dynalite_only", function()
  local pid, port, pipe
  local direct, faulty
  local seed = tonumber(os.getenv("BLOOP_FAULT_SEED") or "") or os.time() % 100000

  local function client(attempts)
    return bloop.client("dynamodb", { endpoint = ("http://127.0.0.1:%d"):format(port),
      region = "us-east-1", credentials = helpers.credentials, max_attempts = attempts or 10,
      attempt_timeout = 0.4, connect_timeout = 0.5,
      retry = { base_delay = 0.002, throttle_base_delay = 0.005, max_backoff = 0.02,
        quota = 1000000 } })
  end

  local function model(range)
    local M = bloop.Model:extend("Faulted", { table_name = helpers.table_name("faults") })
    M.pk = Column(String, { hash_key = true })
    if range then M.sk = Column(Integer, { range_key = true }) end
    M.v = Column(Integer)
    M.data = Column(String)
    direct:bind(M)
    faulty:bind(M, { skip_table_setup = true })
    return M
  end

  -- what dynalite holds for obj's key: a fresh object, or nil
  local function stored(M, obj)
    local copy = M{ pk = obj.pk, sk = rawget(obj, "sk") and obj.sk or nil }
    local ok, err = pcall(direct.load, direct, copy, { consistent = true })
    if ok then return copy end
    assert.equal("MissingObjects", err.name, tostring(err))
    return nil
  end

  setup(function()
    print(("\n# fault seed %d (replay: BLOOP_FAULT_SEED=%d)"):format(seed, seed))
    pid, port, pipe = start_proxy(0, RATE, seed)
    direct = helpers.engine{ backend = "dynalite" }
    faulty = bloop.Engine{ dynamodb = client() }
  end)

  teardown(function()
    if pid then os.execute("kill " .. pid) end
    if pipe then pipe:close() end
  end)

  it("stores every acknowledged save exactly", function()
    local M = model()
    local acked, failed = {}, 0
    for i = 1, 60 do
      local obj = M{ pk = ("s%02d"):format(i), v = i, data = ("value %d of seed %d"):format(i, seed) }
      local ok, err = pcall(faulty.save, faulty, obj)
      if ok then acked[#acked + 1] = obj else check_error(err); failed = failed + 1 end
    end
    assert.is_true(#acked > 0)
    for _, obj in ipairs(acked) do
      local got = stored(M, obj)
      assert.is_not_nil(got, obj.pk)
      assert.equal(obj.v, got.v)
      assert.equal(obj.data, got.data)
    end
  end)

  it("never returns wrong data from load, query or scan", function()
    local M = model(true)
    local truth = {}
    for i = 1, 40 do
      truth[i] = M{ pk = i <= 20 and "q" or ("p%02d"):format(i), sk = i, v = i * 7,
        data = ("row %d"):format(i) }
    end
    assert.same({}, direct:batch_save(table.unpack(truth)))
    local function same(want, got)
      assert.equal(want.pk, got.pk)
      assert.equal(want.sk, got.sk)
      assert.equal(want.v, got.v)
      assert.equal(want.data, got.data)
    end
    for round = 1, 30 do
      local want = truth[(round * 13) % 40 + 1]
      local obj = M{ pk = want.pk, sk = want.sk }
      local ok, err = pcall(faulty.load, faulty, obj)
      if ok then same(want, obj) else check_error(err) end
    end
    for _ = 1, 8 do
      local ok, res = pcall(function()
        return faulty:query(M, { key = M.pk:eq("q") }):all()
      end)
      if ok then
        assert.equal(20, #res)
        for i, got in ipairs(res) do same(truth[i], got) end
      else
        check_error(res)
      end
      ok, res = pcall(function() return faulty:scan(M):all() end)
      if ok then
        assert.equal(40, #res)
        table.sort(res, function(a, b) return a.sk < b.sk end)
        for i, got in ipairs(res) do same(truth[i], got) end
      else
        check_error(res)
      end
    end
  end)

  -- A scan over segments keeps several pages in flight while faults hit them. A page that
  -- fails after its retries raises (a bloop error with name and code) and is asked for
  -- again by the next call, so going on after an error still gives every item exactly once.
  it("a scan over segments: every item exactly once, across the errors it raises", function()
    local M = model()
    local truth = {}
    for i = 1, 150 do truth[i] = M{ pk = ("seg%03d"):format(i), v = i } end
    assert.same({}, direct:batch_save(table.unpack(truth)))
    local fragile = bloop.Engine{ dynamodb = client(1) }
    fragile:bind(M, { skip_table_setup = true })
    local raised = 0
    for _, e in ipairs{ faulty, fragile } do
      local s = e:scan(M, { segments = 4, page_size = 9, filter = M.pk:begins_with("seg") })
      local seen, n, errors = {}, 0, 0
      while true do
        local ok, obj = pcall(s.next, s)
        if not ok then
          check_error(obj)
          errors = errors + 1
          assert.is_true(errors < 200, "the scan never got past its errors")
        elseif obj == nil then
          break
        else
          assert.is_nil(seen[obj.pk], obj.pk)
          seen[obj.pk] = true
          assert.equal(tonumber(obj.pk:sub(4)), obj.v)
          n = n + 1
        end
      end
      assert.equal(150, n)
      raised = raised + errors
    end
    print(("# the scans over segments raised %d errors and went on"):format(raised))
  end)

  -- written ∪ reported = all, and nothing is both: over several fault schedules. Runs 3 and
  -- 4 use one attempt per request, so requests do fail and the error's lists are exercised.
  it("batch_save, batch_delete and load store or report every object", function()
    local M = model()
    local robust = faulty
    local fragile = bloop.Engine{ dynamodb = client(1) }
    fragile:bind(M, { skip_table_setup = true })
    local raised = 0
    for run = 1, 4 do
      faulty = run <= 2 and robust or fragile
      local s = seed * 10 + run
      print(("# batch schedule seed %d"):format(s))
      control(port, ("?rate=%s&seed=%d"):format(RATE, s))
      local objs = {}
      for i = 1, 120 do
        objs[i] = M{ pk = ("b%d-%03d"):format(run, i), v = i, data = ("seed %d"):format(s) }
      end
      -- reported: returned unprocessed, or listed on the error
      local function outcome(fn, ...)
        local ok, res = pcall(fn, faulty, ...)
        if ok then return res, nil end
        check_error(res)
        assert.is_table(res.unprocessed, tostring(res))
        check_error(res.cause)
        raised = raised + 1
        return res.unprocessed, res
      end
      local function split(reported)
        local is_reported, prev = {}, 0
        for _, o in ipairs(reported) do
          local at
          for i, x in ipairs(objs) do if x == o then at = i end end
          assert.is_not_nil(at, "a reported object that was not passed")
          assert.is_true(at > prev, "reported objects keep the caller's order")
          prev = at
          is_reported[o] = true
        end
        return is_reported
      end

      local rep = split((outcome(faulty.batch_save, table.unpack(objs))))
      for _, o in ipairs(objs) do
        if not rep[o] then
          local got = stored(M, o)
          assert.is_not_nil(got, ("seed %d: %s reported written but not stored"):format(s, o.pk))
          assert.equal(o.data, got.data)
        end
      end

      -- load of many (what is not stored is missing, never wrong)
      local copies = {}
      for i, o in ipairs(objs) do copies[i] = M{ pk = o.pk } end
      local ok, err = pcall(faulty.load, faulty, table.unpack(copies))
      local left, missing = {}, {}
      if not ok then
        check_error(err)
        for _, o in ipairs(err.unprocessed or {}) do left[o] = true end
        for _, o in ipairs(err.missing or err.objects or {}) do missing[o] = true end
      end
      for i, c in ipairs(copies) do
        if not left[c] and not missing[c] then
          assert.equal(objs[i].v, c.v, ("seed %d: %s"):format(s, c.pk))
          assert.equal(objs[i].data, c.data)
        elseif missing[c] then
          assert.is_true(rep[objs[i]], ("seed %d: %s written but missing"):format(s, c.pk))
        end
      end

      local drep = split((outcome(faulty.batch_delete, table.unpack(objs))))
      for _, o in ipairs(objs) do
        if not drep[o] then
          assert.is_nil(stored(M, o), ("seed %d: %s reported deleted but stored"):format(s, o.pk))
        end
      end
    end
    faulty = robust
    print(("# %d batch calls raised with their objects listed"):format(raised))
  end)

  it("injected every fault kind", function()
    local counts = control(port)
    for _, k in ipairs(KINDS) do
      assert.is_true(counts[k] > 0, ("seed %d: no %s fault injected"):format(seed, k))
    end
  end)

  it("a proxy killed mid-run: clear errors while down, normal service after", function()
    local M = model()
    control(port, "?rate=0&seed=1")
    for i = 1, 5 do faulty:save(M{ pk = ("k%d"):format(i), v = i }) end
    local fds = helpers.open_fds()
    os.execute("kill " .. pid)
    pipe:close()
    pid, pipe = nil, nil
    local err = helpers.raises(faulty.save, faulty, M{ pk = "down", v = 0 })
    check_error(err)
    assert.equal("ClientError", err.name, tostring(err))
    assert.equal("NetworkError", err.code)
    err = helpers.raises(faulty.load, faulty, M{ pk = "k1" }, M{ pk = "k2" })
    check_error(err)
    assert.equal(2, #err.unprocessed)
    pid, port, pipe = start_proxy(port, 0, 1)
    for i = 1, 5 do
      local obj = M{ pk = ("k%d"):format(i) }
      faulty:load(obj)
      assert.equal(i, obj.v)
      faulty:save(M{ pk = ("after%d"):format(i), v = i })
    end
    assert.equal(5, stored(M, M{ pk = "after5" }).v)
    -- the connections to the dead proxy were closed, not kept
    assert.is_true(helpers.open_fds() <= fds, "file descriptors leaked across the restart")
  end)
end)
