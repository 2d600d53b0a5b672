-- bloop.decimal (src/lua/ldecimal.c over src/core/decimal.c): DynamoDB's exact number.
-- The C tests (tests/c/test_decimal.c) cover the arithmetic in depth; this spec covers the
-- Lua face: constructor coercions, metamethods, methods and error messages.
local core = require("bloop.core")
local decimal = core.decimal

local errors = require("bloop.errors")

-- Failures raise InvalidValue error objects; the code names the rule broken.
local function raises(fn, code, msg)
  local ok, err = pcall(fn)
  assert.is_false(ok)
  assert.is_true(errors.is(err, errors.classes.InvalidValue), tostring(err))
  assert.equal("InvalidValue", err.name)
  assert.equal(code, err.code)
  assert.equal(msg, err.message)
  assert.equal(("InvalidValue: %s: %s"):format(code, msg), tostring(err))
end

describe("bloop.decimal", function()
  describe("constructor", function()
    local cases = {
      { "a string", "123.45", "123.45" },
      { "a string with zeros (trailing ones kept, as written)", "0001.5000", "1.5000" },
      { "an exponent", "1e2", "100" },
      { "a large exponent", "1E+100", "1E+100" },
      { "a small value", "0.0000001", "1E-7" },
      { "negative zero", "-0", "0" },
      { "an integer", 42, "42" },
      { "math.maxinteger", math.maxinteger, "9223372036854775807" },
      { "math.mininteger", math.mininteger, "-9223372036854775808" },
      { "0.1 as its shortest form", 0.1, "0.1" },
      { "3.14", 3.14, "3.14" },
      { "1/3 as a float", 1 / 3, "0.3333333333333333" },
      { "-0.0", -0.0, "0" },
      { "an integral float", 2.0, "2" },
      { "38 digits", "12345678901234567890123456789012345678",
        "12345678901234567890123456789012345678" },
    }
    for _, c in ipairs(cases) do
      it("accepts " .. c[1], function()
        local d = decimal(c[2])
        assert.equal(c[3], tostring(d))
        assert.equal("bloop.Decimal", getmetatable(d).__name)
      end)
    end

    it("prints as written: trailing zeros after the point stay, the value is the same", function()
      for _, c in ipairs{
        { "1.10", "1.10" }, { "2.50", "2.50" }, { "0.00", "0.00" }, { "-1.0", "-1.0" },
        { "1.5e-3", "0.0015" }, { "1.50E+1", "15.0" }, { "1.50E+2", "150" }, { "1e2", "100" },
        { "1.0E-7", "1E-7" }, { "100.", "100" },
      } do
        assert.equal(c[2], tostring(decimal(c[1])), c[1])
      end
      assert.equal(decimal("1.1"), decimal("1.10"))
      assert.is_true(decimal("1.10") <= decimal("1.1"))
      assert.equal("1.10 m", decimal("1.10") .. " m")
    end)

    it("follows Python's Decimal for the scale of a result", function()
      local D = decimal
      assert.equal("2.10", tostring(D("1.10") + 1))
      assert.equal("0.00", tostring(D("1.10") - D("1.1")))
      assert.equal("2.200", tostring(D("1.10") * D("2.0")))
      assert.equal("0.55", tostring(D("1.10") / 2))
      assert.equal("-1.10", tostring(-D("1.10")))
      assert.equal("1.10", tostring(D("-1.10"):abs()))
    end)

    it("returns a decimal unchanged", function()
      local d = decimal("1.5")
      assert.equal(d, decimal(d))
      assert.is_true(rawequal(d, decimal(d)))
    end)

    it("exposes the metatable", function()
      assert.equal(core.Decimal, getmetatable(decimal(1)))
    end)

    local bad = {
      { "an empty string", "", "InvalidNumber", 'bloop.decimal: "" is not a number (expected digits with an optional sign, fraction and exponent)' },
      { "hex", "0x10", "InvalidNumber", 'bloop.decimal: "0x10" is not a number (expected digits with an optional sign, fraction and exponent)' },
      { "NaN text", "NaN", "InvalidNumber", 'bloop.decimal: "NaN" is not a number (expected digits with an optional sign, fraction and exponent)' },
      { "whitespace", " 1", "InvalidNumber", 'bloop.decimal: " 1" is not a number (expected digits with an optional sign, fraction and exponent)' },
      { "39 digits", "123456789012345678901234567890123456789", "Inexact", 'bloop.decimal: "123456789012345678901234567890123456789" has 39 significant digits (DynamoDB keeps 38 significant digits)' },
      { "1E+126", "1E+126", "Overflow", 'bloop.decimal: "1E+126" overflows (DynamoDB numbers stay below 1E+126)' },
      { "1E-131", "1E-131", "Underflow", 'bloop.decimal: "1E-131" underflows (DynamoDB numbers other than 0 are at least 1E-130 in magnitude)' },
      { "NaN", 0 / 0, "InvalidNumber", "bloop.decimal: float nan is not a number DynamoDB can store" },
      { "infinity", math.huge, "InvalidNumber", "bloop.decimal: float inf is not a number DynamoDB can store" },
      { "1e300", 1e300, "Overflow", "bloop.decimal: float 1e+300 overflows (DynamoDB numbers stay below 1E+126)" },
      { "a table", {}, "InvalidType", "bloop.decimal: number, string or bloop.Decimal expected, got table" },
      { "a boolean", true, "InvalidType", "bloop.decimal: number, string or bloop.Decimal expected, got boolean" },
    }
    for _, c in ipairs(bad) do
      it("rejects " .. c[1], function()
        raises(function() return decimal(c[2]) end, c[3], c[4])
      end)
    end

    it("rejects a missing argument", function()
      assert.has_error(function() return decimal() end, "bad argument #1 to 'decimal' (value expected)")
    end)
  end)

  describe("arithmetic", function()
    local D = decimal
    local cases = {
      { "0.1 + 0.2", function() return D("0.1") + D("0.2") end, "0.3" },
      { "decimal + integer", function() return D("1.5") + 1 end, "2.5" },
      { "integer + decimal", function() return 1 + D("1.5") end, "2.5" },
      { "float + decimal", function() return 0.1 + D("0.2") end, "0.3" },
      { "decimal - float", function() return D("1") - 0.25 end, "0.75" },
      { "string - decimal", function() return "10" - D("0.5") end, "9.5" },
      { "multiplication", function() return D("1.25") * 4 end, "5" },
      { "1/4", function() return D(1) / 4 end, "0.25" },
      { "integer / decimal", function() return 1 / D(8) end, "0.125" },
      { "negation", function() return -D("2.5") end, "-2.5" },
      { "negation of zero", function() return -D(0) end, "0" },
      { "38 digits exactly", function() return D("99999999999999999999999999999999999999") + 1 end, "1E+38" },
      { "max integer plus one", function() return D(math.maxinteger) + 1 end, "9223372036854775808" },
    }
    for _, c in ipairs(cases) do
      it(c[1], function()
        local r = c[2]()
        assert.is_true(core.Decimal == getmetatable(r))
        assert.equal(c[3], tostring(r))
      end)
    end

    local bad = {
      { "1/3", function() return D(1) / 3 end, "Inexact", "bloop.decimal: 1/3 is inexact (DynamoDB keeps 38 significant digits)" },
      { "division by zero", function() return D(1) / 0 end, "DivisionByZero", "bloop.decimal: 1/0 divides by zero" },
      { "39 digits", function() return D("1") + D("1E-38") end, "Inexact", "bloop.decimal: 1+1E-38 is inexact (DynamoDB keeps 38 significant digits)" },
      { "overflow", function() return D("9E+125") * 2 end, "Overflow", "bloop.decimal: 9E+125*2 overflows (DynamoDB numbers stay below 1E+126)" },
      { "underflow", function() return D("1E-130") / 10 end, "Underflow", "bloop.decimal: 1E-130/10 underflows (DynamoDB numbers other than 0 are at least 1E-130 in magnitude)" },
      { "a negative operand in parentheses", function() return D(1) / -3 end, "Inexact", "bloop.decimal: 1/(-3) is inexact (DynamoDB keeps 38 significant digits)" },
      { "a NaN operand", function() return D(1) + 0 / 0 end, "InvalidNumber", "bloop.decimal: float nan is not a number DynamoDB can store" },
      { "a table operand", function() return D(1) + {} end, "InvalidType", "bloop.decimal: number, string or bloop.Decimal expected, got table" },
      { "a bad string operand", function() return D(1) + "x" end, "InvalidNumber", 'bloop.decimal: "x" is not a number (expected digits with an optional sign, fraction and exponent)' },
    }
    for _, c in ipairs(bad) do
      it("raises on " .. c[1], function() raises(c[2], c[3], c[4]) end)
    end
  end)

  describe("comparison", function()
    local D = decimal
    it("compares equal values", function()
      assert.is_true(D("1.0") == D(1))
      assert.is_true(D("-0") == D(0))
      assert.is_false(D("1") == D("1.0000000000000000000000000000000000001"))
    end)

    it("follows Lua: == with a plain number is false", function()
      assert.is_false(D(1) == 1)
    end)

    it("orders decimals", function()
      assert.is_true(D("1.5") < D(2))
      assert.is_false(D(2) < D("1.5"))
      assert.is_true(D(2) <= D("2.0"))
      assert.is_true(D("-1E+125") < D("1E-130"))
      assert.is_true(D("2") > D("1.99999999999999999999999999999999999"))
    end)

    it("orders against plain numbers on either side", function()
      assert.is_true(D("1.5") < 2)
      assert.is_true(1 < D("1.5"))
      assert.is_true(D("0.1") <= 0.1)
      assert.is_true(0.1 >= D("0.1"))
      assert.is_false(D("0.1") < 0.1)
      assert.is_true(D(math.maxinteger) < D(math.maxinteger) + 1)
    end)

    it("orders against floats outside DynamoDB's range without raising", function()
      assert.is_true(D("9E+125") < 1e300)
      assert.is_true(D("-9E+125") > -math.huge)
      assert.is_true(D(0) < 5e-324)
      assert.is_true(D(0) > -5e-324)
      assert.is_true(D("1E-130") > 5e-324)
      assert.is_false(D(1) < 0 / 0)
      assert.is_false(D(1) >= 0 / 0)
    end)
  end)

  describe("methods", function()
    local D = decimal
    local cases = {
      { "12", 12, "integer", true },
      { "-12.000", -12, "integer", true },
      { "9223372036854775807", math.maxinteger, "integer", true },
      { "-9223372036854775808", math.mininteger, "integer", true },
      { "9223372036854775808", 9223372036854775808.0, "float", true },
      { "1.5", 1.5, "float", false },
      { "0.1", 0.1, "float", false },
      { "1E+100", 1e100, "float", true },
      { "1E-130", 1e-130, "float", false },
    }
    for _, c in ipairs(cases) do
      it(":tonumber() and :isinteger() of " .. c[1], function()
        local d = D(c[1])
        local n = d:tonumber()
        assert.equal(c[3], math.type(n))
        assert.equal(c[2], n)
        assert.equal(c[4], d:isinteger())
      end)
    end

    it(":abs()", function()
      assert.equal("2.5", tostring(D("-2.5"):abs()))
      assert.equal("2.5", tostring(D("2.5"):abs()))
    end)

    it("concatenates with strings and numbers", function()
      assert.equal("x=1.5", "x=" .. D("1.5"))
      assert.equal("1.5!", D("1.5") .. "!")
      assert.equal("1.52", D("1.5") .. 2)
      assert.equal("0.50.25", D("0.5") .. D("0.25"))
      raises(function() return D(1) .. {} end, "InvalidType",
        "bloop.decimal: attempt to concatenate a table value")
    end)

    it("rejects methods called on other values", function()
      assert.has_error(function() D(1).tonumber("1") end)
    end)
  end)
end)
