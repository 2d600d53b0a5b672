-- fuzz/lua_api.lua: random calls into bloop's Lua API and bloop.core, with random arguments,
-- meant to run under the ASan+UBSan build of the host:
--
--   build-asan/bin/bloop fuzz/lua_api.lua [SEED] [SECONDS]     (defaults: time, 10)
--
-- Every function of bloop.core, the public bloop functions, the methods of every userdata and
-- object the calls return, and the columns of a model covering every type are called with
-- argument lists drawn from a pool: well-formed objects made up front, values earlier calls
-- returned, and hostile values (NaN, huge numbers, invalid UTF-8, NUL bytes, cycles, wrong
-- types, functions that raise). Every call runs under pcall: a Lua error is the expected
-- answer to most of them. What counts as a finding is what pcall cannot catch: a crash, a
-- sanitizer report, a leak at exit (ASan's LeakSanitizer), or a hang (the caller's timeout).
-- The network is an endpoint that refuses at once (127.0.0.1:1), with one attempt.
-- The seed is printed first, so a finding can be replayed.
local seed = tonumber(arg[1]) or os.time()
local seconds = tonumber(arg[2]) or 10
print(("lua_api fuzz: seed %d, %g s"):format(seed, seconds))
io.stdout:flush()
math.randomseed(seed)

