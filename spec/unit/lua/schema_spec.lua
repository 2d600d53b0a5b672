-- bloop.schema: fields (only / exclude / load_only / dump_only / extra), dump, dump_many,
-- links, and load's every rule (required, types, a column's own check, validate, unknown
-- and read-only keys), with a schema that never shows a password.
local bloop = require("bloop")
local schema = require("bloop.schema")
local json = require("bloop.json")
local cjson = require("cjson")

local C = bloop.Column

local function err_of(fn, ...)
  local ok, err = pcall(fn, ...)
  assert.is_false(ok, "expected an error")
  return err
end

-- A Column subclass with its own check (lua-api.md "Custom Column class").
local Checked = bloop.Column:extend("Checked")
function Checked:init(typedef, opts)
  opts = opts or {}
  self.min = opts.min
  local rest = {}
  for k, v in pairs(opts) do if k ~= "min" then rest[k] = v end end
  Checked.super.init(self, typedef, rest)
end
function Checked:set(obj, value)
  if value ~= nil and self.min and value < self.min then
    error(("must be at least %d"):format(self.min), 2)
  end
  Checked.super.set(self, obj, value)
end

local User = bloop.Model:extend("SchemaUser")
User.email = C(bloop.String, { hash_key = true })
User.password = C(bloop.String)
User.date_created = C(bloop.DateTime, { default = function() return bloop.datetime.now() end })
User.age = Checked(bloop.Integer, { min = 0 })
User.tags = C(bloop.Set(bloop.String))
User.score = C(bloop.Number)

local Event = bloop.Model:extend("SchemaEvent")
Event.user = C(bloop.String, { hash_key = true })
Event.at = C(bloop.Integer, { range_key = true })

