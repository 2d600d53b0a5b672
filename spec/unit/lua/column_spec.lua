-- bloop.column: what a Column refuses and how it says so. No network.
local bloop = require("bloop")
local helpers = require("spec.helpers")
local Column, Integer, String = bloop.Column, bloop.Integer, bloop.String

-- The message of the error fn raises, which must be a `name` object.
local function raises(name, fn)
  local err = helpers.raises(fn)
  assert.equal(name, type(err) == "table" and err.name, tostring(err))
  return err.message
end

describe("bloop.Column", function()
  describe("document paths", function()
    local M = bloop.Model:extend("PathModel")
    M.id = Column(String, { hash_key = true })
    M.n = Column(Integer)
    M.data = Column(bloop.Map{ a = String })
    M.list = Column(bloop.List(String))

    it("exist on Map, List and Dynamic columns", function()
      assert.equal("PathModel.data.a", tostring(M.data["a"]))
      assert.equal("PathModel.list[1]", tostring(M.list[1]))
    end)

    it("say the column has none rather than reading as nil", function()
      assert.equal('PathModel.n is an Integer column; it has no document path ["a"]',
        raises("InvalidCondition", function() return M.n["a"]:eq(1) end))
      assert.equal("PathModel.n is an Integer column; it has no document path [1]",
        raises("InvalidCondition", function() return M.n[1] end))
      assert.equal('PathModel.id is a String column; it has no document path ["x"]',
        raises("InvalidCondition", function() return M.id.x end))
    end)

    it("say an unknown Map field is no path of the column", function()
      assert.equal('PathModel.data is a Map{a = String} column; it has no document path ["b"]',
        raises("InvalidCondition", function() return M.data["b"]:eq(1) end))
      assert.equal('PathModel.list is a List(String) column; it has no document path ["x"]',
        raises("InvalidCondition", function() return M.list.x end))
    end)
  end)
end)
