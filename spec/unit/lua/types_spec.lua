-- Column types: Lua value -> dump -> wire -> load, every error message, subclassing,
-- supports / path_type.
local bloop = require("bloop")
local helpers = require("spec.helpers")
local cjson = require("cjson")

local D = bloop.decimal
local dt = bloop.datetime.parse

local function err_of(fn, ...)
  local ok, err = pcall(fn, ...)
  assert.is_false(ok, "expected an error")
  return err
end

describe("types", function()
  describe("round trips", function()
    local uuid = bloop.uuid("12345678-9abc-def0-1234-56789abcdef0")
    local when = dt("2023-06-01T10:20:30.5+02:00")
    local big = "12345678901234567890123456789012345678"
    local cases = {
      -- type, Lua value, wire, loaded value (defaults to the Lua value)
      { bloop.String, "hello", { S = "hello" } },
      { bloop.String, "héllo\n", { S = "héllo\n" } },
      { bloop.Number, 3, { N = "3" }, D(3) },
      { bloop.Number, 3.14, { N = "3.14" }, D("3.14") },
      { bloop.Number, 0.1, { N = "0.1" }, D("0.1") },
      { bloop.Number, -0.0, { N = "0" }, D(0) },
      { bloop.Number, D(big), { N = big }, D(big) },
      { bloop.Number, D("-" .. big), { N = "-" .. big }, D("-" .. big) },
      { bloop.Number, D("1E+125"), { N = "1E+125" }, D("1E+125") },
      { bloop.Number, D("1E-130"), { N = "1E-130" }, D("1E-130") },
      { bloop.Number, 1e100, { N = "1E+100" }, D("1e100") },
      { bloop.Number, math.maxinteger, { N = "9223372036854775807" }, D(math.maxinteger) },
      { bloop.Integer, 42, { N = "42" } },
      { bloop.Integer, -7, { N = "-7" } },
      { bloop.Integer, 4.0, { N = "4" }, 4 },
      { bloop.Integer, D("12"), { N = "12" }, 12 },
      { bloop.Integer, math.mininteger, { N = "-9223372036854775808" } },
      { bloop.Float, 3.14, { N = "3.14" } },
      { bloop.Float, 1e-7, { N = "1E-7" } },
      { bloop.Float, 2, { N = "2" }, 2.0 },
      { bloop.Binary, "a\0b\255", { B = "a\0b\255" } },
      { bloop.Boolean, true, { BOOL = true } },
      { bloop.Boolean, false, { BOOL = false } },
      { bloop.UUID, uuid, { S = "12345678-9abc-def0-1234-56789abcdef0" } },
      { bloop.DateTime, when, { S = "2023-06-01T08:20:30.500000+00:00" } },
      { bloop.Timestamp, dt("2023-06-01T08:20:30Z"), { N = "1685607630" } },
      { bloop.Set(bloop.String), bloop.set { "a", "b" }, { SS = { "a", "b" } } },
      { bloop.Set(bloop.String), { "a", "b", "a" }, { SS = { "a", "b" } }, bloop.set { "a", "b" } },
      { bloop.Set(bloop.Number), bloop.set { 1, 2.5 }, { NS = { "1", "2.5" } },
        bloop.set { 1, D("2.5") } },
      { bloop.Set(bloop.Integer), { 3, 1 }, { NS = { "3", "1" } }, bloop.set { 1, 3 } },
      { bloop.Set(bloop.Binary), { "\0", "\1" }, { BS = { "\0", "\1" } }, bloop.set { "\0", "\1" } },
      { bloop.Set(bloop.UUID), bloop.set { uuid }, { SS = { tostring(uuid) } } },
      { bloop.List(bloop.Integer), { 1, 2, 3 }, { L = { { N = "1" }, { N = "2" }, { N = "3" } } } },
      -- "" and empty bytes are values wherever DynamoDB stores them: positions are kept
      { bloop.List(bloop.String), { "a", "", "b" }, { L = { { S = "a" }, { S = "" }, { S = "b" } } } },
      { bloop.String, "", { S = "" } },
      { bloop.Binary, "", { B = "" } },
      { bloop.Set(bloop.String), { "", "z" }, { SS = { "", "z" } }, bloop.set { "", "z" } },
      { bloop.Map { a = bloop.Integer, b = bloop.String }, { a = 1, b = "x" },
        { M = { a = { N = "1" }, b = { S = "x" } } } },
      { bloop.Map { a = bloop.Integer, b = bloop.String }, { a = 1, b = "" },
        { M = { a = { N = "1" }, b = { S = "" } } } },
      { bloop.Map { tags = bloop.List(bloop.Set(bloop.String)), n = bloop.Map { x = bloop.Float } },
        { tags = { { "a" }, { "b", "c" } }, n = { x = 0.5 } },
        { M = { tags = { L = { { SS = { "a" } }, { SS = { "b", "c" } } } },
          n = { M = { x = { N = "0.5" } } } } },
        { tags = { bloop.set { "a" }, bloop.set { "b", "c" } }, n = { x = 0.5 } } },
      { bloop.DynamicList, { "a", 1, true, { x = 1 }, { 1, 2 } },
        { L = { { S = "a" }, { N = "1" }, { BOOL = true }, { M = { x = { N = "1" } } },
          { L = { { N = "1" }, { N = "2" } } } } } },
      { bloop.DynamicMap, { s = "", e = {}, n = 1.5, set = bloop.set { 1 }, ss = bloop.set { "q" } },
        { M = { s = { S = "" }, e = { M = {} }, n = { N = "1.5" }, set = { NS = { "1" } },
          ss = { SS = { "q" } } } },
        { s = "", e = {}, n = D("1.5"), set = bloop.set { 1 }, ss = bloop.set { "q" } } },
      { bloop.DynamicList, { bloop.null, "x" }, { L = { { NULL = true }, { S = "x" } } } },
      -- B inside dynamic types loads as bloop.binary (a plain string means S) and saves as B
      { bloop.DynamicMap, { b = bloop.binary("a\0b\255"), s = "a",
          bs = bloop.set { bloop.binary("\0"), bloop.binary("\1") } },
        { M = { b = { B = "a\0b\255" }, s = { S = "a" }, bs = { BS = { "\0", "\1" } } } } },
      { bloop.DynamicList, { bloop.binary(""), { bloop.binary("x") } },
        { L = { { B = "" }, { L = { { B = "x" } } } } } },
      { bloop.Binary, bloop.binary("x\0"), { B = "x\0" }, "x\0" },
      { bloop.Set(bloop.Binary), { bloop.binary("\0"), "\0", "\1" }, { BS = { "\0", "\1" } },
        bloop.set { "\0", "\1" } },
      -- a typed list keeps its positions: NULL (written by other tools) holds bloop.null
      { bloop.List(bloop.String), { "a", bloop.null, "b" },
        { L = { { S = "a" }, { NULL = true }, { S = "b" } } } },
      { bloop.List(bloop.Map { n = bloop.Integer }), { { n = 1 }, bloop.null, { n = 3 } },
        { L = { { M = { n = { N = "1" } } }, { NULL = true }, { M = { n = { N = "3" } } } } } },
    }
    for i, case in ipairs(cases) do
      local t, value, wire, loaded = case[1], case[2], case[3], case[4]
      if loaded == nil then loaded = value end
      it(("%d: %s %s"):format(i, tostring(t), cjson.encode(wire)), function()
        assert.same(wire, t:dump(value))
        local back = t:load(wire)
        if type(loaded) == "number" then
          assert.equal(math.type(loaded), math.type(back))
        end
        if bloop.typename(loaded) == "set" then
          assert.is_true(loaded == back, tostring(back))
        else
          assert.same(loaded, back)
        end
      end)
    end

    it("keeps list positions when an element loads as nothing", function()
      local Odd = bloop.String:extend("Odd")
      function Odd:dynamo_load(v) if v ~= "skip" then return v end end
      local loaded = bloop.List(Odd):load { L = { { S = "a" }, { S = "skip" }, { S = "c" } } }
      assert.same({ "a", bloop.null, "c" }, loaded)
      assert.same({ "a", bloop.null, "b" },
        bloop.List(bloop.String):load { L = { { S = "a" }, { NULL = true }, { S = "b" } } })
    end)

    it("keeps big floats and tiny exponents exact", function()
      assert.same({ N = "1.7976931348623157E+100" }, bloop.Number:dump(1.7976931348623157e100))
      assert.same({ N = "5E-7" }, bloop.Number:dump(5e-7))
      assert.same(D("-1.5E-100"), bloop.Number:load { N = "-1.5e-100" })
    end)

    it("loads the fraction of a Timestamp written by someone else", function()
      assert.equal("2023-06-01T08:20:30.250000+00:00",
        bloop.Timestamp:load({ N = "1685607630.25" }):isoformat())
      assert.equal("1969-12-31T23:59:59.500000+00:00",
        bloop.Timestamp:load({ N = "-0.5" }):isoformat())
    end)

    it("floors fractional seconds when dumping a Timestamp", function()
      assert.same({ N = "1685607630" }, bloop.Timestamp:dump(dt("2023-06-01T08:20:30.999Z")))
      assert.same({ N = "-1" }, bloop.Timestamp:dump(dt("1969-12-31T23:59:59.5Z")))
    end)

    it("parses DateTime liberally on load", function()
      assert.equal(when, bloop.DateTime:load { S = "2023-06-01T08:20:30.5Z" })
      assert.equal(uuid, bloop.UUID:load { S = "12345678-9ABC-DEF0-1234-56789ABCDEF0" })
    end)

    it("loads dynamic numbers as integers when integral, else decimals; NULL as bloop.null",
      function()
        local v = bloop.DynamicMap:load { M = { a = { N = "2" }, b = { N = "2.5" },
          c = { NULL = true }, d = { L = { { NULL = true } } } } }
        assert.equal(2, v.a)
        assert.equal("integer", math.type(v.a))
        assert.equal(D("2.5"), v.b)
        assert.equal(bloop.null, v.c)  -- so { c = bloop.null } round-trips exactly
        assert.equal(bloop.null, v.d[1])
        assert.equal(D("1E+30"), bloop.DynamicList:load({ L = { { N = "1E+30" } } })[1])
      end)
  end)

  describe("absent values", function()
    local cases = {
      { bloop.String, nil }, { bloop.Number, nil },
      { bloop.Set(bloop.String), bloop.set {} }, { bloop.Set(bloop.String), {} },
      { bloop.List(bloop.Integer), {} }, { bloop.Map { a = bloop.String }, {} },
      { bloop.DynamicMap, {} }, { bloop.DynamicList, {} },
    }
    for i, case in ipairs(cases) do
      it(("%d: %s dumps %s as absent"):format(i, tostring(case[1]), tostring(case[2])), function()
        assert.is_nil(case[1]:dump(case[2]))
      end)
    end
    it("loads absent and NULL as nil", function()
      assert.is_nil(bloop.String:load(nil))
      assert.is_nil(bloop.Integer:load { NULL = true })
      assert.is_nil(bloop.Set(bloop.String):load(nil))
    end)
  end)

  describe("errors", function()
    local cases = {
      { bloop.Integer, 1.5, "Integer got 1.5" },
      { bloop.Integer, 0/0, "Integer got NaN" },
      { bloop.Integer, "1", 'Integer got "1"' },
      { bloop.Integer, 2^63, "Integer got 9.223372036854776e+18" },
      { bloop.Integer, D("1.5"), "Integer got decimal 1.5" },
      { bloop.Integer, D("1E+20"), "Integer got decimal 100000000000000000000 (beyond 64-bit integers)" },
      { bloop.Number, 0/0, "Number got NaN" },
      { bloop.Number, math.huge, "Number got inf" },
      { bloop.Number, -math.huge, "Number got -inf" },
      { bloop.Number, 1e300, "Number got 1e+300 (float 1e+300 overflows (DynamoDB numbers stay below 1E+126))" },
      { bloop.Number, "3", 'Number got "3"' },
      { bloop.Boolean, "yes", 'Boolean got "yes"' },
      { bloop.Boolean, 1, "Boolean got 1" },
      { bloop.String, 3, "String got 3" },
      { bloop.String, "\255", 'String got "\\255" (not valid UTF-8)' },
      { bloop.Binary, {}, "Binary got a table" },
      { bloop.UUID, "12345678-9abc-def0-1234-56789abcdef0",
        'UUID got "12345678-9abc-def0-1234-56789abcdef0"' },
      { bloop.DateTime, "2023-01-01T00:00:00Z", 'DateTime got "2023-01-01T00:00:00Z"' },
      { bloop.Set(bloop.String), { "a", 1 }, "Set(String) got a table with a number in it" },
      { bloop.Set(bloop.String), bloop.set { 1 }, "Set(String) got a table with a number in it" },
      { bloop.Set(bloop.Integer), { 1.5 }, "Set(Integer) got a table with 1.5 in it" },
      { bloop.Set(bloop.String), { a = "x" }, "Set(String) got a table (not an array)" },
      { bloop.List(bloop.Integer), bloop.set { 1 }, "List(Integer) got a set" },
      { bloop.Map { a = bloop.Integer }, { a = "x" }, "Map{a = Integer} got a table with a string in it" },
      { bloop.Map { a = bloop.Integer }, { b = 1 }, 'Map{a = Integer} got a table with an unknown key "b"' },
      { bloop.DynamicMap, { 1, 2 }, "DynamicMap got a table (keys must all be strings)" },
      { bloop.DynamicList, { a = 1 }, "DynamicList got a table (not an array)" },
      { bloop.DynamicMap, { a = { 1, x = 2 } },
        "DynamicMap got a table with a table in it (mixes array and map keys, or has keys that are neither)" },
      { bloop.DynamicMap, { a = bloop.uuid("12345678-9abc-def0-1234-56789abcdef0") },
        "DynamicMap got a table with a uuid in it" },
      { bloop.DynamicMap, { a = bloop.set { "x", 1 } },
        "DynamicMap got a table with a number in it (a set must hold only strings, only numbers or only bloop.binary values)" },
    }
    for _, case in ipairs(cases) do
      it(case[3], function()
        local err = err_of(case[1].dump, case[1], case[2])
        assert.is_true(bloop.is(err, bloop.InvalidValue), tostring(err))
        assert.equal(case[3], err.message)
      end)
    end

    it("names the column when `where` is given", function()
      local err = err_of(bloop.Integer.dump, bloop.Integer, 1.5, nil, "Appointment.n")
      assert.equal("Integer column Appointment.n got 1.5", err.message)
      assert.equal("InvalidValue: Integer column Appointment.n got 1.5", tostring(err))
    end)

    it("refuses DynamicMap values nested deeper than DynamoDB allows, and cycles", function()
      local t = {}
      t.t = t
      local err = err_of(bloop.DynamicMap.dump, bloop.DynamicMap, t)
      assert.truthy(err.message:find("nested deeper than 32 levels", 1, true))
    end)

    local load_cases = {
      { bloop.Integer, { N = "4.5" }, 'Integer cannot load N "4.5" (not an integer)' },
      { bloop.Integer, { N = "1E+20" }, 'Integer cannot load N "1E+20" (beyond 64-bit integers)' },
      { bloop.String, { N = "3" }, 'String cannot load N "3" (expected S)' },
      { bloop.UUID, { S = "nope" }, 'UUID cannot load S "nope" (not a UUID)' },
      { bloop.DateTime, { S = "2023-01-01T00:00:00" },
        'DateTime cannot load S "2023-01-01T00:00:00" (no time zone (add Z or an offset such as +00:00))' },
      { bloop.Set(bloop.String), { NS = { "1" } }, "Set(String) cannot load a NS value (expected SS)" },
      { bloop.Timestamp, { N = "1e20" }, 'Timestamp cannot load N "1e20" (outside years 0001..9999)' },
    }
    for _, case in ipairs(load_cases) do
      it(case[3], function()
        local err = err_of(case[1].load, case[1], case[2])
        assert.is_true(bloop.is(err, bloop.InvalidValue), tostring(err))
        assert.equal(case[3], err.message)
      end)
    end

    it("names the column on load when `where` is given", function()
      local err = err_of(bloop.Integer.load, bloop.Integer, { N = "4.5" }, nil, "Appointment.n")
      assert.equal('Integer column Appointment.n cannot load N "4.5" (not an integer)', err.message)
    end)

    it("refuses malformed wire tables, naming the path", function()
      local err = err_of(bloop.DynamicMap.load, bloop.DynamicMap, { M = { a = { L = { { X = 1 } } } } })
      assert.equal("wire.M.a.L[1]: unknown type tag", err.message)
      err = err_of(bloop.Number.load, bloop.Number, { N = "abc" })
      assert.truthy(err.message:find("^wire.N: "), err.message)
    end)

    it("refuses a Set of non-scalar elements at declaration", function()
      helpers.misuse(function() bloop.Set(bloop.List(bloop.String)) end,
        "Set needs a String, Number or Binary backed element type, got List(String) (argument 1)")
      helpers.misuse(function() bloop.Set(bloop.Boolean) end,
        "Set needs a String, Number or Binary backed element type, got Boolean (argument 1)")
      helpers.misuse(function() bloop.Set() end,
        "Set needs an element type, as in bloop.Set(bloop.String) (argument 1)")
    end)
  end)

  describe("classes", function()
    it("runs the Float subclass of lua-api.md exactly as written", function()
      local Float = bloop.Number:extend("Float")
      function Float:dynamo_load(value, context)
        local d = Float.super.dynamo_load(self, value, context)  -- a bloop.decimal, or nil
        return d and d:tonumber()     -- Lua's tonumber() ignores metamethods, so decimals have :tonumber()
      end
      local f = Float()
      assert.same({ N = "3.14" }, f:dump(3.14))
      assert.equal(3.14, f:load { N = "3.14" })
      assert.equal(2, f:load { N = "2" })
      assert.is_nil(f:load(nil))
      -- inside containers too, and as a bare class
      local l = bloop.List(Float)
      assert.same({ 1.5, 2 }, l:load(l:dump { 1.5, 2 }))
      assert.equal(0.25, bloop.Map { x = Float }:load({ M = { x = { N = "0.25" } } }).x)
      assert.equal(Float, Float.super == bloop.Number and Float)
      assert.equal("Float", tostring(Float))
    end)

    it("calls a Lua dynamo_dump override and reaches the built-in through super", function()
      local Upper = bloop.String:extend("Upper")
      function Upper:dynamo_dump(value, context)
        if value == nil then return nil end
        return Upper.super.dynamo_dump(self, value:upper(), context)
      end
      function Upper:dynamo_load(value, context)
        return value and value:lower()
      end
      assert.same({ S = "ABC" }, Upper:dump("abc"))
      assert.equal("abc", Upper:load { S = "ABC" })
      assert.same({ SS = { "X" } }, bloop.Set(Upper):dump { "x" })
      assert.same(bloop.set { "x" }, bloop.Set(Upper):load { SS = { "X" } })
    end)

    it("passes the context to overrides", function()
      local seen
      local T = bloop.Integer:extend("T")
      function T:dynamo_dump(value, context)
        seen = context
        return tostring(value)
      end
      local ctx = { engine = "e" }
      assert.same({ N = "5" }, T:dump(5, ctx))
      assert.equal(ctx, seen)
    end)

    it("checks what an override returns", function()
      local Bad = bloop.Number:extend("Bad")
      function Bad:dynamo_dump() return { 1 } end
      local err = err_of(Bad.dump, Bad, 1)
      assert.equal("Bad:dynamo_dump result: N must be the number's text", err.message)
    end)

    it("builds instances from classes and accepts bare classes", function()
      local s = bloop.Set(bloop.String)
      assert.equal("Set(String)", tostring(s))
      assert.equal("SS", s.backing_type)
      assert.equal(bloop.String, getmetatable(s.inner))
      assert.equal("N", bloop.Integer.backing_type)
      assert.equal("integer", bloop.Integer.lua_type)
      assert.equal(bloop.Number, bloop.Integer.super)
      local Tags = bloop.Set:extend("Tags")
      assert.equal("Tags(Integer)", tostring(Tags(bloop.Integer)))
      assert.equal("NS", Tags(bloop.Integer).backing_type)
    end)

    it("answers is_instance as dump would", function()
      local cases = {
        { bloop.String, "x", true }, { bloop.String, 1, false }, { bloop.String, nil, false },
        { bloop.Integer, 1, true }, { bloop.Integer, 1.5, false }, { bloop.Number, D(1), true },
        { bloop.Boolean, false, true }, { bloop.UUID, bloop.uuid4(), true },
        { bloop.DateTime, bloop.datetime.now(), true }, { bloop.DateTime, "2023", false },
        { bloop.Set(bloop.String), { "a" }, true }, { bloop.Set(bloop.String), { 1 }, false },
        { bloop.Map { a = bloop.Integer }, { a = 1 }, true },
        { bloop.Map { a = bloop.Integer }, { a = 1.5 }, false },
      }
      for _, c in ipairs(cases) do
        assert.equal(c[3], c[1]:is_instance(c[2]), tostring(c[1]) .. " " .. tostring(c[2]))
      end
    end)
  end)

  describe("supports", function()
    local ops = { "eq", "ne", "in", "exists", "lt", "le", "gt", "ge", "between", "begins_with",
      "contains" }
    -- expected: the ops each backing type allows (bloop-digest §2.2)
    local expect = {
      S = { lt = true, le = true, gt = true, ge = true, between = true, begins_with = true, contains = true },
      N = { lt = true, le = true, gt = true, ge = true, between = true },
      B = { lt = true, le = true, gt = true, ge = true, between = true, begins_with = true, contains = true },
      BOOL = {}, SS = { contains = true }, NS = { contains = true }, BS = { contains = true },
      L = { contains = true }, M = {},
    }
    local samples = {
      S = bloop.String, N = bloop.Number, B = bloop.Binary, BOOL = bloop.Boolean,
      SS = bloop.Set(bloop.String), NS = bloop.Set(bloop.Integer), BS = bloop.Set(bloop.Binary),
      L = bloop.List(bloop.String), M = bloop.Map { a = bloop.String },
    }
    for backing, t in pairs(samples) do
      it(("follows the table for %s"):format(backing), function()
        for _, op in ipairs(ops) do
          local want = op == "eq" or op == "ne" or op == "in" or op == "exists"
            or expect[backing][op] == true
          assert.equal(want, t:supports(op), backing .. " " .. op)
        end
      end)
    end
    it("allows everything on dynamic types", function()
      for _, t in ipairs { bloop.DynamicMap, bloop.DynamicList, bloop.Dynamic } do
        for _, op in ipairs(ops) do assert.is_true(t:supports(op)) end
      end
    end)
    it("refuses unknown operations", function()
      helpers.misuse(function() bloop.String:supports("like") end, 'unknown operation "like" (argument 1)')
    end)
  end)

  describe("path_type and inner", function()
    it("follows List, Map and Dynamic paths", function()
      local m = bloop.Map { a = bloop.List(bloop.Integer), b = bloop.DynamicMap }
      assert.equal("List(Integer)", tostring(m:path_type("a")))
      assert.equal("Integer", tostring(m:path_type("a"):path_type(1)))
      assert.equal("Dynamic", tostring(m:path_type("b"):path_type("x")))
      assert.equal("Dynamic", tostring(bloop.DynamicList:path_type(3):path_type("y")))
      assert.equal("Integer", tostring(m:path_type("a").inner))
      assert.equal("String", tostring(bloop.Set(bloop.String).inner))
      assert.is_nil(bloop.String().inner)
      assert.equal("Dynamic", tostring(bloop.DynamicList().inner))
      assert.equal("Dynamic", tostring(bloop.DynamicMap().inner))
      assert.equal("Dynamic", tostring(bloop.DynamicMap:path_type("x").inner))
      assert.equal("Integer", tostring(bloop.List(bloop.List(bloop.Integer)).inner.inner))
    end)
    local bad = {
      { function() return bloop.String:path_type("x") end, 'String has no paths (tried "x")' },
      { function() return bloop.Set(bloop.String):path_type(1) end, "Set(String) has no paths (tried 1)" },
      { function() return bloop.Map { a = bloop.String }:path_type("b") end, 'Map{a = String} has no field "b"' },
      { function() return bloop.List(bloop.String):path_type("b") end,
        'List(String) paths are list indexes (integers), got "b"' },
    }
    for _, case in ipairs(bad) do
      it(case[2], function()
        local err = err_of(case[1])
        assert.is_true(bloop.is(err, bloop.InvalidCondition))
        assert.equal(case[2], err.message)
      end)
    end
    it("dumps values at dynamic paths by shape", function()
      local dyn = bloop.DynamicMap:path_type("x")
      assert.same({ S = "a" }, dyn:dump("a"))
      assert.same({ N = "1" }, dyn:dump(1))
      assert.same({ S = "" }, dyn:dump(""))
      assert.same({ L = { { S = "" } } }, dyn:dump({ "" }))
    end)
  end)
end)
