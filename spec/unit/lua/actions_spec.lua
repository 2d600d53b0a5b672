-- bloop.actions without a server: the requests they render (engine:explain; the endpoint
-- is a closed port, nothing is sent) and the refusals that need no request.
local bloop = require("bloop")
local A = bloop.actions

local function setup()
  local engine = bloop.Engine{ endpoint = "http://127.0.0.1:9", region = "us-east-1",
    credentials = { access_key_id = "AKIDLOCAL", secret_access_key = "local" } }
  local Post = bloop.Model:extend("Post")
  Post.id = bloop.Column(bloop.String, { hash_key = true })
  Post.rev = bloop.Column(bloop.Integer, { version = true })
  Post.likes = bloop.Column(bloop.Integer)
  Post.score = bloop.Column(bloop.Number)
  Post.tags = bloop.Column(bloop.Set(bloop.String))
  Post.nums = bloop.Column(bloop.Set(bloop.Integer))
  Post.log = bloop.Column(bloop.List(bloop.String))
  Post.title = bloop.Column(bloop.String)
  return engine, Post
end

describe("bloop.actions", function()
  it("make values that say what they are", function()
    assert.equal("bloop.actions.add(1)", tostring(A.add(1)))
    assert.equal('bloop.actions.if_not_exists("x")', tostring(A.if_not_exists("x")))
    assert.is_true(A.is_action(A.append{ "x" }))
    assert.is_false(A.is_action({ kind = "add", value = 1 }))
    assert.has_error(function() A.add() end)
  end)

  it("render every kind with the columns' other changes and the version", function()
    local engine, Post = setup()
    local p = Post{ id = "p" }
    p.likes = A.add(-3)
    p.score = A.if_not_exists(bloop.decimal("1.5"))
    p.tags = A.add(bloop.set{ "a" })
    p.nums = A.delete(bloop.set{ 1, 2 })
    p.log = A.prepend{ "x" }
    p.title = "t"
    local r = engine:explain("save", p, { condition = Post.title:ne("z") })[1].request
    assert.equal("((#n0 <> :v0) AND (attribute_not_exists(#n1)))", r.ConditionExpression)
    assert.equal("SET #n1 = :v1, #n2 = if_not_exists(#n2, :v2), "
      .. "#n3 = list_append(:v3, if_not_exists(#n3, :v4)), #n0 = :v5 "
      .. "ADD #n4 :v6, #n5 :v7 DELETE #n6 :v8", r.UpdateExpression)
    assert.same({ ["#n0"] = "title", ["#n1"] = "rev", ["#n2"] = "score", ["#n3"] = "log",
      ["#n4"] = "likes", ["#n5"] = "tags", ["#n6"] = "nums" }, r.ExpressionAttributeNames)
    local v = r.ExpressionAttributeValues
    assert.same({ N = "-3" }, v[":v6"])
    assert.same({ N = "1.5" }, v[":v2"])
    assert.same({ L = {} }, v[":v4"])
    assert.same({ L = { { S = "x" } } }, v[":v3"])
    -- explain sends nothing and leaves the object as it was
    assert.equal("bloop.actions.add(-3)", tostring(p.likes))
  end)

  it("are refused on a column whose type cannot take them", function()
    local _, Post = setup()
    local p = Post{ id = "p" }
    local function refused(fn, text)
      local ok, err = pcall(fn)
      assert.is_false(ok)
      assert.is_true(bloop.is(err, bloop.InvalidRequest))
      assert.matches("actions_spec%.lua:%d+: ", err.message)
      assert.matches(text, err.message, 1, true)
    end
    refused(function() p.rev = A.add(1) end, "Post.rev is a version column")
    refused(function() p.id = A.if_not_exists("x") end, "Post.id is a key column")
    refused(function() p.title = A.add(1) end, "Post.title is a String column")
    refused(function() p.likes = A.append{ 1 } end, "needs a list column")
    refused(function() p.likes = A.delete(1) end, "needs a set column")
    refused(function() Post{ id = "q", log = A.add(1) } end, "Post.log is a List(String) column")
  end)

  it("dump their value through the column's type before anything is sent", function()
    local engine, Post = setup()
    local p = Post{ id = "p" }
    p.tags = A.add(bloop.set{ 1 })
    local ok, err = pcall(function() engine:explain("save", p) end)
    assert.is_false(ok)
    assert.is_true(bloop.is(err, bloop.InvalidValue))
    assert.matches("actions_spec%.lua:%d+: Post save: bloop.actions.add%(.-%) on Post.tags: ", err.message)
  end)

  it("are not a delete's business: it sends the key and keeps them", function()
    local engine, Post = setup()
    local p = Post{ id = "p" }
    p.likes = A.add(1)
    local r = engine:explain("delete", p)[1].request
    assert.same({ id = { S = "p" } }, r.Key)
    assert.is_nil(r.UpdateExpression)
    assert.is_true(A.is_action(p.likes))
  end)
end)
