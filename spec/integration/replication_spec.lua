-- The replication tool (#integration #moto_only: dynalite has no Streams), run as a user
-- runs it: examples/replicate.lua as its own process on moto (one database per region),
-- killed with SIGKILL, restarted from its checkpoint and stopped with SIGTERM.
-- moto writes a phantom INSERT (key only) before the real one for every item an UpdateItem
-- creates (streams_spec.lua): record counts here come from reading the stream itself,
-- never from counting writes.
local bloop = require("bloop")
local cjson = require("cjson")
local core = require("bloop.core")
local helpers = require("spec.helpers")

local BIN = os.getenv("BLOOP_BIN") or "build/bin/bloop"
local SOURCE_DIR = os.getenv("BLOOP_SOURCE_DIR") or "."
local FROM, TO = "us-west-2", "us-east-1"

local function engine_in(region)
  return bloop.Engine{
    dynamodb = helpers.client("dynamodb", { region = region }),
    dynamodbstreams = helpers.client("dynamodbstreams", { region = region }),
  }
end

-- The columns examples/replicate.lua declares.
local function replicated_model(name)
  local M = bloop.Model:extend("MyModel", { table_name = name,
    stream = { include = { "new", "old" } } })
  M.id = bloop.Column(bloop.String, { hash_key = true })
  M.data = bloop.Column(bloop.String)
  M.note = bloop.Column(bloop.String)
  M.n = bloop.Column(bloop.Integer)
  M.tags = bloop.Column(bloop.Set(bloop.String))
  return M
end

local read = helpers.read_file

local function wait_until(what, seconds, fn)
  local deadline = core.monotonic() + seconds
  while core.monotonic() < deadline do
    local v = fn()
    if v then return v end
    core.sleep(0.1)
  end
  error("timed out waiting for " .. what, 2)
end

-- Starts the replicator in the background; its pid, exit status, stdout and stderr go to
-- files in dir (the subshell waits for it and writes its exit status).
local function start(dir, life, table_name)
  local files = { pid = dir .. "/pid" .. life, rc = dir .. "/rc" .. life,
    out = dir .. "/out" .. life, err = dir .. "/err" .. life }
  local cmd = ("( BLOOP_ENDPOINT='%s' '%s' '%s/examples/replicate.lua' --from %s --to %s "
    .. "--checkpoint '%s/token' --table '%s' >'%s' 2>'%s' & echo $! >'%s'; wait $!; "
    .. "echo $? >'%s' ) >/dev/null 2>&1 &"):format(helpers.endpoint("moto"), BIN, SOURCE_DIR,
    FROM, TO, dir, table_name, files.out, files.err, files.pid, files.rc)
  assert(os.execute(cmd))
  files.pid_value = wait_until("the replicator's pid", 5, function()
    return (read(files.pid) or ""):match("%d+")
  end)
  return files
end

local function signal(files, sig)
  os.execute(("kill -%s %s 2>/dev/null"):format(sig, files.pid_value))
  return wait_until("the replicator to exit", 10, function()
    return (read(files.rc) or ""):match("%d+")
  end)
end

-- Every item of the table, attribute for attribute, as canonical text (sets sorted).
local function canonical(v)
  if type(v) ~= "table" then return cjson.encode(v) end
  if #v > 0 then
    local parts = {}
    for i, x in ipairs(v) do parts[i] = canonical(x) end
    return "[" .. table.concat(parts, ",") .. "]"
  end
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = k end
  table.sort(keys)
  local parts = {}
  for i, k in ipairs(keys) do
    local x = v[k]
    if (k == "SS" or k == "NS" or k == "BS") and type(x) == "table" then
      x = { table.unpack(x) }
      table.sort(x)
    end
    parts[i] = cjson.encode(k) .. ":" .. canonical(x)
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

local function items(region, table_name)
  local client = helpers.client("dynamodb", { region = region })
  local out = {}
  for _, item in ipairs(client:scan{ TableName = table_name }.Items or {}) do
    out[item.id.S] = canonical(item)
  end
  return out
end

local function same_items(table_name)
  local a, b = items(FROM, table_name), items(TO, table_name)
  for id, text in pairs(a) do if b[id] ~= text then return false end end
  for id in pairs(b) do if a[id] == nil then return false end end
  return true
end

-- Records in the source stream after `position` (a token or "trim_horizon").
local function records_after(src, model, position)
  local stream = src:stream(model, position)
  local n = 0
  while stream:next() do n = n + 1 end
  return n
end

-- The checkpoint, decoded, once it passes every record in the source stream.
local function caught_up_checkpoint(dir, src, model)
  local ok, token = pcall(cjson.decode, read(dir .. "/token") or "")
  if ok and type(token) == "table" and records_after(src, model, token) == 0 then return token end
  return nil
end

describe("examples/replicate.lua #integration #moto_only", function()
  it("survives SIGKILL, resumes without replaying and stops cleanly on SIGTERM", function()
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p '" .. dir .. "'"))
    local table_name = helpers.table_name("replicate")
    local Model = replicated_model(table_name)
    local src, dst = engine_in(FROM), engine_in(TO)
    src:bind(Model)
    dst:bind(Model)
    local lives = {}
    finally(function()
      for _, files in ipairs(lives) do os.execute("kill -KILL " .. files.pid_value .. " 2>/dev/null") end
      os.execute("rm -rf '" .. dir .. "'")
    end)

    -- life 1: from the trim horizon
    lives[1] = start(dir, 1, table_name)
    local a = Model{ id = "a", data = "first", note = "draft", n = 1, tags = bloop.set{ "x", "y" } }
    local b = Model{ id = "b", data = "second", n = 2 }
    local c = Model{ id = "c", data = "third" }
    local d = Model{ id = "d", data = "fourth", tags = bloop.set{ "p" } }
    src:save(a, b, c, d)
    a.n = 10
    src:save(a)
    wait_until("life 1 to catch up", 15, function()
      return caught_up_checkpoint(dir, src, Model) and same_items(table_name)
    end)
    local first_token = caught_up_checkpoint(dir, src, Model)
    assert.equal("137", signal(lives[1], "KILL"))   -- 128 + SIGKILL: no clean stop

    -- while it is down: updates, attribute removals (down to a key-only item), deletes,
    -- inserts
    a.data, a.note = "changed", nil
    src:save(a)
    b.data, b.n = nil, nil
    src:save(b)
    d.tags = bloop.set{ "p", "q" }
    src:save(d)
    src:delete(c)
    src:save(Model{ id = "e", data = "fifth", n = 5 }, Model{ id = "f", note = "sixth" })
    local since_kill = records_after(src, Model, first_token)
    local total = records_after(src, Model, "trim_horizon")
    assert.is_true(since_kill > 0 and since_kill < total)

    -- life 2: from the checkpoint
    lives[2] = start(dir, 2, table_name)
    wait_until("life 2 to catch up", 15, function()
      return caught_up_checkpoint(dir, src, Model) and same_items(table_name)
    end)
    local replica = items(TO, table_name)
    assert.is_nil(replica.c)
    assert.equal(canonical{ id = { S = "b" } }, replica.b)
    assert.equal(canonical{ id = { S = "a" }, data = { S = "changed" }, n = { N = "10" },
      tags = { SS = { "x", "y" } } }, replica.a)
    assert.equal("0", signal(lives[2], "TERM"))

    -- a clean stop: the checkpoint is a token of the source's stream that passes every
    -- record, and life 2 applied exactly the records written after life 1's checkpoint
    local token = cjson.decode(read(dir .. "/token"))
    assert.equal(src.stream_arns[Model], token.stream_arn)
    assert.equal(0, records_after(src, Model, token))
    local out = read(lives[2].out)
    local applied = tonumber(out:match("^replicated (%d+) records"))
    assert.equal(since_kill, applied)
    assert.matches("stopped by SIGTERM", out)
    assert.matches(("replicate: stopped %%(SIGTERM%%) after applying %d records"):format(applied),
      read(lives[2].err))
    assert.same({}, (function()   -- no temporary checkpoint left behind
      local left = {}
      for name in io.popen("ls '" .. dir .. "'"):lines() do
        if name:match("^token%.tmp") then left[#left + 1] = name end
      end
      return left
    end)())
  end)
end)
