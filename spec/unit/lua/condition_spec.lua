-- bloop.condition and bloop.core's Condition: building, algebra, tostring, rendering,
-- and every error. Columns here are plain tables (name, dynamo_name, typedef, model); types
-- are both the real bloop types and a small stand-in that dumps through `wire_dump`.
local bloop = require("bloop")
local helpers = require("spec.helpers")
local condition = require("bloop.condition")
local core = bloop.core
local Condition = bloop.Condition
local T = require("bloop.types")

-- A column-like test object: document paths through __index, as Column does.
local function column(name, typedef, opts)
  opts = opts or {}
  local col = { name = name, dynamo_name = opts.dynamo_name or name, typedef = typedef,
                model = opts.model or { __name = "User" } }
  return setmetatable(col, { __index = function(t, k)
    local m = condition.methods[k]
    if m ~= nil then return m end
    return condition.path(t, k)
  end })
end

-- A stand-in type: supports what it is told, dumps numbers as N and strings as S.
local function stand_in(name, unsupported, sub)
  local t = { _name = name }
  function t:supports(op) return not (unsupported or {})[op] end
  function t:path_type(key) return sub or self end
  function t:wire_dump(v)
    if v == nil or v == "" then return nil end
    if type(v) == "number" then return { N = tostring(v) } end
    return { S = tostring(v) }
  end
  return t
end

local function render(opts) return condition.render(opts) end

local function raises(name, fn, ...)
  local ok, err = pcall(fn, ...)
  assert.is_false(ok, "expected an error")
  assert.equal("table", type(err), tostring(err))
  assert.equal(name, err.name)
  return err.message
end

