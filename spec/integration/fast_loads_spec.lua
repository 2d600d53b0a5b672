-- The compiled load (src/lua/lfast.c) against the full one (#integration): items written
-- through the low-level client, as another SDK would write them (escapes, NULLs, numbers
-- in any form, fields a Map does not declare, attributes that are no column, values of the
-- wrong type), are loaded and queried through a model whose columns all load plainly (read
-- straight from the answer's text) and through the same model plus one column whose type
-- has a Lua dynamo_load (the full path: the item read, then loaded column by column).
-- Both must give the same objects, the same later save, or the same error; and so must
-- engine:load's general way (an options table given), beside its one-object call. The
-- one-object save of a new object (done in one C call when every column has a value that
-- dumps plainly) must store what the general way (an options table given) stores.
local bloop = require("bloop")
local helpers = require("spec.helpers")
local values = require("bloop.values")
local Column = bloop.Column


local NAMES = { "s", "n", "i", "f", "ok", "ss", "ns", "l", "m" }

local function model(name, tbl, slow)
  local M = bloop.Model:extend(name, { table_name = tbl })
  M.pk = Column(bloop.String, { hash_key = true })
  M.sk = Column(bloop.Number, { range_key = true })
  return helpers.fast_path_columns(M, slow)
end

-- What another writer may have stored in each attribute (wire form).
local stored = {
  s = { { S = "plain" }, { S = "" }, { S = 'q"uote \\ back' }, { S = "tab\tnl\n" },
    { S = "é€😀" }, { NULL = true }, { N = "5" } },
  n = { { N = "1.50" }, { N = "-0" }, { N = "1E+30" }, { N = "0.000001" },
    { N = "12345678901234567890123456789012345678" }, { S = "x" }, { NULL = true } },
  i = { { N = "3" }, { N = "-7" }, { N = "3.5" }, { N = "99999999999999999999" },
    { N = "1E+2" } },
  f = { { N = "0.1" }, { N = "1E-130" }, { N = "-2.5" } },
  ok = { { BOOL = true }, { BOOL = false }, { NULL = true }, { S = "true" } },
  ss = { { SS = { "a", "b" } }, { SS = { "é", 'q"' } }, { NS = { "1" } } },
  ns = { { NS = { "1", "2.50" } }, { NS = { "1E+2", "-3" } }, { SS = { "a" } } },
  l = { { L = { { S = "a" }, { NULL = true } } }, { L = {} }, { L = { { N = "1" } } },
    { L = { { S = "x" }, { S = "" } } } },
  m = { { M = { x = { S = "a" }, y = { N = "2" } } }, { M = { undeclared = { S = "z" } } },
    { M = { inner = { M = { z = { NS = { "1", "2" } } } } } }, { M = {} },
    { M = { x = { S = "a" }, inner = { M = { z = { NS = { "1.5" } } } } } },
    { M = { y = { NULL = true } } } },
  extra = { { S = "not a column" } },
}

local function outcome(fn)
  local ok, res = pcall(fn)
  if ok then return { value = res } end
  return { error = true, name = res.name, code = res.code,
    message = tostring(res.message):gsub("Full", "Fast") }
end

-- The columns of obj as one table (nil where a column has no value).
local function columns_of(obj)
  local out = {}
  for _, k in ipairs(NAMES) do out[k] = obj[k] end
  out.pk, out.sk = obj.pk, obj.sk
  return out
end

local function same(explain, fast, full, what)
  assert.equal(full.error, fast.error, what)
  if fast.error then
    assert.same({ full.name, full.code, full.message }, { fast.name, fast.code, fast.message }, what)
    return
  end
  local a, b = columns_of(fast.value), columns_of(full.value)
  for k, v in pairs(b) do
    assert.is_true(values.equal(a[k], v), ("%s: column %s: %s vs %s"):format(what, k,
      tostring(a[k]), tostring(v)))
  end
  for k in pairs(a) do assert.is_not_nil(b[k], ("%s: column %s"):format(what, k)) end
  -- the snapshot each kept: the same save follows
  fast.value.s, full.value.s = "changed", "changed"
  local save_fast = outcome(function() return explain(fast.value) end)
  local save_full = outcome(function() return explain(full.value) end)
  assert.same(save_full, save_fast, what .. ": the save after it")
end

describe("the compiled load #integration", function()
  local engine, raw, tbl, Fast, Full
  setup(function()
    engine = helpers.engine()
    raw = helpers.client()
    tbl = helpers.table_name("fastload")
    helpers.create_table(raw, tbl, { range = true })
    Fast, Full = model("Fast", tbl), model("Full", tbl, true)
    engine:bind(Fast)
    engine:bind(Full)
  end)
  teardown(function() raw:delete_table{ TableName = tbl } end)

  local function explain(obj) return engine:explain("save", obj)[1].request end

  local function put(pk, sk, attrs)
    local item = { pk = { S = pk }, sk = { N = tostring(sk) } }
    for k, v in pairs(attrs) do item[k] = v end
    raw:put_item{ TableName = tbl, Item = item }
  end

  it("loads every stored form of every column as the full path does", function()
    local n = 0
    for col, forms in pairs(stored) do
      for i, w in ipairs(forms) do
        n = n + 1
        put("one", n, { [col] = w })
        local function load(M, opts)
          return outcome(function()
            local o = M{ pk = "one", sk = n }
            engine:load(o, opts)
            return o
          end)
        end
        same(explain, load(Fast), load(Full), ("load: %s form %d"):format(col, i))
        -- with an options table engine:load takes its general way (ce:load, every object
        -- an op), not the one-object call: the same objects or the same error
        same(explain, load(Fast, {}), load(Full), ("load, general way: %s form %d"):format(col, i))
      end
    end
  end)

  it("queries random items as the full path does", function()
    local seed = os.time()
    math.randomseed(seed)
    local names = { "extra" }
    for _, k in ipairs(NAMES) do names[#names + 1] = k end
    for sk = 1, 60 do
      local attrs = {}
      for _, k in ipairs(names) do
        -- mostly valid forms (the first ones), sometimes anything
        local forms = stored[k]
        if math.random(3) > 1 then
          attrs[k] = forms[math.random(4) > 1 and 1 or math.random(#forms)]
        end
      end
      if math.random(2) == 1 then attrs.extra = nil end
      put("many", sk, attrs)
    end
    local function all(M)
      local out = {}
      local search = engine:query(M, { key = M.pk:eq("many") })
      for i = 1, 61 do
        local r = outcome(function() return search:next() end)
        if not r.error and r.value == nil then break end
        out[i] = r
        if r.error then break end   -- an item that cannot load ends the page, as always
      end
      return out
    end
    local fast, full = all(Fast), all(Full)
    assert.equal(#full, #fast, "seed " .. seed)
    for i = 1, #full do same(explain, fast[i], full[i], ("seed %d, item %d"):format(seed, i)) end
  end)

  it("saves a new object in one call as the general way does", function()
    local seed = os.time()
    math.randomseed(seed)
    local choices = {
      s = { "plain", "", 'q"uote \\ back', "tab\tnl\n", "é€😀", "\xff", 5 },
      n = { 1.5, -0.0, 1e30, bloop.decimal("12345678901234567890123456789012345678"), "x" },
      i = { 3, -7, 2^53 },
      f = { 0.1, -2.5 },
      ok = { true, false },
      ss = { bloop.set{ "a", "b" }, bloop.set{ "é", 'q"' }, bloop.set{} },
      ns = { bloop.set{ 1, 2.5 }, bloop.set{ 100, -3 } },
      l = { { "a", "" }, {}, { "x" } },
      m = { { x = "a", y = 2 }, { inner = { z = bloop.set{ 1, 2 } } }, {}, { x = "a", w = 1 } },
    }
    local function stored_item(pk, sk)
      local item = raw:get_item{ TableName = tbl, Key = { pk = { S = pk }, sk = { N = tostring(sk) } },
        ConsistentRead = true }.Item
      if item then item.pk = nil end
      return item
    end
    local saved_events = 0
    local function on_saved() saved_events = saved_events + 1 end
    bloop.signals.object_saved:connect(on_saved)
    for sk = 1, 80 do
      local vals = {}
      for _, k in ipairs(NAMES) do
        -- mostly every column set (the one-call save), sometimes one left out or odd
        if math.random(20) > 1 then
          local c = choices[k]
          vals[k] = c[math.random(2) == 1 and 1 or math.random(#c)]
        end
      end
      local function save(pk, opts)
        return outcome(function()
          local fields = { pk = pk, sk = sk }
          for k, v in pairs(vals) do fields[k] = v end
          local o = Fast(fields)
          if opts then engine:save(o, opts) else engine:save(o) end
          return o
        end)
      end
      local before = saved_events
      local one, general = save("one-call", nil), save("general", {})
      local what = ("seed %d, item %d"):format(seed, sk)
      assert.equal(general.error, one.error, what)
      if one.error then
        assert.same({ general.name, general.code }, { one.name, one.code }, what)
        assert.equal(general.message:gsub("general", "one-call"), one.message, what)
        assert.is_nil(stored_item("one-call", sk), what)
      else
        assert.equal(before + 2, saved_events, what)
        assert.same(stored_item("general", sk), stored_item("one-call", sk), what)
        -- synced alike: the next save sends the same, with nothing changed and with a change
        local function next_save(o)
          local r = explain(o)
          r.Key.pk = nil
          return r
        end
        assert.same(next_save(general.value), next_save(one.value), what)
        one.value.s, general.value.s = "changed", "changed"
        assert.same(next_save(general.value), next_save(one.value), what)
      end
    end
    bloop.signals.object_saved:disconnect(on_saved)
  end)

  -- A small set read from the answer's text gets its member index on first use (set.lua);
  -- it must answer as a set made in Lua does, before and after it changes.
  it("loads sets that answer as sets made in Lua", function()
    local many = {}
    for i = 1, 12 do many[i] = "m" .. i end   -- past the size that skips the index
    put("sets", 1, { ss = { SS = { "a", "b" } }, ns = { NS = { "1", "2.50" } } })
    put("sets", 2, { ss = { SS = many } })
    for _, M in ipairs({ Fast, Full }) do
      local o = M{ pk = "sets", sk = 1 }
      engine:load(o)
      assert.is_true(o.ss == bloop.set{ "b", "a" }, M.Meta.name)
      assert.is_true(bloop.set{ "a", "b" } == o.ss, M.Meta.name)
      assert.is_true(o.ss:has("a") and o.ss:has("b") and not o.ss:has("c"), M.Meta.name)
      assert.is_true(o.ns:has(2.5) and o.ns:has(bloop.decimal("2.5")) and o.ns:has(1.0))
      o.ss:add("a")
      assert.equal(2, #o.ss)
      assert.is_true(o.ss:remove("a"))
      assert.is_false(o.ss:has("a"))
      o.ss:add("c")
      assert.is_true(o.ss == bloop.set{ "b", "c" }, M.Meta.name)
      local again = M{ pk = "sets", sk = 1 }
      engine:load(again)
      assert.is_true(again.ns == bloop.set{ 2.5, 1 }, M.Meta.name)
      local big = M{ pk = "sets", sk = 2 }
      engine:load(big)
      assert.equal(12, #big.ss)
      assert.is_true(big.ss == bloop.set(many), M.Meta.name)
      assert.is_true(big.ss:has("m12") and not big.ss:has("m13"), M.Meta.name)
    end
  end)
end)
