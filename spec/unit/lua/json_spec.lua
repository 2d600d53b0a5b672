-- bloop.json: encode / serialize / decode, each option, user type hooks, errors, and a
-- property-style round trip over random values of every column type.
local bloop = require("bloop")
local json = require("bloop.json")
local cjson = require("cjson")
local set_mod = require("bloop.set")

local C, D = bloop.Column, bloop.decimal

local function err_of(fn, ...)
  local ok, err = pcall(fn, ...)
  assert.is_false(ok, "expected an error")
  return err
end

-- Equal as bloop values, and numbers of the same Lua subtype (1 is not 1.0 here).
local function same(a, b, path)
  path = path or "value"
  if math.type(a) or math.type(b) then
    return math.type(a) == math.type(b) and a == b, path .. (": %s (%s) vs %s (%s)"):format(
      tostring(a), tostring(math.type(a)), tostring(b), tostring(math.type(b)))
  end
  if type(a) ~= type(b) then return false, path .. (": %s vs %s"):format(type(a), type(b)) end
  if type(a) ~= "table" or set_mod.is(a) then
    return a == b, path .. (": %s vs %s"):format(tostring(a), tostring(b))
  end
  for k, v in pairs(a) do
    local ok, why = same(v, b[k], path .. "." .. tostring(k))
    if not ok then return false, why end
  end
  for k in pairs(b) do
    if a[k] == nil then return false, path .. "." .. tostring(k) .. ": missing" end
  end
  return true
end

local Thing = bloop.Model:extend("Thing")
Thing.id = C(bloop.String, { hash_key = true })
Thing.count = C(bloop.Integer)
Thing.price = C(bloop.Number)
Thing.tags = C(bloop.Set(bloop.String))

