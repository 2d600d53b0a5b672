-- The request/answer codec of the binding (src/lua/ljson.c): Lua tables in the service's
-- JSON shape, encoded without an intermediate tree and decoded through cJSON.
local core = require("bloop.core")

describe("bloop.core JSON codec", function()
  describe("encoding", function()
    local cases = {
      { "a string", "x", '"x"' },
      { "escapes", 'a"b\\c\n\t\1', '"a\\"b\\\\c\\n\\t\\u0001"' },
      { "UTF-8 passes through", "héllo ሴ", '"héllo ሴ"' },
      { "an integer", 42, "42" },
      { "a negative integer", -9007199254740993, "-9007199254740993" },
      { "a float", 0.5, "0.5" },
      { "booleans", true, "true" },
      { "an array", { 1, 2, 3 }, "[1,2,3]" },
      { "an empty table is an object", {}, "{}" },
      { "an empty list under L is an array", { L = {} }, '{"L":[]}' },
      { "a marked empty array", core.array(), "[]" },
      { "null", core.null, "null" },
    }
    for _, c in ipairs(cases) do
      it(c[1], function() assert.equal(c[3], core.json_encode(c[2])) end)
    end

    it("encodes a nested object", function()
      local s = core.json_encode({ M = { k = { S = "v" } } })
      assert.equal('{"M":{"k":{"S":"v"}}}', s)
    end)

    local bad = {
      { "NaN", { n = 0 / 0 }, "n: number is NaN or infinite" },
      { "infinity", { a = { math.huge } }, "a%[1%]: number is NaN or infinite" },
      { "invalid UTF-8", { Item = { b = { S = "\255" } } }, "Item.b.S: string is not valid UTF%-8" },
      { "a function", { f = print }, "f: cannot send a function value as JSON" },
      { "mixed keys", { 1, x = 2 }, "non%-string key" },
    }
    for _, c in ipairs(bad) do
      it("refuses " .. c[1] .. " and names where it is", function()
        local ok, err = pcall(core.json_encode, c[2])
        assert.is_false(ok)
        assert.truthy(tostring(err):find(c[3]), tostring(err))
      end)
    end

    it("refuses a cycle", function()
      local t = {}
      t.self = t
      local ok, err = pcall(core.json_encode, t)
      assert.is_false(ok)
      assert.truthy(err:find("nested too deeply"))
    end)
  end)

  describe("decoding", function()
    it("decodes objects, arrays, numbers and booleans", function()
      local v = core.json_decode('{"a":[1,2.5,"x",true,{}],"n":-3}')
      assert.same({ 1, 2.5, "x", true, {} }, v.a)
      assert.equal(-3, v.n)
      assert.equal(math.type(v.n), "integer")
    end)

    it("marks arrays so an empty one encodes back as []", function()
      local v = core.json_decode('{"L":[],"x":[]}')
      assert.equal(core.array_mt, getmetatable(v.x))
      assert.equal('[]', core.json_encode(v.x))
    end)

    it("refuses a string holding \\u0000 rather than cutting it short", function()
      assert.has_error(function() core.json_decode('{"a":"x\\u0000y"}') end,
        "bloop.json_decode: invalid JSON")
    end)

    it("refuses invalid JSON", function()
      assert.has_error(function() core.json_decode("{") end, "bloop.json_decode: invalid JSON")
    end)
  end)
end)
