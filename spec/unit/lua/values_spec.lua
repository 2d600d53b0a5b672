-- Value objects: bloop.datetime, bloop.uuid / uuid4, bloop.set, deepcopy, typename.
local bloop = require("bloop")

local function err_of(fn, ...)
  local ok, err = pcall(fn, ...)
  assert.is_false(ok)
  return err
end

describe("bloop.datetime", function()
  describe("parse", function()
    local cases = {
      { "1970-01-01T00:00:00Z", "1970-01-01T00:00:00.000000+00:00" },
      { "1970-01-01T00:00:00.000001Z", "1970-01-01T00:00:00.000001+00:00" },
      { "2024-02-29T12:34:56.5Z", "2024-02-29T12:34:56.500000+00:00" },
      { "2023-06-01T10:20:30+02:00", "2023-06-01T08:20:30.000000+00:00" },
      { "2023-06-01T10:20:30-05:30", "2023-06-01T15:50:30.000000+00:00" },
      { "2023-06-01T10:20:30-0530", "2023-06-01T15:50:30.000000+00:00" },
      { "2023-06-01 10:20Z", "2023-06-01T10:20:00.000000+00:00" },
      { "2023-12-31T23:30:00-01:00", "2024-01-01T00:30:00.000000+00:00" },
      { "2024-03-01T00:15:00+01:00", "2024-02-29T23:15:00.000000+00:00" },
      { "2023-01-01T00:00:00.123456789Z", "2023-01-01T00:00:00.123456+00:00" },
      { "2023-06-15T08:00:00.000000+00:00", "2023-06-15T08:00:00.000000+00:00" },
      { "0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000000+00:00" },
      { "9999-12-31T23:59:59.999999Z", "9999-12-31T23:59:59.999999+00:00" },
    }
    for _, case in ipairs(cases) do
      it("reads " .. case[1], function()
        local d = bloop.datetime.parse(case[1])
        assert.equal(case[2], d:isoformat())
        assert.equal(case[2], tostring(d))
      end)
    end

    local invalid = {
      { "2023-02-29T00:00:00Z", "day outside its month" },
      { "2023-01-01T00:00:00", "no time zone" },
      { "2023-01-01", "expected \"T\"" },
      { "2023-01-01T25:00:00Z", "hour outside" },
      { "2023-01-01T00:00:60Z", "second outside" },
      { "2023-01-01T00:00:00+24:00", "offset outside" },
      { "2023-01-01T00:00:00.Z", "digits after the decimal point" },
      { "9999-12-31T23:30:00-01:00", "outside years" },
      { "yesterday", "expected a date" },
    }
    for _, case in ipairs(invalid) do
      it("refuses " .. case[1] .. " with InvalidValue", function()
        local err = err_of(bloop.datetime.parse, case[1])
        assert.is_true(bloop.is(err, bloop.InvalidValue))
        assert.equal(('invalid datetime "%s": '):format(case[1]),
          err.message:sub(1, #case[1] + 21))
        assert.truthy(err.message:find(case[2], 1, true), err.message)
      end)
    end
  end)

  it("converts timestamps both ways", function()
    local d = bloop.datetime.fromtimestamp(1700000000.25)
    assert.equal("2023-11-14T22:13:20.250000+00:00", d:isoformat())
    assert.equal(1700000000.25, d:timestamp())
    assert.equal("1969-12-31T23:59:59.000000+00:00", bloop.datetime.fromtimestamp(-1):isoformat())
    assert.equal(0, bloop.datetime.fromtimestamp(0):timestamp())
  end)

  it("builds from and splits into parts", function()
    local d = bloop.datetime.new { year = 2024, month = 2, day = 29, hour = 1, min = 2, sec = 3,
      usec = 4 }
    assert.equal("2024-02-29T01:02:03.000004+00:00", d:isoformat())
    assert.same({ year = 2024, month = 2, day = 29, hour = 1, min = 2, sec = 3, usec = 4 },
      d:parts())
    assert.is_true(bloop.is(err_of(bloop.datetime.new, { year = 2023, month = 2, day = 29 }),
      bloop.InvalidValue))
  end)

  it("gives now() in UTC", function()
    local before = os.time()
    local now = bloop.datetime.now():timestamp()
    assert.is_true(now >= before - 1 and now <= os.time() + 1)
  end)

  it("adds and subtracts seconds, and subtracts datetimes", function()
    local d = bloop.datetime.parse("2023-12-31T23:59:59Z")
    assert.equal("2024-01-01T00:00:00.000000+00:00", (d + 1):isoformat())
    assert.equal("2024-01-01T00:00:00.000000+00:00", (1 + d):isoformat())
    assert.equal("2023-12-31T23:59:58.500000+00:00", (d - 0.5):isoformat())
    assert.equal(86400, (d + 86400) - d)
    assert.equal(-1.5, (d - 1.5) - d)
    assert.is_true(bloop.is(err_of(function() return d + 1e12 end), bloop.InvalidValue))
    assert.has_error(function() return d + d end, "bloop.datetime: cannot add two datetimes")
  end)

  it("compares and interns by value", function()
    local a = bloop.datetime.parse("2023-01-01T02:00:00+02:00")
    local b = bloop.datetime.parse("2023-01-01T00:00:00Z")
    local c = bloop.datetime.parse("2023-01-01T00:00:00.000001Z")
    assert.is_true(a == b)
    assert.is_true(rawequal(a, b))
    assert.is_true(b < c and b <= c and a <= b and not (c < b))
    local t = { [a] = "x" }
    assert.equal("x", t[b])
  end)
end)

describe("bloop.uuid", function()
  it("makes random v4 UUIDs", function()
    local u, v = bloop.uuid4(), bloop.uuid4()
    assert.is_false(u == v)
    assert.matches("^%x%x%x%x%x%x%x%x%-%x%x%x%x%-4%x%x%x%-[89ab]%x%x%x%-%x+$", tostring(u))
    assert.equal(36, #tostring(u))
  end)

  it("parses text, upper case included, and prints lowercase", function()
    local u = bloop.uuid("12345678-9ABC-DEF0-1234-56789ABCDEF0")
    assert.equal("12345678-9abc-def0-1234-56789abcdef0", tostring(u))
    assert.equal(u, bloop.uuid("{12345678-9abc-def0-1234-56789abcdef0}"))
    assert.equal(u, bloop.uuid("123456789abcdef0123456789abcdef0"))
    assert.equal(u, bloop.uuid(u))
    assert.equal(16, #u:bytes())
  end)

  it("compares by value and is the same key for equal text", function()
    local s = tostring(bloop.uuid4())
    local a, b = bloop.uuid(s), bloop.uuid(s:upper())
    assert.is_true(a == b)
    local t = { [a] = 1 }
    assert.equal(1, t[b])
  end)

  for _, bad in ipairs { "", "not-a-uuid", "12345678-9abc-def0-1234-56789abcdef",
    "12345678-9abc-def0-1234-56789abcdefg" } do
    it("refuses " .. ("%q"):format(bad), function()
      local err = err_of(bloop.uuid, bad)
      assert.is_true(bloop.is(err, bloop.InvalidValue))
      assert.equal(('invalid UUID "%s" (expected 8-4-4-4-12 hex digits)'):format(bad), err.message)
    end)
  end
end)

describe("bloop.binary", function()
  it("holds bytes, NUL and high bytes included", function()
    local b = bloop.binary("a\0b\255")
    assert.equal("a\0b\255", b:bytes())
    assert.equal("a\0b\255", tostring(b))
    assert.equal(4, #b)
    assert.equal(b, bloop.binary(b))
    assert.equal("binary", bloop.typename(b))
  end)

  it("compares by value and is the same key and set member for equal bytes", function()
    local a, b = bloop.binary("\1\2"), bloop.binary("\1" .. "\2")
    assert.is_true(rawequal(a, b))
    assert.is_false(a == bloop.binary("\1"))
    assert.is_false(a == "\1\2")
    local s = bloop.set { a, b, bloop.binary("") }
    assert.equal(2, #s)
    assert.equal(a, bloop.deepcopy(a))
  end)

  it("refuses what is not bytes", function()
    assert.has_error(function() bloop.binary(nil) end)
    assert.has_error(function() bloop.binary({}) end)
  end)
end)

describe("bloop.set", function()
  it("adds, removes, tests and counts members", function()
    local s = bloop.set { "a", "b", "a" }
    assert.equal(2, #s)
    assert.is_true(s:has("a"))
    assert.is_false(s:has("c"))
    assert.equal(s, s:add("c"))
    assert.equal(3, #s)
    assert.is_true(s:remove("a"))
    assert.is_false(s:remove("a"))
    assert.equal(2, #s)
    assert.is_false(s:has("a"))
    assert.is_true(s:has("b") and s:has("c"))
  end)

  it("treats equal numbers and decimals as one member", function()
    local s = bloop.set { 1, 1.0, bloop.decimal("1"), 0.5, bloop.decimal("0.5"), 2 ^ 70 }
    assert.equal(3, #s)
    assert.is_true(s:has(bloop.decimal("1.00")))
    assert.is_true(s:has(0.5))
    assert.is_false(s:has(0/0))
    assert.has_error(function() s:add(0/0) end, "bloop.set: NaN cannot be a member")
  end)

  it("iterates members with pairs", function()
    local seen = {}
    for m, v in pairs(bloop.set { "x", "y" }) do
      assert.is_true(v)
      seen[#seen + 1] = m
    end
    table.sort(seen)
    assert.same({ "x", "y" }, seen)
  end)

  it("compares by content and prints sorted", function()
    assert.is_true(bloop.set { "a", "b" } == bloop.set { "b", "a" })
    assert.is_false(bloop.set { "a" } == bloop.set { "a", "b" })
    assert.is_true(bloop.set {} == bloop.set())
    assert.equal('bloop.set{1, 2, "a", "b"}', tostring(bloop.set { "b", 2, "a", 1 }))
  end)

  it("holds uuids and datetimes by value", function()
    local s = tostring(bloop.uuid4())
    local set = bloop.set { bloop.uuid(s) }
    assert.is_true(set:has(bloop.uuid(s:upper())))
  end)
end)

describe("bloop.deepcopy", function()
  it("copies nested tables and keeps cycles and sharing", function()
    local shared = { 1 }
    local t = { a = { b = shared }, c = shared, s = bloop.set { "x" } }
    t.self = t
    local c = bloop.deepcopy(t)
    assert.are_not.equal(t, c)
    assert.same(t.a.b, c.a.b)
    assert.are_not.equal(t.a, c.a)
    assert.equal(c, c.self)
    assert.equal(c.a.b, c.c)
    assert.is_false(rawequal(t.s, c.s))
    assert.is_true(t.s == c.s)
    c.s:add("y")
    assert.equal(1, #t.s)
    assert.equal("set", bloop.typename(c.s))
  end)

  it("shares immutable values and keeps metatables", function()
    local d, u, dt = bloop.decimal("1.5"), bloop.uuid4(), bloop.datetime.now()
    local mt = { __name = "Thing" }
    local t = setmetatable({ d = d, u = u, dt = dt }, mt)
    local c = bloop.deepcopy(t)
    assert.equal(mt, getmetatable(c))
    assert.is_true(rawequal(d, c.d) and rawequal(u, c.u) and rawequal(dt, c.dt))
    assert.equal("x", bloop.deepcopy("x"))
  end)
end)

describe("bloop.typename", function()
  local cases = {
    { bloop.decimal(1), "decimal" }, { bloop.datetime.now(), "datetime" },
    { bloop.uuid4(), "uuid" }, { bloop.set {}, "set" }, { "s", "string" }, { 1, "number" },
    { {}, "table" }, { true, "boolean" }, { nil, "nil" }, { print, "function" },
    { setmetatable({}, { __name = "User" }), "User" }, { { __name = "Model" }, "Model" },
    { bloop.null, "null" }, { bloop.String(), "String" }, { bloop.binary("x"), "binary" },
  }
  for _, case in ipairs(cases) do
    it("names " .. case[2], function() assert.equal(case[2], bloop.typename(case[1])) end)
  end
end)
