-- spec/unit/lua/pretty_spec.lua: bloop.pretty, the REPL's printer (pure Lua).
local pretty = require("bloop.pretty")

describe("bloop.pretty", function()
  describe("format", function()
    local cases = {
      { "nil", nil, "nil" },
      { "boolean", false, "false" },
      { "integer", 42, "42" },
      { "float", 2.5, "2.5" },
      { "float with integral value", 2.0, "2.0" },
      { "string, quoted", "hi", '"hi"' },
      { "string with escapes", 'a"b\\c\n\t\0', '"a\\"b\\\\c\\n\\t\\000"' },
      { "UTF-8 string kept", "café", '"café"' },
      { "empty table", {}, "{}" },
      { "array", { 1, 2, 3 }, "{ 1, 2, 3 }" },
      { "record, keys sorted", { b = 1, a = 2 }, "{ a = 2, b = 1 }" },
      { "array part first, then numbers, strings, booleans",
        { "x", [5] = 5, [1.5] = 0, z = 1, [true] = 2 },
        '{ "x", [1.5] = 0, [5] = 5, z = 1, [true] = 2 }' },
      { "keys that are not identifiers", { ["a b"] = 1, ["end"] = 2 },
        '{ ["a b"] = 1, ["end"] = 2 }' },
      { "natural order of keys", { k10 = 1, k2 = 2, k1 = 3 }, "{ k1 = 3, k2 = 2, k10 = 1 }" },
      { "nested", { a = { b = { c = {} } } }, "{ a = { b = { c = {} } } }" },
    }
    for _, c in ipairs(cases) do
      it(c[1], function()
        assert.are.equal(c[3], pretty.format(c[2]))
      end)
    end

    it("marks a table inside itself as <cycle>", function()
      local t = { name = "t" }
      t.self = t
      t.list = { t }
      assert.are.equal('{ list = { <cycle> }, name = "t", self = <cycle> }', pretty.format(t))
    end)

    it("prints a shared, non-cyclic subtable each time", function()
      local s = { 1 }
      assert.are.equal("{ { 1 }, { 1 } }", pretty.format({ s, s }))
    end)

    it("expands at most max_tables tables in one call, so a table shared many times prints promptly", function()
      -- 50 entries a level, each the same table, six levels: 50^6 references
      local t = { 1 }
      for _ = 1, 6 do
        local up = {}
        for i = 1, 50 do up[i] = t end
        t = up
      end
      local c0 = os.clock()
      local text = pretty.format(t)
      assert.is_true(os.clock() - c0 < 2)
      assert.truthy(text:find("{...}", 1, true))
      local small = pretty.format({ { 1 }, { 2 }, { 3 } }, { max_tables = 2 })
      assert.are.equal("{ { 1 }, {...}, {...} }", small)
    end)

    it("limits the depth", function()
      local deep = { a = { b = { c = { d = 1 } } } }
      assert.are.equal("{ a = { b = {...} } }", pretty.format(deep, { depth = 2 }))
      -- An empty table at the limit hides nothing, so it prints as {}.
      assert.are.equal("{ a = { b = {} } }", pretty.format({ a = { b = {} } }, { depth = 2 }))
    end)

    it("limits the entries shown", function()
      assert.are.equal("{ 1, 2, ... (3 more) }", pretty.format({ 1, 2, 3, 4, 5 }, { max_items = 2 }))
    end)

    it("breaks a table that does not fit into indented lines", function()
      local t = { alpha = string.rep("a", 30), beta = string.rep("b", 30), gamma = { 1, 2 } }
      assert.are.equal(
        '{\n  alpha = "' .. string.rep("a", 30) .. '",\n  beta = "' .. string.rep("b", 30) ..
        '",\n  gamma = { 1, 2 }\n}', pretty.format(t))
    end)

    it("lets a value with __tostring print itself", function()
      local obj = setmetatable({ secret = "s3cr3t" }, {
        __tostring = function() return "<Client us-east-1>" end })
      assert.are.equal("<Client us-east-1>", pretty.format(obj))
      assert.are.equal("{ c = <Client us-east-1> }", pretty.format({ c = obj }))
    end)

    it("lists through __pairs", function()
      local set = setmetatable({}, { __pairs = function() return next, { x = true } end })
      assert.are.equal("{ x = true }", pretty.format(set))
    end)

    it("copes with a __metatable that is not a table", function()
      local t = setmetatable({ 1 }, { __metatable = "locked" })
      assert.are.equal("{ 1 }", pretty.format(t))
    end)
  end)

  describe("print", function()
    it("writes the values tab-separated, like print, and the module is callable", function()
      local written = {}
      local real = io.stdout
      local fake = { write = function(_, ...)
        for i = 1, select("#", ...) do written[#written + 1] = select(i, ...) end
      end }
      io.stdout = fake  -- luacheck: ignore
      local ok, err = pcall(function()
        pretty.print("a", 1, { 2 })
        pretty(nil)
      end)
      io.stdout = real  -- luacheck: ignore
      assert(ok, err)
      assert.are.equal('"a"\t1\t{ 2 }\nnil\n', table.concat(written))
    end)
  end)

  describe("bloop's values and classes", function()
    local bloop = require("bloop")
    local User = bloop.Model:extend("PrettyUser", { table_name = "users" })
    User.email = bloop.Column(bloop.String, { hash_key = true })
    User.age = bloop.Column(bloop.Integer)
    User.bio = bloop.Column(bloop.String)

    it("writes decimals, binaries, UUIDs and null as they are made", function()
      -- a decimal keeps the scale it was written with, as Python's Decimal does
      assert.are.equal('decimal("2.50")', pretty.format(bloop.decimal("2.50")))
      assert.are.equal('decimal("2.5")', pretty.format(bloop.decimal(2.5)))
      assert.are.equal('binary("a\\000b\\n")', pretty.format(bloop.binary("a\0b\n")))
      local u = "a2b5e396-5785-4d33-bc03-d32da42375cb"
      assert.are.equal('uuid("' .. u .. '")', pretty.format(bloop.uuid(u)))
      assert.are.equal("null", pretty.format(bloop.null))
      assert.are.equal('{ d = decimal("3"), n = null }',
        pretty.format({ d = bloop.decimal(3), n = bloop.null }))
    end)

    it("shows a model object's loaded columns in declaration order", function()
      assert.are.equal('PrettyUser{ email = "a@x", age = 30 }',
        pretty.format(User{ age = 30, email = "a@x" }))
      assert.are.equal("PrettyUser{}", pretty.format(User{}))
    end)

    it("cuts a long string inside a model object", function()
      local text = pretty.format(User{ email = "a@x", bio = ("x"):rep(250) }, { max_string = 10 })
      assert.are.equal('PrettyUser{ email = "a@x", bio = "xxxxxxxxxx"...(240 more bytes) }', text)
    end)

    it("names models, error classes and the bloop module briefly", function()
      assert.are.equal("<model PrettyUser (table users)>", pretty.format(User))
      assert.are.equal("<error class ConstraintViolation>",
        pretty.format(bloop.ConstraintViolation))
      assert.matches("^<module bloop [%d.]+: %d+ members; bloop.<Tab> lists them>$",
        pretty.format(bloop))
      -- an error instance prints through its __tostring, as before
      local err = bloop.errors.classes.InvalidValue:new{ message = "m" }
      assert.are.equal("InvalidValue: m", pretty.format(err))
    end)
  end)
end)
