-- Error objects: a name a caller can test, a code where DynamoDB answered, one readable line.
local bloop = require("bloop")

describe("bloop errors", function()
  it("are instances of their class and of BloopError", function()
    local err = bloop.ConstraintViolation:new{ message = "failed" }
    assert.is_true(bloop.is(err, bloop.ConstraintViolation))
    assert.is_true(bloop.is(err, bloop.BloopError))
    assert.is_false(bloop.is(err, bloop.ClientError))
    assert.is_false(bloop.is("text", bloop.ClientError))
  end)

  it("print as one line with name, code, message and where it came from", function()
    local err = bloop.ClientError:new{ code = "ValidationException", message = "bad",
                                       status = 400, request_id = "R1", attempts = 1 }
    assert.equal("ClientError: ValidationException: bad (HTTP 400, request id R1)", tostring(err))
  end)

  it("can be raised with a class and caught with pcall", function()
    local ok, err = pcall(bloop.errors.raise, bloop.MissingObjects, "2 objects missing", { objects = { 1, 2 } })
    assert.is_false(ok)
    assert.equal("MissingObjects", err.name)
    assert.same({ 1, 2 }, err.objects)
  end)
end)
