-- engine:batch_save / batch_delete / load against tests/tools/fault_server.py (#integration):
-- the server answers BatchWriteItem / BatchGetItem entry by entry from markers in the
-- entries' strings (~r<N>: unprocessed the first N times it sees the entry; ~rinf: never
-- processed; ~miss: no such item), so UnprocessedItems / UnprocessedKeys can be scripted,
-- which no local DynamoDB does. The server is started here on a free loopback port and
-- stopped by its pid. The same on both backends: the spec talks only to the fault server.
local bloop = require("bloop")
local helpers = require("spec.helpers")
local Column, String, Integer = bloop.Column, bloop.String, bloop.Integer

local function raises(fn, ...)
  local ok, err = pcall(fn, ...)
  assert(not ok, "expected an error")
  return err
end

describe("engine batch executor against scripted UnprocessedItems #integration", function()
  local pid, port, pipe
  local tag = 0

  setup(function()
    local src = os.getenv("BLOOP_SOURCE_DIR") or "."
    -- the shell prints the server's pid; the server prints "PORT <n>" on the same pipe
    pipe = assert(io.popen(("python3 %s/tests/tools/fault_server.py --idle 1 --lifetime 300 & echo PID $!")
      :format(src), "r"))
    for _ = 1, 2 do
      local line = assert(pipe:read("l"), "fault server did not start")
      pid = pid or tonumber(line:match("^PID (%d+)"))
      port = port or tonumber(line:match("^PORT (%d+)"))
    end
    assert(pid and port, "fault server: no pid or port")
  end)

  teardown(function()
    if pid then os.execute("kill " .. pid) end
    if pipe then pipe:close() end
  end)

  -- A model on a scripted "table" ("<tag>|batch"): every request is answered by markers.
  local function model()
    tag = tag + 1
    local M = bloop.Model:extend("Faulty", { table_name = ("lua%d|batch"):format(tag) })
    M.pk = Column(String, { hash_key = true })
    M.v = Column(Integer)
    M.seen = Column(Integer)
    return M
  end

  local function engine(batch)
    local e = bloop.Engine{ endpoint = ("http://127.0.0.1:%d"):format(port), region = "us-east-1",
      credentials = helpers.credentials, max_attempts = 1,
      batch = batch or { base_delay_ms = 1, max_delay_ms = 5, max_rounds = 3 } }
    return e
  end

  it("resends unprocessed items until they are written", function()
    local M = model()
    local e = engine()
    e:bind(M, { skip_table_setup = true })
    local objs = {}
    for i = 1, 30 do objs[i] = M{ pk = ("w%02d%s"):format(i, i % 3 == 0 and "~r2" or ""), v = i } end
    assert.same({}, e:batch_save(table.unpack(objs)))
    assert.same({}, e:batch_delete(table.unpack(objs)))
  end)

  it("returns what is still unprocessed, by object, after the bounded resends", function()
    local M = model()
    local e = engine()
    e:bind(M, { skip_table_setup = true })
    local objs = {}
    for i = 1, 60 do objs[i] = M{ pk = ("x%02d%s"):format(i, (i == 7 or i == 41) and "~rinf" or "~r1"), v = i } end
    local saved = {}
    local fn = bloop.signals.object_saved:connect(function(a) saved[#saved + 1] = a.obj end)
    local ok, left = pcall(e.batch_save, e, table.unpack(objs))
    bloop.signals.object_saved:disconnect(fn)
    assert(ok, left)
    assert.equal(2, #left)
    assert.equal(objs[7], left[1])      -- the very objects, in argument order
    assert.equal(objs[41], left[2])
    assert.equal(58, #saved)            -- object_saved only for what was written
    local deleted = e:batch_delete(objs[7], objs[8], objs[41])
    assert.same({ objs[7], objs[41] }, deleted)
  end)

  it("bounds the resends: max_rounds = 0 returns every unprocessed object at once", function()
    local M = model()
    local e = engine{ max_rounds = 0 }
    e:bind(M, { skip_table_setup = true })
    local a, b = M{ pk = "a~r1", v = 1 }, M{ pk = "b", v = 2 }
    assert.same({ a }, e:batch_save(a, b))
  end)

  it("load resends UnprocessedKeys (chunks of 100) and raises when keys stay unprocessed", function()
    local M = model()
    local e = engine()
    e:bind(M, { skip_table_setup = true })
    local objs = {}
    for i = 1, 150 do objs[i] = M{ pk = ("g%03d%s"):format(i, i % 50 == 0 and "~r2" or "") } end
    assert.equal(2, e:explain("load", table.unpack(objs))[1].chunks)
    e:load(table.unpack(objs))
    for i = 1, 150 do
      -- the server stamps how many times it saw the key: resent ones were seen 3 times
      assert.equal(i % 50 == 0 and 3 or 1, objs[i].seen)
    end
    local stuck = M{ pk = "stuck~rinf" }
    local err = raises(e.load, e, M{ pk = "fine" }, stuck)
    assert.equal("Faulty", err.model.Meta.name)
    assert.equal("load", err.operation)
    assert.matches("^Faulty load: ", err.message)
  end)

  it("load lists every missing object", function()
    local M = model()
    local e = engine()
    e:bind(M, { skip_table_setup = true })
    local here, gone1, gone2 = M{ pk = "here" }, M{ pk = "gone1~miss" }, M{ pk = "gone2~miss" }
    local err = raises(e.load, e, gone1, here, gone2)
    assert.equal("MissingObjects", err.name)
    assert.same({ gone1, gone2 }, err.objects)
    assert.equal(1, here.seen)
  end)

  it("a request that fails part-way: the others finish, err lists what was not written", function()
    local M = model()
    local e = engine()
    e:bind(M, { skip_table_setup = true })
    -- 60 objects: chunks 1-25, 26-50, 51-60; the second chunk's request is refused
    local objs = {}
    for i = 1, 60 do
      objs[i] = M{ pk = ("f%02d%s"):format(i, i == 30 and "~xvalidation" or ""), v = i }
    end
    local saved = {}
    local fn = bloop.signals.object_saved:connect(function(a) saved[#saved + 1] = a.obj end)
    local err = raises(e.batch_save, e, table.unpack(objs))
    bloop.signals.object_saved:disconnect(fn)
    assert.equal("ClientError", err.name)
    assert.equal("ValidationException", err.code)
    assert.equal("batch_save", err.operation)
    assert.matches("^Faulty batch_save: 25 of 60 objects not written", err.message)
    assert.equal("ClientError", err.cause.name)
    assert.equal("ValidationException", err.cause.code)
    assert.equal(25, #err.unprocessed)
    for i = 1, 25 do assert.equal(objs[25 + i], err.unprocessed[i]) end   -- caller's order
    assert.equal(35, #saved)            -- the first and third chunks were written
    -- the load of many: found ones are loaded, the failed chunk is listed
    local keys = {}
    for i = 1, 150 do
      keys[i] = M{ pk = ("k%03d%s"):format(i, i == 120 and "~xvalidation" or (i == 5 and "~miss" or "")) }
    end
    local lerr = raises(e.load, e, table.unpack(keys))
    assert.equal("ValidationException", lerr.code)
    assert.equal(50, #lerr.unprocessed)
    assert.equal(keys[101], lerr.unprocessed[1])
    assert.same({ keys[5] }, lerr.missing)
    assert.equal(1, keys[1].seen)       -- loaded
    assert.is_nil(keys[101].seen)
  end)

  -- The fault server charges as the service does, only what it processed: 1 unit a write,
  -- 0.5 a read (tests/tools/fault_server.py), so the sums below are exact.
  describe("capacity = true", function()
    local function with(objs, opts)
      local args = table.move(objs, 1, #objs, 1, {})
      args[#args + 1] = opts
      return table.unpack(args)
    end

    it("sums every request, resends of unprocessed entries included", function()
      local M = model()
      local e = engine()
      e:bind(M, { skip_table_setup = true })
      local objs = {}
      for i = 1, 30 do objs[i] = M{ pk = ("c%02d%s"):format(i, i % 3 == 0 and "~r2" or ""), v = i } end
      local left, cap = e:batch_save(with(objs, { capacity = true }))
      assert.same({}, left)
      assert.equal(30, cap.consumed)   -- 10 of them were written only by the second resend
      local keys = {}
      for i = 1, 30 do keys[i] = M{ pk = objs[i].pk } end
      assert.equal(15, e:load(with(keys, { capacity = true })).consumed)
      -- what stays unprocessed is not charged
      local stuck = M{ pk = "c-stuck~rinf", v = 0 }
      left, cap = e:batch_delete(objs[1], stuck, { capacity = true })
      assert.same({ stuck }, left)
      assert.equal(1, cap.consumed)
    end)

    it("a call that raises part-way puts what was consumed on the error", function()
      local M = model()
      local e = engine()
      e:bind(M, { skip_table_setup = true })
      local objs = {}
      for i = 1, 60 do
        objs[i] = M{ pk = ("cf%02d%s"):format(i, i == 30 and "~xvalidation" or ""), v = i }
      end
      local err = raises(e.batch_save, e, with(objs, { capacity = true }))
      assert.equal("ValidationException", err.code)
      assert.equal(25, #err.unprocessed)
      assert.equal(35, err.consumed)    -- the first and third chunks
      local keys = {}
      for i = 1, 150 do keys[i] = M{ pk = ("ck%03d%s"):format(i, i == 120 and "~xvalidation" or "") } end
      err = raises(e.load, e, with(keys, { capacity = true }))
      assert.equal(50, #err.unprocessed)
      assert.equal(50, err.consumed)    -- 100 keys read at 0.5
      -- without capacity the error has no such field
      assert.is_nil(raises(e.batch_save, e, table.unpack(objs)).consumed)
    end)
  end)

  it("refuses bad batch options", function()
    helpers.misuse(function() engine{ rounds = 1 } end, 'bloop.Engine: unknown batch option "rounds"')
    helpers.misuse(function() engine{ concurrency = 0 } end,
      "bloop.Engine: batch.concurrency must be an integer >= 1")
  end)
end)