-- A hang is a finding too: a minute of CPU past the deadline, say where it is and stop
-- (the caller's timeout would only say that it took too long).
local hang_at = os.clock() + seconds + 60
debug.sethook(function()
  if os.clock() > hang_at then
    io.stderr:write(debug.traceback(("lua_api fuzz: seed %d hangs"):format(seed), 2), "\n")
    os.exit(3)
  end
end, "", 1000000)

local bloop = require("bloop")
local core = require("bloop.core")

local function pick(t) return t[math.random(#t)] end

-- ---- hostile values -------------------------------------------------------------------
local strings = { "", "a", "id", "n", "\0", "a\0b", "\xff", "\xc3\x28", "\xed\xa0\x80",
  "é", "{}", "{\"S\":\"x\"}", "[]", "1e400", "-0", "NaN", "trim_horizon", "latest", "save",
  "load", "query", "scan", "bind", "delete", "w", "r", "S", "N", "B", "SS", "M", "L",
  "#n0", ":v0", "user:pw@host", ("x"):rep(300), ("\xff"):rep(70) }
local numbers = { 0, -1, 1, 2, 3, 0.5, -0.0, 1 / 0, -1 / 0, 0 / 0, math.maxinteger,
  math.mininteger, 2 ^ 53, 1e300, -1e300, 1e-300, 38, 39, 100, 400 * 1024 }

local pool = {}          -- values calls returned, and the well-formed objects below
local function remember(v)
  if v == nil then return end
  if #pool < 300 then pool[#pool + 1] = v else pool[math.random(#pool)] = v end
end

local gen
local function gen_table(depth)
  local t = {}
  local n = math.random(0, 4)
  for _ = 1, n do
    local k
    if math.random() < 0.5 then k = math.random(1, 4) else k = pick(strings) end
    t[k] = gen(depth + 1)
  end
  if math.random() < 0.05 then t.self = t end                     -- a cycle
  if math.random() < 0.05 then
    setmetatable(t, { __index = function() error("index raised") end })
  end
  return t
end

function gen(depth)
  depth = depth or 0
  local r = math.random(100)
  if r <= 8 then return nil
  elseif r <= 12 then return math.random() < 0.5
  elseif r <= 30 then return pick(numbers)
  elseif r <= 35 then return math.random(-1000, 1000)
  elseif r <= 55 then return pick(strings)
  elseif r <= 60 then return ("z"):rep(math.random(0, 70000))
  elseif r <= 72 and depth < 3 then return gen_table(depth)
  elseif r <= 75 then return function() error("callback raised") end
  elseif r <= 77 then return function(...) return ... end
  elseif r <= 78 then return coroutine.create(function() end)
  elseif #pool > 0 then return pick(pool)
  end
  return bloop.null
end

-- ---- well-formed starting points ------------------------------------------------------
local engine = bloop.Engine{ endpoint = "http://127.0.0.1:1", region = "us-east-1",
  credentials = { access_key_id = "AKIDFUZZ", secret_access_key = "fuzz-secret-key" },
  max_attempts = 1, timeout = 0.5 }
local Doc = bloop.Model:extend("FuzzDoc", { table_name = "fuzz" })
Doc.id = bloop.Column(bloop.String, { hash_key = true })
Doc.n = bloop.Column(bloop.Integer)
Doc.f = bloop.Column(bloop.Float)
Doc.d = bloop.Column(bloop.Number)
Doc.b = bloop.Column(bloop.Binary)
Doc.ok = bloop.Column(bloop.Boolean)
Doc.u = bloop.Column(bloop.UUID)
Doc.t = bloop.Column(bloop.DateTime)
Doc.ts = bloop.Column(bloop.Timestamp)
Doc.ss = bloop.Column(bloop.Set(bloop.String))
Doc.ns = bloop.Column(bloop.Set(bloop.Integer))
Doc.l = bloop.Column(bloop.List(bloop.String))
Doc.m = bloop.Column(bloop.Map{ a = bloop.String, b = bloop.Integer })
Doc.dl = bloop.Column(bloop.DynamicList)
Doc.dm = bloop.Column(bloop.DynamicMap)
Doc.by_n = bloop.GlobalSecondaryIndex{ hash_key = "n", projection = "all" }
local columns = { "id", "n", "f", "d", "b", "ok", "u", "t", "ts", "ss", "ns", "l", "m", "dl", "dm" }

local function doc()
  local ok, d = pcall(Doc, { id = pick(strings) ~= "" and pick(strings) or "k" })
  return ok and d or Doc{ id = "k" }
end

for _, v in ipairs{ engine, Doc, doc(), doc(), Doc.n:eq(1), Doc.id:begins_with("a") | Doc.n:gt(2),
  bloop.decimal("1.5"), bloop.decimal("-0.0100"), bloop.uuid4(), bloop.set{ "a", "b" }, bloop.binary("ab"),
  bloop.datetime and bloop.datetime.now and bloop.datetime.now() or nil, bloop.null,
  bloop.Condition() } do
  remember(v)
end

-- ---- the callables ------------------------------------------------------------------------
local skip = { sleep = true, register_error_class = true, monotonic = true }
local callables = {}
local function add_functions(t, prefix)
  for k, v in pairs(t) do
    if type(v) == "function" and not skip[k] then
      callables[#callables + 1] = { name = prefix .. k, fn = v }
    end
  end
end
add_functions(core, "core.")
add_functions(bloop, "bloop.")

-- Methods of an object: its metatable's __index table (userdata and class instances).
local function methods_of(v)
  local mt = getmetatable(v)
  local idx = type(mt) == "table" and rawget(mt, "__index")
  local out = {}
  if type(idx) == "table" then
    for k, f in pairs(idx) do
      if type(f) == "function" and k ~= "sleep" then out[#out + 1] = { k, f } end
    end
  end
  return out
end

local function args(n)
  local a = {}
  for i = 1, n do a[i] = gen(0) end
  return a
end

local calls, raised = 0, 0
local function call(fn, ...)
  calls = calls + 1
  local res = table.pack(pcall(fn, ...))
  if not res[1] then
    raised = raised + 1
  else
    for i = 2, math.min(res.n, 4) do remember(res[i]) end
  end
end

-- ---- one step: a random kind of call --------------------------------------------------------
local ops = { "save", "delete", "load", "query", "scan", "bind", "batch_save", "batch_delete" }
local steps = {
  function()                                             -- a function of core or bloop
    local c = pick(callables)
    call(c.fn, table.unpack(args(math.random(0, 5))))
  end,
  function()                                             -- a method of something returned
    if #pool == 0 then return end
    local obj = pick(pool)
    local ms = methods_of(obj)
    if #ms == 0 then return end
    local m = pick(ms)
    call(m[2], obj, table.unpack(args(math.random(0, 4))))
  end,
  function()                                             -- a column set to anything, explained
    local d = doc()
    pcall(function() d[pick(columns)] = gen(0) end)
    call(engine.explain, engine, "save", d)
    call(engine.save, engine, d, math.random() < 0.3 and gen(0) or nil)
  end,
  function()                                             -- engine operations, odd arguments
    local op = pick(ops)
    if math.random() < 0.5 then
      call(engine.explain, engine, op, table.unpack(args(math.random(0, 3))))
    else
      call(engine[op], engine, table.unpack(args(math.random(0, 3))))
    end
  end,
  function()                                             -- conditions on every column
    local col = Doc[pick(columns)]
    local ms = { "eq", "ne", "lt", "le", "gt", "ge", "between", "begins_with", "contains",
      "in_", "is_" }
    local m = pick(ms)
    if col[m] then
      local ok, c = pcall(col[m], col, gen(0), gen(0))
      if ok then
        remember(c)
        call(engine.explain, engine, "scan", Doc, { filter = c })
      end
    end
  end,
  function()                                             -- a transaction
    call(engine.transaction, engine, pick{ "w", "r", gen(0) }, function(tx)
      for _ = 1, math.random(0, 3) do
        local m = pick{ "save", "delete", "check", "load" }
        if tx[m] then pcall(tx[m], tx, doc(), gen(0)) end
      end
    end)
  end,
  function()                                             -- a session client that is no client
    local real = engine.session.dynamodb_client
    engine.session.dynamodb_client = gen(0)
    call(pick{ engine.load, engine.save, engine.delete, engine.batch_save }, engine, doc())
    local ok, s = pcall(engine.scan, engine, Doc)
    if ok then call(s.one, s) end
    engine.session.dynamodb_client = real
  end,
  function()                                             -- a scan over segments, interleaved
    local ok, s = pcall(engine.scan, engine, Doc, { segments = pick{ 1, 2, 3, 7, 32, 33, gen(0) },
      page_size = pick{ nil, 1, 5, gen(0) }, limit = pick{ nil, 1, 3 } })
    if not ok then return end
    remember(s)
    for _ = 1, math.random(0, 3) do
      local m = pick{ "next", "reset", "all", "first", "pages" }
      call(s[m], s)
      if math.random() < 0.3 then pcall(function() return s.cursor, s.count, s.consumed end) end
      if math.random() < 0.2 then                        -- the client swapped mid-scan
        local real = engine.session.dynamodb_client
        engine.session.dynamodb_client = gen(0)
        call(s.next, s)
        engine.session.dynamodb_client = real
      end
    end
  end,
  function()                                             -- a new model from random parts
    local ok, M = pcall(bloop.Model.extend, bloop.Model, gen(0), gen(0))
    if ok then
      pcall(function() M[pick(strings)] = bloop.Column(pick{ bloop.String, bloop.Integer, gen(0) }, gen(0)) end)
      remember(M)
    end
  end,
}

local deadline = os.clock() + seconds
local n = 0
while os.clock() < deadline do
  pick(steps)()
  n = n + 1
  if n % 97 == 0 then collectgarbage("step", 100) end
  if n % 5000 == 0 then collectgarbage("collect") end
end
collectgarbage("collect")
print(("lua_api fuzz: %d calls, %d raised, no crash"):format(calls, raised))
