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
  describe("declaration", function()
    it("says which argument is not a type", function()
      assert.equal("Column: argument 1 must be a bloop type (got nil)",
        raises("InvalidModel", function() return Column(bloop.Strin) end))
      assert.equal("Column: argument 1 must be a bloop type (got table)",
        raises("InvalidModel", function() return Column({}) end))
    end)

    it("refuses an unknown option, naming the nearest known one", function()
      assert.equal('Column: unknown option "hashkey" (did you mean "hash_key"?)',
        raises("InvalidModel", function() return Column(String, { hashkey = true }) end))
      assert.equal('Column: unknown option "dynamoname" (did you mean "dynamo_name"?)',
        raises("InvalidModel", function() return Column(String, { dynamoname = "x" }) end))
      assert.equal('Column: unknown option "nullable"',
        raises("InvalidModel", function() return Column(String, { nullable = false }) end))
      assert.equal("Column: unknown option 1",
        raises("InvalidModel", function() return Column(String, { true }) end))
    end)

    it("leaves a subclass its own options, but not a near miss of Column's", function()
      local NColumn = Column:extend("NColumn")
      function NColumn:init(typedef, opts)
        NColumn.super.init(self, typedef, opts)
        self.nullable = (opts or {}).nullable ~= false
      end
      assert.is_false(NColumn(String, { nullable = false, hash_key = true }).nullable)
      assert.equal('Column: unknown option "rangekey" (did you mean "range_key"?)',
        raises("InvalidModel", function() return NColumn(String, { rangekey = true }) end))
    end)
  end)

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
