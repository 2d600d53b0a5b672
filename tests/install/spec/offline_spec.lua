-- Run by tests/install/check.sh with a plain busted against an installed bloop: models,
-- conditions and explain need no server, so this proves the installed modules and
-- bloop.core load and work outside the source tree.
local bloop = require("bloop")

describe("an installed bloop", function()
  it("loads its modules from the install, not the source tree", function()
    local file = package.searchpath("bloop.engine", package.path)
    assert.is_truthy(file:find(os.getenv("BLOOP_INSTALL_LMOD"), 1, true))
  end)
end)

describe("models, conditions and explain", function()
  local Note = bloop.Model:extend("Note", { table_name = "notes" })
  Note.user = bloop.Column(bloop.String, { hash_key = true })
  Note.ts = bloop.Column(bloop.Integer, { range_key = true })
  Note.text = bloop.Column(bloop.String)
  local engine = bloop.Engine({
    endpoint = "http://127.0.0.1:9", region = "us-east-1",
    credentials = { access_key_id = "local", secret_access_key = "local" },
  })

  it("renders a condition", function()
    assert.equal("((Note.ts >= 10) AND (NOT (attribute_not_exists(Note.text))))",
      tostring(Note.ts:ge(10) & ~Note.text:eq(nil)))
  end)

  it("explains a conditional save without sending it", function()
    local req = engine:explain("save", Note{ user = "u1", ts = 1, text = "hi" },
      { condition = Note.text:eq(nil) })[1]
    assert.equal("UpdateItem", req.operation)
    assert.equal("notes", req.request.TableName)
    assert.is_truthy(req.request.ConditionExpression:find("attribute_not_exists", 1, true))
  end)
end)