describe("bloop.json", function()
  it("is bloop.json", function() assert.equal(json, bloop.json) end)

  describe("encode", function()
    describe("options", function()
      local obj = Thing{ id = "t1", price = D("0.1"), tags = bloop.set{ "b", "a" } }
      local cases = {
        { "defaults", nil, '{"id":"t1","price":0.1,"tags":["a","b"]}' },
        { "use_float = false", { use_float = false }, '{"id":"t1","price":"0.1","tags":["a","b"]}' },
        { "explicit_none", { explicit_none = true },
          '{"id":"t1","count":null,"price":0.1,"tags":["a","b"]}' },
        { "sort_keys", { sort_keys = true, explicit_none = true },
          '{"count":null,"id":"t1","price":0.1,"tags":["a","b"]}' },
        { "indent = 2", { indent = 2 },
          '{\n  "id": "t1",\n  "price": 0.1,\n  "tags": [\n    "a",\n    "b"\n  ]\n}' },
        { "indent = true is 2", { indent = true },
          '{\n  "id": "t1",\n  "price": 0.1,\n  "tags": [\n    "a",\n    "b"\n  ]\n}' },
        { "indent = 0", { indent = 0 }, '{\n"id": "t1",\n"price": 0.1,\n"tags": [\n"a",\n"b"\n]\n}' },
        { "indent = false", { indent = false }, '{"id":"t1","price":0.1,"tags":["a","b"]}' },
      }
      for _, case in ipairs(cases) do
        it(case[1], function() assert.equal(case[3], json.encode(obj, case[2])) end)
      end
    end)

    describe("values", function()
      local M = bloop.Model:extend("Values")
      M.id = C(bloop.String, { hash_key = true })
      M.v = C(bloop.DynamicMap)
      local uuid = bloop.uuid("12345678-9abc-def0-1234-56789abcdef0")
      local when = bloop.datetime.parse("2023-06-01T10:20:30.5+02:00")
      local cases = {
        -- type, value, JSON (use_float), JSON with use_float = false (defaults to the first)
        { bloop.String, 'a/"b"\n', '"a/\\"b\\"\\n"' },
        { bloop.String, "", '""' },
        { bloop.String, "\0x", '"\\u0000x"' },
        { bloop.Number, D("0.1"), "0.1", '"0.1"' },
        { bloop.Number, 3, "3.0", '"3"' },
        { bloop.Number, D("1E+40"), "1e+40", '"1E+40"' },
        { bloop.Number, D("12345678901234567890123456789012345678"), "1.2345678901234568e+37",
          '"12345678901234567890123456789012345678"' },
        { bloop.Integer, math.mininteger, "-9223372036854775808" },
        { bloop.Float, 0.1, "0.1" },
        { bloop.Float, 1 / 3, "0.3333333333333333" },
        { bloop.Float, 2.0, "2.0" },
        { bloop.Binary, "\0\1\255", '"AAH/"' },
        { bloop.Binary, "", '""' },
        { bloop.Boolean, false, "false" },
        { bloop.UUID, uuid, '"12345678-9abc-def0-1234-56789abcdef0"' },
        { bloop.DateTime, when, '"2023-06-01T08:20:30.500000+00:00"' },
        { bloop.Timestamp, when, '"2023-06-01T08:20:30.000000+00:00"' },
        { bloop.Set(bloop.Integer), bloop.set{ 10, 9, 100 }, "[9,10,100]" },
        { bloop.Set(bloop.Number), bloop.set{ D("1.5"), 10, 9 }, "[1.5,9.0,10.0]", '["1.5","9","10"]' },
        { bloop.Set(bloop.Binary), bloop.set{ "b", "a" }, '["YQ==","Yg=="]' },
        { bloop.Set(bloop.DateTime), bloop.set{ when, bloop.datetime.fromtimestamp(0) },
          '["1970-01-01T00:00:00.000000+00:00","2023-06-01T08:20:30.500000+00:00"]' },
        { bloop.Set(bloop.String), bloop.set{}, "[]" },
        { bloop.List(bloop.String), {}, "[]" },
        { bloop.List(bloop.String), { "a", bloop.null, "" }, '["a",null,""]' },
        { bloop.Map{ a = bloop.Integer, b = bloop.List(bloop.Integer) }, { a = 1, b = { 2 }, x = 9 },
          '{"a":1,"b":[2]}' },
        { bloop.Map{ a = bloop.Integer }, {}, "{}" },
        { bloop.DynamicList, { 1, "a", true, bloop.null, { x = {} } }, '[1,"a",true,null,{"x":{}}]' },
        { bloop.DynamicList, {}, "[]" },
        { bloop.DynamicMap, {}, "{}" },
        { bloop.DynamicMap, { b = bloop.binary("\0") }, '{"b":{"$B":"AA=="}}' },
        { bloop.DynamicMap, { s = bloop.set{ "y", "x" } }, '{"s":{"$SS":["x","y"]}}' },
        { bloop.DynamicMap, { s = bloop.set{ 2, D("1.5") } }, '{"s":{"$NS":[1.5,2]}}',
          '{"s":{"$NS":["1.5","2"]}}' },
        { bloop.DynamicMap, { s = bloop.set{ bloop.binary("b"), bloop.binary("a") } },
          '{"s":{"$BS":["YQ==","Yg=="]}}' },
        { bloop.DynamicMap, { d = D("2.5"), i = D(7) }, '{"d":2.5,"i":7}', '{"d":{"$N":"2.5"},"i":7}' },
        { bloop.DynamicMap, { m = { ["$B"] = "x" } }, '{"m":{"$M":{"$B":"x"}}}' },
        { bloop.DynamicMap, { m = { ["$B"] = "x", y = 1 } }, '{"m":{"$B":"x","y":1}}' },
      }
      for _, case in ipairs(cases) do
        local t, v, want, want_exact = case[1], case[2], case[3], case[4] or case[3]
        it(("%s %s"):format(tostring(t), want), function()
          M.v = C(t)
          local obj = M{ id = "x", v = v }
          assert.equal('{"id":"x","v":' .. want .. "}", json.encode(obj))
          assert.equal('{"id":"x","v":' .. want_exact .. "}", json.encode(obj, { use_float = false }))
        end)
      end
    end)

    it("writes models inside lists and maps", function()
      local a, b = Thing{ id = "a" }, Thing{ id = "b", count = 2 }
      assert.equal('[{"id":"a"},{"k":{"count":2,"id":"b"}}]', json.encode({ a, { k = b } }, { sort_keys = true }))
    end)

    it("keeps a model's column order inside other tables unless sort_keys", function()
      local b = Thing{ id = "b", count = 2 }
      assert.equal('{"k":{"id":"b","count":2}}', json.encode({ k = b }))
      assert.equal('{"k":{"count":2,"id":"b"}}', json.encode({ k = b }, { sort_keys = true }))
    end)

    it("writes plain bloop values the seed's default function handles", function()
      local v = { when = bloop.datetime.fromtimestamp(0), id = bloop.uuid("12345678-9abc-def0-1234-56789abcdef0"),
        d = D("1.25"), b = bloop.binary("\255"), s = bloop.set{ 3, 1, 2 }, n = bloop.null }
      assert.equal('{"b":"/w==","d":1.25,"id":"12345678-9abc-def0-1234-56789abcdef0","n":null,'
        .. '"s":[1,2,3],"when":"1970-01-01T00:00:00.000000+00:00"}', json.encode(v))
    end)

    describe("refuses", function()
      local cases = {
        { "an unknown option", function() json.encode({}, { indnet = 2 }) end,
          'unknown option "indnet" (did you mean "indent"?)', "InvalidArgument" },
        { "a negative indent", function() json.encode({}, { indent = -1 }) end,
          "option indent must be false, true or a whole number >= 0", "InvalidArgument" },
        { "a non-boolean flag", function() json.encode({}, { use_float = 1 }) end,
          "option use_float must be a boolean", "InvalidArgument" },
        { "a string that is not UTF-8", function() json.encode({ x = "\255" }) end,
          "x: string is not valid UTF-8", "InvalidValue" },
        { "NaN", function() json.encode({ 0 / 0 }) end, "NaN or infinity", "InvalidValue" },
        { "a function", function() json.encode({ f = print }) end, "cannot serialize a function",
          "InvalidValue" },
        { "a value its column cannot hold", function()
          json.encode(Thing{ id = "x", count = 1 }, {}) ; local t = Thing{ id = "x" }
          rawget(t, require("bloop.column").DATA).count = "many"
          json.encode(t)
        end, 'Integer column Thing.count got "many"', "InvalidValue" },
      }
      for _, case in ipairs(cases) do
        it(case[1], function()
          local err = err_of(case[2])
          assert.equal(case[4], err.name)
          assert.truthy(err.message:find(case[3], 1, true), err.message)
        end)
      end
    end)
  end)

  describe("serialize", function()
    it("gives plain tables, arrays marked so an empty one stays an array", function()
      local t = json.serialize(Thing{ id = "x", tags = bloop.set{}, price = D("2.5") })
      assert.same({ id = "x", tags = {}, price = 2.5 }, t)
      assert.is_true(json.is_array(t.tags))
      assert.equal('"2.5"', json.encode(json.serialize(D("2.5"), { use_float = false })))
      assert.same({ id = "x", price = 2.5 }, cjson.decode(cjson.encode(
        json.serialize(Thing{ id = "x", price = D("2.5") }))))
    end)

    it("takes the same options as encode", function()
      assert.same({ id = "x", count = bloop.null, price = bloop.null, tags = bloop.null },
        json.serialize(Thing{ id = "x" }, { explicit_none = true }))
      local err = err_of(json.serialize, {}, { bogus = true })
      assert.equal("InvalidArgument", err.name)
    end)
  end)

  describe("decode", function()
    it("builds an object, or a list of them from an array", function()
      local t = json.decode(Thing, '{"id":"x","count":3,"price":"0.25","tags":["a"]}')
      assert.equal("Thing", getmetatable(t).__name)
      assert.equal(3, t.count)
      assert.equal(D("0.25"), t.price)
      assert.equal(bloop.set{ "a" }, t.tags)
      local list = json.decode(Thing, '[{"id":"a"},{"id":"b"}]')
      assert.equal(2, #list)
      assert.equal("b", list[2].id)
      assert.same({}, json.decode(Thing, "[ ]"))
    end)

    it("reads numbers from their text, never through a double", function()
      local t = json.decode(Thing, '{"id":"x","count":9007199254740993,"price":0.1000000000000000000001}')
      assert.equal(9007199254740993, t.count)
      assert.equal(D("0.1000000000000000000001"), t.price)
    end)

    it("leaves digits, brackets and NULs inside strings alone", function()
      local t = json.decode(Thing, '{"id":"\\u0000n12 [] -3 \\"[]\\" \\\\","tags":["\\u0000a","[]"]}')
      assert.equal('\0n12 [] -3 "[]" \\', t.id)
      assert.equal(bloop.set{ "\0a", "[]" }, t.tags)
    end)

    it("takes null as absent and marks it, so a save removes the column", function()
      local t = json.decode(Thing, '{"id":"x","count":null}')
      assert.is_nil(t.count)
      assert.is_true(rawget(t, require("bloop.column").MARKED).count)
    end)

    it("takes a Timestamp as ISO text or epoch seconds", function()
      local M = bloop.Model:extend("Ts")
      M.id = C(bloop.String, { hash_key = true })
      M.at = C(bloop.Timestamp)
      assert.equal("1970-01-01T00:01:40.000000+00:00", tostring(json.decode(M, '{"id":"x","at":100}').at))
      assert.equal("1970-01-01T00:01:40.000000+00:00",
        tostring(json.decode(M, '{"id":"x","at":"1970-01-01T00:01:40.9Z"}').at))
    end)

    describe("refuses", function()
      local cases = {
        { "malformed JSON", '{"id":', "malformed JSON", "InvalidJSON" },
        { "a bad number", '{"id":"x","count":01}', "malformed JSON", "InvalidJSON" },
        { "a lone minus", '{"id":"x","count":-}', "malformed JSON", "InvalidJSON" },
        { "an unknown column", '{"id":"x","cuont":1}', 'Thing: Thing has no column cuont (did you mean "count"?)' },
        { "a wrong JSON type", '{"id":"x","count":"3x"}', "Thing.count" },
        { "a string for a set", '{"id":"x","tags":"a"}', "Thing.tags: expected an array, got string" },
        { "a number for a string", '{"id":1}', "Thing.id: expected a string, got number" },
        { "a scalar at the top", '"x"', "Thing: expected an object, got string" },
        { "an object in a list that is not one", '[{"id":"a"},3]', "Thing[2]: expected an object, got number" },
        { "an integer out of range", '{"id":"x","count":9223372036854775808}', "Thing.count" },
      }
      for _, case in ipairs(cases) do
        it(case[1], function()
          local err = err_of(json.decode, Thing, case[2])
          assert.equal("InvalidValue", err.name)
          assert.truthy(err.message:find(case[3], 1, true), err.message)
          if case[4] then assert.equal(case[4], err.code) end
        end)
      end

      it("bad base64", function()
        local M = bloop.Model:extend("Bin")
        M.id = C(bloop.String, { hash_key = true })
        M.b = C(bloop.Binary)
        for _, text in ipairs{ "A", "AB=C", "A===", "YR==", "a b=" } do
          local err = err_of(json.decode, M, ('{"id":"x","b":"%s"}'):format(text))
          assert.truthy(err.message:find("Bin.b: expected base64 text", 1, true), err.message)
        end
      end)

      it("no model or no text", function()
        assert.equal("InvalidArgument", err_of(json.decode, {}, "{}").name)
        assert.equal("InvalidArgument", err_of(json.decode, Thing, nil).name)
      end)
    end)
  end)

  describe("user types", function()
    -- a color kept as {r, g, b}, stored as "#rrggbb", written to JSON as an array
    local Color = bloop.String:extend("Color")
    function Color:dynamo_dump(v) return v and ("#%02x%02x%02x"):format(v[1], v[2], v[3]) end
    function Color:dynamo_load(s)
      return s and { tonumber(s:sub(2, 3), 16), tonumber(s:sub(4, 5), 16), tonumber(s:sub(6, 7), 16) }
    end
    -- the same without JSON hooks: JSON is the wire text
    local Hex = bloop.String:extend("Hex")
    Hex.dynamo_dump, Hex.dynamo_load = Color.dynamo_dump, Color.dynamo_load
    local Tag = bloop.String:extend("Tag")
    function Tag:json_dump(v) return v:upper() end
    function Tag:json_load(j) return j:lower() end
    local Rgb = Color:extend("Rgb")
    function Rgb:json_dump(v) return { r = v[1], g = v[2], b = v[3] } end
    function Rgb:json_load(j) return { j.r, j.g, j.b } end

    local M = bloop.Model:extend("Paint")
    M.id = C(bloop.String, { hash_key = true })
    M.hex = C(Hex)
    M.rgb = C(Rgb)
    M.many = C(bloop.List(Rgb))
    M.set = C(bloop.Set(Tag))
    M.inmap = C(bloop.Map{ c = Rgb })

    it("a type with json_dump / json_load writes and reads what they say", function()
      local p = M{ id = "p", hex = { 255, 0, 16 }, rgb = { 1, 2, 3 }, many = { { 4, 5, 6 } },
        set = bloop.set{ "b", "a" }, inmap = { c = { 7, 8, 9 } } }
      local text = json.encode(p)
      assert.equal('{"id":"p","hex":"#ff0010","rgb":{"b":3,"g":2,"r":1},"many":[{"b":6,"g":5,"r":4}],'
        .. '"set":["A","B"],"inmap":{"c":{"b":9,"g":8,"r":7}}}', text)
      local back = json.decode(M, text)
      assert.same({ 255, 0, 16 }, back.hex)
      assert.same({ 1, 2, 3 }, back.rgb)
      assert.same({ { 4, 5, 6 } }, back.many)
      assert.same({ c = { 7, 8, 9 } }, back.inmap)
      assert.equal(bloop.set{ "a", "b" }, back.set)
      assert.equal(text, json.encode(back))
    end)
  end)

  it("a container type with its own dynamo_dump / dynamo_load is its wire value's JSON", function()
    local Point = bloop.Map:extend("Point")
    function Point:init() bloop.Map.init(self, { x = bloop.Integer, y = bloop.Integer }) end
    function Point:dynamo_dump(v)
      local x, y = v:match("^(%-?%d+),(%-?%d+)$")
      return { x = { N = x }, y = { N = y } }
    end
    function Point:dynamo_load(m) return m and (m.x.N .. "," .. m.y.N) end
    local M = bloop.Model:extend("Pts")
    M.id = C(bloop.String, { hash_key = true })
    M.at = C(Point)
    M.path = C(bloop.List(Point))
    local text = json.encode(M{ id = "p", at = "1,-2", path = { "3,4" } }, { sort_keys = true })
    assert.equal('{"at":{"x":1,"y":-2},"id":"p","path":[{"x":3,"y":4}]}', text)
    local back = json.decode(M, text)
    assert.equal("1,-2", back.at)
    assert.same({ "3,4" }, back.path)
  end)

  describe("round trip over random values", function()
    local rng
    local function pick(list) return list[rng(#list)] end

    local function rand_string()
      local parts, n = {}, rng(0, 6)
      for i = 1, n do
        parts[i] = pick{ "a", "Z", " ", '"', "\\", "/", "\n", "\0", "é", "日本", "😀", "[", "]",
          "-1", "1e5", "$B", "\1" }
      end
      return table.concat(parts)
    end
    local function rand_key()
      return (rand_string():gsub("%z", "0"))
    end
    local function rand_bytes()
      local t = {}
      for i = 1, rng(0, 8) do t[i] = string.char(rng(0, 255)) end
      return table.concat(t)
    end
    local function rand_int()
      return pick{ 0, 1, -1, math.maxinteger, math.mininteger, rng(-1000, 1000),
        rng(math.mininteger, math.maxinteger), 9007199254740993 }
    end
    local function rand_float()
      local x = (rng() - 0.5) * 10.0 ^ rng(-100, 100)
      return pick{ x, 0.1, 1 / 3, 2.0, -0.5, 1e125, 1e-129 }
    end
    -- exact: any DynamoDB decimal (38 digits); else one a double keeps (15 digits)
    local function rand_decimal(exact)
      local digits = {}
      for i = 1, rng(1, exact and 38 or 15) do digits[i] = tostring(rng(0, 9)) end
      local e = rng(-20, 20)
      return D(("%s%se%d"):format(rng(2) == 1 and "-" or "", table.concat(digits), e))
    end
    local function rand_time() return bloop.datetime.fromtimestamp(rng(-2e9, 4e9) + rng(0, 999999) / 1e6) end

    -- a dynamic value as a load gives it back
    local function rand_dynamic(depth, exact, in_list)
      local kinds = { "s", "i", "d", "bool", "bin", "ss", "ns", "bs" }
      if depth < 3 then kinds[#kinds + 1] = "list"; kinds[#kinds + 1] = "map"; kinds[#kinds + 1] = "tag" end
      if in_list then kinds[#kinds + 1] = "null" end
      local k = pick(kinds)
      if k == "s" then return rand_string()
      elseif k == "i" then return rand_int()
      elseif k == "d" then
        local d = rand_decimal(exact)
        if d:isinteger() then d = D(("%d.%d7"):format(rng(-99999, 99999), rng(0, 9999))) end
        return d
      elseif k == "bool" then return rng(2) == 1
      elseif k == "bin" then return bloop.binary(rand_bytes())
      elseif k == "null" then return bloop.null
      elseif k == "ss" then return bloop.set{ rand_string(), rand_string() }
      elseif k == "ns" then return bloop.set{ rng(-5, 5), D("0.5") }
      elseif k == "bs" then return bloop.set{ bloop.binary(rand_bytes()) }
      elseif k == "list" then
        local t = {}
        for i = 1, rng(0, 3) do t[i] = rand_dynamic(depth + 1, exact, true) end
        return t
      elseif k == "tag" then
        return { [pick{ "$B", "$M", "$SS", "$N" }] = rand_dynamic(depth + 1, exact) }
      end
      local t = {}
      for _ = 1, rng(0, 3) do t[rand_key()] = rand_dynamic(depth + 1, exact) end
      return t
    end

    local scalar = {
      { bloop.String, rand_string }, { bloop.Integer, rand_int }, { bloop.Float, rand_float },
      { bloop.Binary, rand_bytes }, { bloop.Boolean, function() return rng(2) == 1 end },
      { bloop.UUID, bloop.uuid4 }, { bloop.DateTime, rand_time },
      { bloop.Timestamp, function() return bloop.datetime.fromtimestamp(rng(-2e9, 4e9)) end },
    }
    local function gen_number(exact) return function() return rand_decimal(exact) end end

    -- a random type with a generator of its values (as a load gives them back)
    local function rand_type(depth, exact)
      local kinds = { "scalar", "scalar", "number", "set", "dlist", "dmap" }
      if depth < 3 then kinds[#kinds + 1] = "list"; kinds[#kinds + 1] = "map" end
      local k = pick(kinds)
      if k == "scalar" then local s = pick(scalar); return s[1], s[2] end
      if k == "number" then return bloop.Number, gen_number(exact) end
      if k == "dlist" then
        return bloop.DynamicList, function()
          local t = {}
          for i = 1, rng(0, 3) do t[i] = rand_dynamic(1, exact, true) end
          return t
        end
      end
      if k == "dmap" then
        return bloop.DynamicMap, function()
          local t = {}
          for _ = 1, rng(0, 3) do t[rand_key()] = rand_dynamic(1, exact) end
          return t
        end
      end
      if k == "set" then
        local s = pick{ scalar[1], scalar[2], scalar[4], scalar[6], scalar[7], scalar[8],
          { bloop.Number, gen_number(exact) } }
        return bloop.Set(s[1]), function()
          local out = bloop.set{}
          for _ = 1, rng(0, 4) do out:add(s[2]()) end
          return out
        end
      end
      if k == "list" then
        local t, g = rand_type(depth + 1, exact)
        return bloop.List(t), function()
          local out = {}
          for i = 1, rng(0, 3) do out[i] = g() end
          return out
        end
      end
      local fields, gens = {}, {}
      for i = 1, rng(1, 3) do fields["f" .. i], gens["f" .. i] = rand_type(depth + 1, exact) end
      return bloop.Map(fields), function()
        local out = {}
        for name, g in pairs(gens) do if rng(4) > 1 then out[name] = g() end end
        return out
      end
    end

    for _, use_float in ipairs{ true, false } do
      it(("keeps every value (use_float = %s)"):format(use_float), function()
        for seed = 1, 400 do
          rng = math.random
          math.randomseed(seed)
          local R = bloop.Model:extend("R" .. seed)
          R.id = C(bloop.String, { hash_key = true })
          local gens = {}
          for i = 1, 6 do
            local t, g = rand_type(1, not use_float)
            R["c" .. i] = C(t)
            gens[i] = g
          end
          local obj = R{ id = "x" }
          for i = 1, 6 do if rng(5) > 1 then obj["c" .. i] = gens[i]() end end
          for _, opts in ipairs{ { use_float = use_float },
            { use_float = use_float, indent = 2, sort_keys = true, explicit_none = true } } do
            local text = json.encode(obj, opts)
            local back = json.decode(R, text, opts)
            for _, c in ipairs(R.Meta.columns) do
              local ok, why = same(obj[c.name], back[c.name], c.name)
              assert(ok, ("seed %d: %s (%s)\n%s"):format(seed, why, tostring(c.typedef), text))
            end
            assert.equal(text, json.encode(back, opts))
          end
        end
      end)
    end
  end)
end)
