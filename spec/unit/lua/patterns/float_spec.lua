-- bloop.patterns.float: the Float type of Python bloop's Patterns page, a Number that loads Lua floats.
local bloop = require("bloop")
local Float = require("bloop.patterns.float").Float

describe("bloop.patterns.float", function()
  describe("Float", function()
    it("is a Number subclass, shipped in bloop.patterns too", function()
      assert.equal(bloop.Number, Float.super)
      assert.equal(Float, require("bloop.patterns").Float)
    end)

    it("saves through Number's exact decimals and loads a Lua float", function()
      for _, case in ipairs{
        { 0.1, "0.1", 0.1 },
        { 3, "3", 3.0 },
        { bloop.decimal("2.50"), "2.5", 2.5 },
        { -1e100, "-1E+100", -1e100 },
      } do
        local value, text, loaded = case[1], case[2], case[3]
        assert.same({ N = text }, Float:dump(value))
        local back = Float:load({ N = text })
        assert.equal("float", math.type(back))
        assert.equal(loaded, back)
      end
    end)

    it("loads absent as nil and refuses what DynamoDB cannot hold", function()
      assert.is_nil(Float:load(nil))
      local ok, err = pcall(Float.dump, Float, 1e-200)
      assert.is_false(ok)
      assert.equal("InvalidValue", err.name)
    end)
  end)
end)