describe("bloop.condition", function()
  local User = {}
  before_each(function()
    User.id = column("id", T.String)
    User.email = column("email", T.String)
    User.age = column("age", T.Integer)
    User.name = column("name", T.String, { dynamo_name = "n.ame" })
    User.tags = column("tags", T.Set(T.String))
    User.blob = column("blob", T.Binary)
    User.flag = column("flag", T.Boolean)
    User.data = column("data", T.Map{ address = T.Map{ lines = T.List(T.String), zip = T.String },
                                      n = T.Integer })
    User.any = column("any", T.DynamicMap)
    User.list = column("list", T.DynamicList)
  end)

  describe("leaves render exactly", function()
    local cases = {
      { function() return User.email:eq("a@b") end, "(#n0 = :v0)", { ["#n0"] = "email" }, { [":v0"] = { S = "a@b" } } },
      { function() return User.age:ne(3) end, "(#n0 <> :v0)", { ["#n0"] = "age" }, { [":v0"] = { N = "3" } } },
      { function() return User.age:lt(3) end, "(#n0 < :v0)" },
      { function() return User.age:le(3) end, "(#n0 <= :v0)" },
      { function() return User.age:gt(3) end, "(#n0 > :v0)" },
      { function() return User.age:ge(3) end, "(#n0 >= :v0)" },
      { function() return User.age:between(1, 9) end, "(#n0 BETWEEN :v0 AND :v1)", nil, { [":v0"] = { N = "1" }, [":v1"] = { N = "9" } } },
      { function() return User.email:begins_with("a") end, "(begins_with(#n0, :v0))" },
      { function() return User.tags:contains("x") end, "(contains(#n0, :v0))", nil, { [":v0"] = { S = "x" } } },
      { function() return User.email:contains("x") end, "(contains(#n0, :v0))" },
      { function() return User.list:contains(3) end, "(contains(#n0, :v0))", nil, { [":v0"] = { N = "3" } } },
      { function() return User.list:contains(bloop.binary("\0")) end, "(contains(#n0, :v0))", nil,
        { [":v0"] = { B = "AA==" } } },
      { function() return User.any.x:contains("a") end, "(contains(#n0.#n1, :v0))", nil, { [":v0"] = { S = "a" } } },
      { function() return User.blob:contains("\0") end, "(contains(#n0, :v0))", nil, { [":v0"] = { B = "AA==" } } },
      { function() return User.age:in_{ 1, 2, 1 } end, "(#n0 IN (:v0, :v1, :v0))" },
      { function() return User.age:in_(1, User.age) end, "(#n0 IN (:v0, #n0))" },
      { function() return User.age:eq(nil) end, "(attribute_not_exists(#n0))", nil, nil },
      { function() return User.age:is_(nil) end, "(attribute_not_exists(#n0))" },
      { function() return User.age:ne(nil) end, "(attribute_exists(#n0))" },
      { function() return User.age:is_not(nil) end, "(attribute_exists(#n0))" },
      -- an empty string is a value (DynamoDB stores it outside keys), not an absent one
      { function() return User.email:eq("") end, "(#n0 = :v0)", nil, { [":v0"] = { S = "" } } },
      { function() return User.tags:ne(bloop.set{}) end, "(attribute_exists(#n0))" },
      { function() return User.age:eq(User.data.n) end, "(#n0 = #n1.#n2)", { ["#n0"] = "age", ["#n1"] = "data", ["#n2"] = "n" } },
      { function() return User.name:eq("x") end, "(#n0 = :v0)", { ["#n0"] = "n.ame" } },
      { function() return User.blob:begins_with("\0\1") end, "(begins_with(#n0, :v0))", nil, { [":v0"] = { B = "AAE=" } } },
      { function() return User.flag:eq(true) end, "(#n0 = :v0)", nil, { [":v0"] = { BOOL = true } } },
      { function() return User.data.address.lines[1]:eq("x") end, "(#n0.#n1.#n2[0] = :v0)",
        { ["#n0"] = "data", ["#n1"] = "address", ["#n2"] = "lines" } },
      { function() return User.data["address"]["zip"]:begins_with("9") end, "(begins_with(#n0.#n1.#n2, :v0))" },
      { function() return User.any.a.a[3]:eq(1) end, "(#n0.#n1.#n1[2] = :v0)", { ["#n0"] = "any", ["#n1"] = "a" } },
      { function() return User.any:path("eq"):eq(1) end, "(#n0.#n1 = :v0)", { ["#n0"] = "any", ["#n1"] = "eq" } },
    }
    for i, case in ipairs(cases) do
      it("case " .. i .. ": " .. case[2], function()
        local r = render{ condition = case[1]() }
        assert.equal(case[2], r.ConditionExpression)
        if case[3] then assert.same(case[3], r.ExpressionAttributeNames) end
        if case[4] then assert.same(case[4], r.ExpressionAttributeValues) end
        if #case >= 3 and case[4] == nil and select("#", table.unpack(case)) == 4 then
          assert.is_nil(r.ExpressionAttributeValues)
        end
      end)
    end
  end)

  describe("algebra", function()
    it("has the empty condition as identity of & and |", function()
      local e, a = Condition(), User.age:eq(1)
      assert.equal(a, e & a)
      assert.equal(a, a & e)
      assert.equal(a, e | a)
      assert.equal(a, a | e)
      assert.equal(e, e & Condition())
      assert.equal(e, ~e)
      assert.equal(0, #e)
      assert.equal("()", tostring(e))
      assert.same({}, render{ condition = e })
      assert.is_true(core.is_condition(e))
      assert.is_false(core.is_condition({}))
    end)

    it("negates twice back to the same object", function()
      local a = User.age:eq(1)
      assert.equal(a, ~~a)
      assert.equal(1, #~a)
      assert.equal("(NOT (#n0 = :v0))", render{ condition = ~a }.ConditionExpression)
    end)

    it("flattens in order and never changes its operands", function()
      local a, b, c = User.age:eq(1), User.age:eq(2), User.email:eq("x")
      local ab = a & b
      local abc = ab & c
      local cab = c & ab
      assert.equal("((#n0 = :v0) AND (#n0 = :v1))", render{ condition = ab }.ConditionExpression)
      assert.equal("((#n0 = :v0) AND (#n0 = :v1) AND (#n1 = :v2))", render{ condition = abc }.ConditionExpression)
      assert.equal("((#n0 = :v0) AND (#n1 = :v1) AND (#n1 = :v2))", render{ condition = cab }.ConditionExpression)
      assert.equal(2, #ab)
      assert.equal(3, #abc)
      assert.equal(4, #(ab & ab))
      local mixed = (a | b) & ~c
      assert.equal(3, #mixed)
      assert.equal("(((#n0 = :v0) OR (#n0 = :v1)) AND (NOT (#n1 = :v2)))", render{ condition = mixed }.ConditionExpression)
      local x = ab
      x = x & c          -- a new tree; ab is as it was
      assert.equal(2, #ab)
      assert.equal(3, #x)
    end)

    it("refuses non-conditions", function()
      assert.has_error(function() return User.age:eq(1) & 3 end)
      assert.has_error(function() return {} | User.age:eq(1) end)
    end)

    it("prints model.column names and values", function()
      assert.equal('(User.email = "a\\"b")', tostring(User.email:eq('a"b')))
      assert.equal("((User.age >= 18) AND (NOT (attribute_not_exists(User.name))))",
        tostring(User.age:ge(18) & ~User.name:eq(nil)))
      assert.equal("(User.data.address.lines[1] IN (\"a\", \"b\"))",
        tostring(User.data.address.lines[1]:in_{ "a", "b" }))
      assert.equal('(begins_with(User.any["x y"], "p"))', tostring(User.any["x y"]:begins_with("p")))
      assert.equal("User.data.address", tostring(User.data.address))
    end)
  end)

  describe("seed patterns", function()
    local keys = function() return { User.id } end
    it("expresses generic if_not_exist", function()
      local c = Condition()
      for _, key in ipairs(keys()) do c = c & key:is_(nil) end
      assert.equal("(attribute_not_exists(#n0))", render{ condition = c }.ConditionExpression)
      local both = Condition()
      for _, key in ipairs{ User.id, User.email } do both = both & key:is_(nil) end
      assert.equal("((attribute_not_exists(#n0)) AND (attribute_not_exists(#n1)))",
        render{ condition = both }.ConditionExpression)
    end)

    it("expresses a snapshot condition", function()
      local user = { id = "u1", email = "a@b", age = 30, tags = bloop.set{ "x" } }
      local c = Condition()
      for _, col in ipairs{ User.id, User.email, User.age, User.name, User.tags } do
        c = c & col:eq(bloop.deepcopy and bloop.deepcopy(user[col.name]) or user[col.name])
      end
      local r = render{ condition = c }
      assert.equal("((#n0 = :v0) AND (#n1 = :v1) AND (#n2 = :v2) AND (attribute_not_exists(#n3)) AND (#n4 = :v3))",
        r.ConditionExpression)
      assert.same({ SS = { "x" } }, r.ExpressionAttributeValues[":v3"])
    end)
  end)

  describe("build-time errors", function()
    it("refuses operators the type does not support, naming column, operator and type", function()
      assert.equal("User.age: Integer does not support begins_with",
        raises("InvalidCondition", User.age.begins_with, User.age, "1"))
      assert.equal("User.flag: Boolean does not support lt", raises("InvalidCondition", User.flag.lt, User.flag, true))
      assert.equal("User.tags: Set(String) does not support between",
        raises("InvalidCondition", User.tags.between, User.tags, "a", "b"))
      assert.equal("User.data: Map{address = Map{lines = List(String), zip = String}, n = Integer} does not support contains",
        raises("InvalidCondition", User.data.contains, User.data, "a"))
      local odd = column("odd", stand_in("Odd", { eq = true, ["in"] = true }))
      assert.equal("User.odd: Odd does not support eq", raises("InvalidCondition", odd.eq, odd, 1))
      assert.equal("User.odd: Odd does not support in", raises("InvalidCondition", odd.in_, odd, { 1 }))
    end)

    it("refuses absent values outside = and <>", function()
      for _, op in ipairs{ "lt", "le", "gt", "ge", "begins_with", "contains" } do
        assert.equal("User.email: " .. op .. " needs a value, got nil",
          raises("InvalidCondition", User.email[op], User.email, nil))
      end
      assert.equal("(#n0 < :v0)", render{ condition = User.email:lt("") }.ConditionExpression)
      assert.equal("User.email: between needs a value, got nil", raises("InvalidCondition", User.email.between, User.email, "a", nil))
      assert.equal("User.email: in needs a value, got nil", raises("InvalidCondition", User.email.in_, User.email, "a", nil))
      assert.equal("User.email: in_ needs at least one value", raises("InvalidCondition", User.email.in_, User.email, {}))
      local s = column("s", stand_in("S"))
      -- a type of one's own may still store "" as nothing
      assert.equal("User.s: between cannot compare with a value that is absent (nil, an empty set, list or map, or what its type stores as nothing)",
        raises("InvalidCondition", s.between, s, "", "b"))
      assert.equal("(attribute_not_exists(#n0))", render{ condition = s:eq("") }.ConditionExpression)
    end)

    it("reports what DynamoDB would refuse, naming the path", function()
      assert.equal("User.age: BETWEEN lower bound is greater than the upper bound",
        raises("InvalidCondition", User.age.between, User.age, 5, 1))
      local vals = {}
      for i = 1, 101 do vals[i] = i end
      assert.equal("User.age: IN takes 1 to 100 operands, got 101", raises("InvalidCondition", User.age.in_, User.age, vals))
      vals[101] = nil
      local r = render{ condition = User.age:in_(vals) }
      assert.equal(1, #User.age:in_(vals))
      assert.equal(100, select(2, r.ConditionExpression:gsub(":v", "")))
      assert.matches("Integer", raises("InvalidValue", User.age.eq, User.age, 1.5))
    end)

    it("refuses bad document paths", function()
      assert.equal("User.data.address.lines[0]: list indexes start at 1",
        raises("InvalidCondition", function() return User.data.address.lines[0] end))
      assert.matches('has no field "nope"', raises("InvalidCondition", function() return User.data.nope end))
      assert.matches("paths are list indexes", raises("InvalidCondition", function() return User.data.address.lines.x end))
      assert.matches("has no paths", raises("InvalidCondition", function() return User.age.x end))
      helpers.misuse(function() User.data.address.x = 1 end, "User.data.address: document paths are read-only")
    end)

    it("checks core arguments (misuse)", function()
      assert.has_error(function() core.condition("nope", { "a" }) end)
      assert.has_error(function() core.condition("eq", { 1 }, { { wire = { S = "x" } } }) end)
      assert.equal("a: eq operand 1.SS: empty set",
        raises("InvalidCondition", core.condition, "eq", { "a" }, { { wire = { SS = {} } } }))
      assert.equal("a[2]: = takes 1 operand, got 0",
        raises("InvalidCondition", core.condition, "eq", { "a", 2 }, {}))
      assert.has_error(function() core.condition("eq", { "a" }, { {} }) end,
        "a: eq operand 1: operand spec needs path, wire or type")
    end)
  end)

  describe("render", function()
    it("shares one allocator across every part of a request", function()
      local r = render{
        condition = User.email:eq("x"),
        filter = User.email:eq("@") & User.name:eq(nil),
        key = User.id:eq("@") & User.email:begins_with("x"),
        hash_key = "id", range_key = "email",
        projection = { User.id, "email", User.data.address.lines[2], User.id },
        update = { { "SET", { "age" }, { wire = { N = "3" } } }, { "REMOVE", { "n.ame" } },
                   { "ADD", "count", { type = T.Integer, value = 1 } },
                   { "DELETE", "tags", { wire = { SS = { "x" } } } },
                   { "SET", "email", { type = T.String, value = "" } } },
      }
      assert.equal("(#n0 = :v0)", r.ConditionExpression)
      assert.equal("((#n0 = :v1) AND (attribute_not_exists(#n1)))", r.FilterExpression)
      assert.equal("((#n2 = :v1) AND (begins_with(#n0, :v0)))", r.KeyConditionExpression)
      assert.equal("#n2, #n0, #n3.#n4.#n5[1]", r.ProjectionExpression)
      assert.equal("SET #n6 = :v2, #n0 = :v3 REMOVE #n1 ADD #n7 :v4 DELETE #n8 :v5", r.UpdateExpression)
      assert.same({ ["#n0"] = "email", ["#n1"] = "n.ame", ["#n2"] = "id", ["#n3"] = "data",
                    ["#n4"] = "address", ["#n5"] = "lines", ["#n6"] = "age", ["#n7"] = "count",
                    ["#n8"] = "tags" }, r.ExpressionAttributeNames)
      -- S "x" and SS ["x"] are different values; N 3 and N 1 too.
      assert.same({ [":v0"] = { S = "x" }, [":v1"] = { S = "@" }, [":v2"] = { N = "3" },
                    [":v3"] = { S = "" }, [":v4"] = { N = "1" }, [":v5"] = { SS = { "x" } } },
                  r.ExpressionAttributeValues)
    end)

    it("keeps values of different types apart", function()
      local r = render{ condition = User.email:eq("1") & User.age:eq(1) & User.tags:eq(bloop.set{ "1" }) }
      assert.same({ [":v0"] = { S = "1" }, [":v1"] = { N = "1" }, [":v2"] = { SS = { "1" } } },
        r.ExpressionAttributeValues)
    end)

    it("validates key conditions", function()
      assert.equal("key condition on the hash key id must be =, not <>",
        raises("InvalidSearch", render, { key = User.id:ne("x"), hash_key = "id" }))
      assert.equal("key condition uses age, which is not a key of this table or index (hash key id)",
        raises("InvalidSearch", render, { key = User.id:eq("x") & User.age:eq(1), hash_key = "id" }))
      assert.equal("key condition has no = on the hash key id",
        raises("InvalidSearch", render, { key = User.email:eq("x"), hash_key = "id", range_key = "email" }))
      assert.equal("a query needs a key condition: id = value",
        raises("InvalidSearch", render, { key = Condition(), hash_key = "id" }))
      assert.has_error(function() render{ key = User.id:eq("x") } end)
    end)

    it("refuses bad projections and updates", function()
      assert.equal("projection is empty", raises("InvalidSearch", render, { projection = {} }))
      assert.equal("update actions 1 and 2 change overlapping paths",
        raises("InvalidRequest", render, { update = { { "REMOVE", "a" }, { "REMOVE", { "a", 0 } } } }))
      assert.equal("ADD action 1: ADD needs a value, got an absent one",
        raises("InvalidRequest", render, { update = { { "ADD", "a", { type = T.Set(T.String), value = bloop.set{} } } } }))
      assert.has_error(function() render{ update = { { "MOVE", "a" } } } end)
    end)

    it("refuses expressions over 4 KB", function()
      local c = Condition()
      for i = 1, 60 do c = c | column("attribute_" .. i, T.String):eq("v") end
      local ok = render{ condition = c }
      assert.is_true(#ok.ConditionExpression <= 4096)
      for i = 61, 400 do c = c | column("attribute_" .. i, T.String):eq("v") end
      assert.matches("^ConditionExpression is over DynamoDB's limit of 4096 bytes %(rendering stopped at %d+%)$",
        raises("InvalidCondition", render, { condition = c }))
      -- the error object carries what the core said and nothing else (no HTTP status)
      local _, err = pcall(render, { condition = c })
      assert.is_nil(err.status)
      assert.is_nil(err.request_id)
      assert.is_false(err.retried)
      assert.matches("^InvalidCondition: ConditionExpression is over DynamoDB's limit", tostring(err))
    end)

    it("is deterministic", function()
      local c = User.age:in_{ 3, 1, 2 } | (User.tags:contains("x") & ~User.data.address.zip:eq("1"))
      local first = render{ condition = c, filter = c }
      for _ = 1, 5 do assert.same(first, render{ condition = c, filter = c }) end
    end)
  end)
end)