local function sorted_keys(t)
  local out = {}
  for k in pairs(t) do out[#out + 1] = k end
  table.sort(out)
  return out
end

describe("bloop.schema", function()
  it("is bloop.schema, and ValidationError is a BloopError", function()
    assert.equal(schema, bloop.schema)
    assert.is_true(bloop.is(bloop.ValidationError:new{}, bloop.BloopError))
  end)

  describe("from_model", function()
    it("takes every column by default, in declaration order", function()
      local s = schema.from_model(User)
      local names = {}
      for i, c in ipairs(s.columns) do names[i] = c.name end
      assert.same({ "email", "password", "date_created", "age", "tags", "score" }, names)
    end)

    it("only and exclude pick the fields", function()
      local s = schema.from_model(User, { only = { "email", "age", "password" }, exclude = { "password" } })
      local names = {}
      for i, c in ipairs(s.columns) do names[i] = c.name end
      assert.same({ "email", "age" }, names)
    end)

    it("refuses a model that is not one, an unknown option, an unknown column", function()
      assert.equal("InvalidArgument", err_of(schema.from_model, {}).name)
      local err = err_of(schema.from_model, User, { exlude = { "password" } })
      assert.matches('unknown option "exlude" %(did you mean "exclude"%?%)', err.message)
      err = err_of(schema.from_model, User, { only = { "emial" } })
      assert.matches('has no column emial %(did you mean "email"%?%)', err.message)
      err = err_of(schema.from_model, User, { validate = { nope = function() end } })
      assert.matches("has no column nope", err.message)
      err = err_of(schema.from_model, User, { fields = { email = function() end } })
      assert.matches("email is a column of SchemaUser", err.message)
    end)
  end)

  describe("dump", function()
    local u = User{ email = "a@example.com", password = "hunter2", age = 30,
      date_created = bloop.datetime.parse("2024-01-02T03:04:05+00:00"),
      tags = bloop.set{ "b", "a" }, score = bloop.decimal("1.5") }

    it("writes the columns as bloop.json does, leaving absent ones out", function()
      local out = schema.from_model(User):dump(User{ email = "x", age = 1,
        date_created = bloop.datetime.parse("2024-01-02T03:04:05+00:00") })
      assert.same({ email = "x", age = 1, date_created = "2024-01-02T03:04:05.000000+00:00" }, out)
      local all = schema.from_model(User):dump(u)
      assert.same({ "a", "b" }, all.tags)
      assert.equal(1.5, all.score)
    end)

    it("explicit_none writes null, use_float = false exact numbers", function()
      local s = schema.from_model(User, { only = { "email", "score", "tags" }, explicit_none = true, use_float = false })
      assert.same({ email = "x", score = bloop.null, tags = bloop.null }, s:dump(User{ email = "x" }))
      assert.equal("1.5", s:dump(u).score)
    end)

    it("a schema hiding the password never dumps it, whichever way it hides it", function()
      for _, opts in ipairs{ { exclude = { "password" } }, { load_only = { "password" } } } do
        local s = schema.from_model(User, opts)
        local out = s:dump(u)
        assert.is_nil(out.password)
        assert.is_nil(json.encode(out):find("hunter2", 1, true))
        assert.equal("a@example.com", out.email)
        for _, o in ipairs(s:dump_many{ u, u }) do assert.is_nil(o.password) end
      end
    end)

    it("extra fields and links", function()
      local s = schema.from_model(User, { only = { "email" }, fields = {
        _links = schema.links{ self = "/api/users/{email}", collection = "/api/users/" },
        shout = function(obj, dumped) return dumped.email:upper() .. obj.password end,
      } })
      assert.same({ email = "a@example.com", shout = "A@EXAMPLE.COMhunter2",
        _links = { self = "/api/users/a%40example.com", collection = "/api/users/" } }, s:dump(u))
      local links = schema.links{ self = "/e/{user}/{at}" }
      local e = Event{ user = "a b/c", at = 7 }
      assert.same({ self = "/e/a%20b%2Fc/7" }, links(e, json.serialize(e)))
      assert.equal("InvalidArgument", err_of(links, Event{ user = "u" }, { user = "u" }).name)
    end)

    it("dump_many gives an array, [] when empty", function()
      local s = schema.from_model(User, { only = { "email" } })
      assert.same({ { email = "a@example.com" }, { email = "b" } }, s:dump_many{ u, User{ email = "b" } })
      assert.equal("[]", json.encode(s:dump_many{}))
    end)

    it("refuses an object of another model", function()
      local s = schema.from_model(User)
      assert.matches("a SchemaUser object is required", err_of(s.dump, s, Event{ user = "u", at = 1 }).message)
    end)
  end)

  describe("load", function()
    local s = schema.from_model(User, { load_only = { "password" }, dump_only = { "date_created" },
      required = { "password" },
      validate = {
        email = function(v) return v:find("@", 1, true) ~= nil or "not an email address" end,
        score = function(v) if v > bloop.decimal(100) then error("too high") end end,
        tags = function(v) return #v < 3, "at most 2 tags" end,
      } })

    local function fields_of(data)
      local err = err_of(s.load, s, data)
      assert.equal("ValidationError", err.name)
      assert.equal("ValidationError", err.code)
      assert.is_true(bloop.is(err, bloop.ValidationError))
      return err.fields, err
    end

    it("builds an object through the types, with defaults", function()
      local u = s:load{ email = "a@example.com", password = "pw", age = 3, tags = { "x", "y" }, score = 2.5 }
      assert.equal("SchemaUser", bloop.model.model_of(u).Meta.name)
      assert.equal("a@example.com", u.email)
      assert.equal("pw", u.password)
      assert.equal(3, u.age)
      assert.equal(2, #u.tags)
      assert.equal(bloop.decimal("2.5"), u.score)
      assert.is_not_nil(u.date_created)   -- the column's default
    end)

    it("reads what cjson.decode gives, and bloop values as they are", function()
      local u = s:load(cjson.decode('{"email":"a@b","password":"pw","tags":[],"score":1e2}'))
      assert.equal(0, #u.tags)
      assert.equal(bloop.decimal(100), u.score)
      u = s:load{ email = "a@b", password = "pw", score = bloop.decimal("0.1") }
      assert.equal(bloop.decimal("0.1"), u.score)
    end)

    -- each rule: the data and the message expected for each bad field
    local cases = {
      { "a missing required key (the hash key)", { password = "pw" },
        { email = "missing required field" } },
      { "a missing required key (listed) and a null one", { email = "a@b", password = bloop.null },
        { password = "missing required field" } },
      { "a wrong type", { email = 5, password = "pw", age = "x", tags = "a" },
        { email = "expected a string, got number", age = "!", tags = "expected an array, got string" } },
      { "a column's own check", { email = "a@b", password = "pw", age = -1 },
        { age = "must be at least 0" } },
      { "a validate function returning a message", { email = "nobody", password = "pw" },
        { email = "not an email address" } },
      { "a validate function raising", { email = "a@b", password = "pw", score = 101 },
        { score = "too high" } },
      { "a validate function returning false and a message", { email = "a@b", password = "pw", tags = { "a", "b", "c" } },
        { tags = "at most 2 tags" } },
      { "an unknown key, with a near name", { email = "a@b", password = "pw", emial = "x", zzz = 1 },
        { emial = 'unknown field (did you mean "email"?)', zzz = "unknown field" } },
      { "a dump-only key", { email = "a@b", password = "pw", date_created = "2024-01-02T03:04:05+00:00" },
        { date_created = "read-only field" } },
    }
    for _, case in ipairs(cases) do
      it("refuses " .. case[1] .. ", naming each field", function()
        local fields, err = fields_of(case[2])
        assert.same(sorted_keys(case[3]), sorted_keys(fields))
        for k, msg in pairs(case[3]) do
          if msg ~= "!" then assert.equal(msg, fields[k]) end
          assert.matches(k .. ": ", err.message, 1, true)
        end
      end)
    end

    it("collects every problem at once", function()
      local fields = fields_of{ age = -5, tags = 3, other = true }
      assert.same({ "age", "email", "other", "password", "tags" }, sorted_keys(fields))
    end)

    it("refuses what is not an object", function()
      assert.same({ _schema = "expected an object of fields" }, fields_of("x"))
      assert.same({ _schema = "expected an object of fields" }, fields_of{ 1, 2 })
    end)

    it("loads JSON text, refusing malformed JSON and a non-object", function()
      local u = s:loads('{"email":"a@b","password":"pw","score":1.2345678901234567890123}')
      assert.equal(bloop.decimal("1.2345678901234567890123"), u.score)
      local err = err_of(s.loads, s, '{"email":')
      assert.equal("ValidationError", err.name)
      assert.matches("malformed JSON", err.fields._schema)
      err = err_of(s.loads, s, '[1]')
      assert.equal("expected a JSON object, got array", err.fields._schema)
      err = err_of(s.loads, s, '{}')
      assert.same({ email = "missing required field", password = "missing required field" }, err.fields)
    end)

    it("requires both keys of a hash and range model", function()
      local es = schema.from_model(Event)
      assert.same({ at = "missing required field", user = "missing required field" },
        err_of(es.load, es, {}).fields)
      local e = es:load{ user = "u", at = 3 }
      assert.equal(3, e.at)
    end)

    it("a load then dump round trip shows no password", function()
      local out = s:dump(s:load{ email = "a@b", password = "secret" })
      assert.is_nil(out.password)
      assert.equal("a@b", out.email)
    end)
  end)
end)
