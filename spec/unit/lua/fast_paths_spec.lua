-- The compiled column paths (src/lua/lfast.c) against the full ones, without a server: a
-- model whose columns all dump plainly is dumped through the compiled spec; the same model
-- plus one column whose type has a Lua dynamo_dump (which calls the built-in) goes through
-- the full path (ldump.c, column by column). Whatever each column holds, valid or not, both
-- must build the same request, or raise the same error (the compiled path gives up on
-- anything unusual and the full path, run from the start, raises). The loads are
-- spec/integration/fast_loads_spec.lua (they need a server's answers).
local bloop = require("bloop")
local helpers = require("spec.helpers")
local Column = bloop.Column

local function columns(M, slow)
  M.id = Column(bloop.String, { hash_key = true })
  return helpers.fast_path_columns(M, slow)
end

local Fast = columns(bloop.Model:extend("Fast", { table_name = "fast-paths" }))
local Full = columns(bloop.Model:extend("Full", { table_name = "fast-paths" }), true)

local engine = bloop.Engine{ endpoint = "http://127.0.0.1:9", region = "us-east-1",
  credentials = { access_key_id = "x", secret_access_key = "y" } }

-- What each column may hold: values each type dumps, and values it refuses.
local function index_view(t) return setmetatable({}, { __index = t }) end
local samples = {
  s = { "", "plain", 'q"uote\\back', "tab\tnl\ncr\r\1\31", "é€😀", "\255bad", 1, true, {} },
  n = { 0, -7, 1.5, 0.1, 1e30, -2.5e-20, 0 / 0, 1 / 0, bloop.decimal("1.50"),
    bloop.decimal("-0"), "5", false, {} },
  i = { 3, -3, 3.0, 3.5, 2 ^ 63, bloop.decimal("2"), bloop.decimal("2.5"),
    math.maxinteger, math.mininteger, "1" },
  f = { 1.25, 3, bloop.decimal("0.1"), 0 / 0, "x" },
  ok = { true, false, 1, "true" },
  ss = { { "a", "b", "a" }, bloop.set{ "x", "y" }, {}, { "" }, { "a", 1 }, { x = "a" },
    { "a", nil, "c" }, "a", { "é", "\255" } },
  ns = { { 1, 2, 1.0 }, { 3, bloop.decimal("3.0") }, bloop.set{ 4 }, { 0.1, 0.25 }, {},
    { 1, "2" }, { 0 / 0 } },
  l = { { "a", "b" }, {}, { "a", bloop.null }, { "", "x" }, { 1 }, { k = "v" },
    bloop.set{ "a" } },
  m = { { x = "a" }, { x = "a", y = 2 }, {}, { z = 1 }, { y = 1.5 }, { x = 1 },
    { inner = { z = { 1, 2, 2 } } }, { inner = { z = {} } }, { inner = {} },
    index_view({ x = "through __index" }), bloop.set{ "x" }, { [1] = "a" } },
}

local function request(model, values)
  local obj = model{ id = "k" }
  for k, v in pairs(values) do obj[k] = v end
  local ok, out = pcall(engine.explain, engine, "save", obj)
  if not ok then
    return { error = true, name = out.name, code = out.code,
      message = tostring(out.message):gsub("Full", "Fast") }
  end
  return { request = out[1].request, item_size = out[1].item_size }
end

describe("the compiled dump (src/lua/lfast.c)", function()
  it("builds the full path's request for every sample of every column", function()
    for col, vals in pairs(samples) do
      for i, v in ipairs(vals) do
        local fast, full = request(Fast, { [col] = v }), request(Full, { [col] = v })
        assert.same(full, fast, ("column %s, sample %d (%s)"):format(col, i, tostring(v)))
      end
    end
  end)

  it("builds the full path's request for random objects", function()
    local seed = os.time()
    math.randomseed(seed)
    local names = {}
    for k in pairs(samples) do names[#names + 1] = k end
    table.sort(names)
    for round = 1, 300 do
      local values = {}
      for _, k in ipairs(names) do
        if math.random(3) > 1 then values[k] = samples[k][math.random(#samples[k])] end
      end
      local fast, full = request(Fast, values), request(Full, values)
      assert.same(full, fast, ("seed %d, round %d"):format(seed, round))
    end
  end)

  it("reads a Map value through its metatable as the full path does", function()
    local r = request(Fast, { m = index_view({ x = "through __index" }) })
    assert.is_nil(r.error)
    assert.equal("through __index",
      r.request.ExpressionAttributeValues[":v0"].M.x.S)
  end)
end)
