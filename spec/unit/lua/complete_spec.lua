-- spec/unit/lua/complete_spec.lua: bloop.complete, the names the REPL offers on Tab.
local bloop = require("bloop")
local complete = require("bloop.complete").complete

describe("bloop.complete", function()
  local User = bloop.Model:extend("CompleteUser", { table_name = "users" })
  User.email = bloop.Column(bloop.String, { hash_key = true })
  User.age = bloop.Column(bloop.Integer)
  local engine = bloop.Engine{ region = "us-east-1", endpoint = "http://127.0.0.1:1",
    credentials = { access_key_id = "AKID", secret_access_key = "secret" } }
  local env = setmetatable({ bloop = bloop, engine = engine, User = User,
    user = User{ email = "a@x" }, value = 1 }, { __index = _G })

  it("completes globals, through the environment's __index table, and keywords", function()
    assert.are.same({ "print", "printf_like" },
      complete("pri", setmetatable({ printf_like = 1 }, { __index = _G })))
    assert.are.same({ "value" }, complete("val", env))
    assert.are.same({ "while" }, complete("whi", env))
  end)

  it("completes fields of tables, bloop's members included", function()
    assert.are.same({ "bloop.Engine" }, complete("bloop.Eng", env))
    assert.are.same({ "string.format" }, complete("string.for", env))
    assert.are.same({ "User.Meta.table_name" }, complete("User.Meta.table_n", env))
  end)

  it("after ':' offers only methods, found through the object's metatable", function()
    assert.are.same({ "engine:save", "engine:scan", "engine:stream" }, complete("engine:s", env))
    assert.are.same({}, complete("engine:table_name_t", env))   -- a string field, no method
  end)

  it("offers a model's and a model object's columns", function()
    assert.are.same({ "User.age" }, complete("User.ag", env))
    assert.are.same({ "user.age", "user.email" }, { complete("user.age", env)[1],
                                                    complete("user.em", env)[1] })
  end)

  it("hides metamethods unless asked, and never offers file names", function()
    for _, name in ipairs(complete("engine.", env)) do
      assert.is_nil(name:find("%.__"), name)
    end
    assert.are.same({ "engine.__index" }, complete("engine.__ind", env))
    assert.are.same({}, complete("./spe", env))
    assert.are.same({}, complete("nosuch.x", env))
  end)

  it("never calls an __index function", function()
    local calls = 0
    local proxy = setmetatable({ own = 1 }, { __index = function() calls = calls + 1 end })
    local t = setmetatable({ proxy = proxy }, { __index = _G })
    assert.are.same({ "proxy.own" }, complete("proxy.o", t))
    assert.are.same({}, complete("proxy.missing.x", t))
    assert.are.equal(0, calls)
  end)
end)
