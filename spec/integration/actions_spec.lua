-- bloop.actions (#integration): update actions on a real server (both backends); their
-- transactions on moto (#moto_only: dynalite has no TransactWriteItems).
local bloop = require("bloop")
local helpers = require("spec.helpers")
local Column, String, Integer = bloop.Column, bloop.String, bloop.Integer
local A = bloop.actions

local function post_model()
  local Post = bloop.Model:extend("Post", { table_name = helpers.table_name("actions") })
  Post.id = Column(String, { hash_key = true })
  Post.likes = Column(Integer)
  Post.tags = Column(bloop.Set(String))
  Post.log = Column(bloop.List(String))
  Post.title = Column(String)
  Post.note = Column(String)
  Post.stats = Column(bloop.Map{ views = Integer })
  return Post
end

-- The error's message starts with this spec file's name and a line.
local function at_caller(err)
  assert.matches("actions_spec%.lua:%d+: ", tostring(err.message))
end

describe("bloop.actions #integration", function()
  local engine, Post
  before_each(function()
    engine = helpers.engine()
    Post = post_model()
    engine:bind(Post)
  end)

  local function stored(id)
    local p = Post{ id = id }
    engine:load(p, { consistent = true })
    return p
  end

  it("increments a counter from a never-loaded object, syncs the stored result", function()
    local post = Post{ id = "p1" }
    post.likes = A.add(1)
    post.tags = A.add(bloop.set{ "lua" })
    local req = engine:explain("save", post)[1].request
    assert.equal("ADD #n0 :v0, #n1 :v1", req.UpdateExpression)
    engine:save(post, { sync = "new" })
    assert.equal(1, post.likes)
    assert.is_true(post.tags:has("lua"))
    post.likes = A.add(41)
    engine:save(post, { sync = "new" })
    assert.equal(42, post.likes)
    assert.equal(42, stored("p1").likes)
  end)

  it("loses no increment among 50 from several processes at once", function()
    local bin = os.getenv("BLOOP_BIN")
    assert.truthy(bin, "BLOOP_BIN names the bloop program")
    local script = os.tmpname()
    local f = assert(io.open(script, "w"))
    f:write(([[
      local bloop = require("bloop")
      local e = bloop.Engine{ endpoint = %q, region = "us-east-1",
        credentials = { access_key_id = "AKIDLOCAL", secret_access_key = "local" } }
      local Post = bloop.Model:extend("Post", { table_name = %q })
      Post.id = bloop.Column(bloop.String, { hash_key = true })
      Post.likes = bloop.Column(bloop.Integer)
      e:bind(Post, { skip_table_setup = true })
      for _ = 1, 10 do
        local p = Post{ id = "hot" }
        p.likes = bloop.actions.add(1)
        e:save(p)
      end
    ]]):format(helpers.endpoint(helpers.backend()), Post.Meta.table_name))
    f:close()
    local cmd = {}
    for i = 1, 5 do cmd[i] = ("%q %q &"):format(bin, script) end
    assert.is_true(os.execute(table.concat(cmd, " ") .. " wait") and true)
    os.remove(script)
    assert.equal(50, stored("hot").likes)
  end)

  it("adds and deletes set members, appends and prepends list elements", function()
    local post = Post{ id = "p2", tags = bloop.set{ "a", "b" }, log = { "m" } }
    engine:save(post)
    local other = Post{ id = "p2" }          -- never loaded
    other.tags = A.delete(bloop.set{ "a" })
    other.log = A.append{ "z" }
    engine:save(other)
    local again = Post{ id = "p2" }
    again.tags = A.add(bloop.set{ "c" })
    again.log = A.prepend{ "a" }
    engine:save(again)
    local s = stored("p2")
    assert.equal(bloop.set{ "b", "c" }, s.tags)
    assert.same({ "a", "m", "z" }, s.log)
    -- appending to a list no one wrote yet makes it
    local fresh = Post{ id = "p3" }
    fresh.log = A.append{ "first" }
    engine:save(fresh)
    assert.same({ "first" }, stored("p3").log)
  end)

  it("if_not_exists writes only an absent attribute", function()
    local post = Post{ id = "p4" }
    post.title = A.if_not_exists("first")
    engine:save(post, { sync = "new" })
    assert.equal("first", post.title)
    post.title = A.if_not_exists("second")
    engine:save(post, { sync = "new" })
    assert.equal("first", post.title)
    assert.equal("first", stored("p4").title)
  end)

  it("combines with a condition: a failing one leaves the item untouched", function()
    engine:save(Post{ id = "p5", likes = 5, title = "t" })
    local post = Post{ id = "p5" }
    post.likes = A.add(1)
    post.note = "n"
    local err = helpers.raises(engine.save, engine, post, { condition = Post.title:eq("other") })
    assert.is_true(bloop.is(err, bloop.ConstraintViolation))
    local s = stored("p5")
    assert.equal(5, s.likes)
    assert.is_nil(s.note)
    engine:save(post, { condition = Post.title:eq("t") })
    assert.equal(6, stored("p5").likes)
  end)

  it("combines with plain assignments and removals in one UpdateItem", function()
    local post = Post{ id = "p6", title = "old", note = "gone", log = { "x" } }
    engine:save(post)
    post.title = "new"
    post.note = nil
    post.log = A.append{ "y" }
    post.likes = A.add(2)
    post.tags = A.delete(bloop.set{ "q" })
    local req = engine:explain("save", post)[1].request
    assert.equal("SET #n0 = list_append(if_not_exists(#n0, :v0), :v1), #n1 = :v2 "
      .. "REMOVE #n2 ADD #n3 :v3 DELETE #n4 :v4", req.UpdateExpression)
    assert.same({ ["#n0"] = "log", ["#n1"] = "title", ["#n2"] = "note", ["#n3"] = "likes",
      ["#n4"] = "tags" }, req.ExpressionAttributeNames)
    engine:save(post)
    local s = stored("p6")
    assert.equal("new", s.title)
    assert.is_nil(s.note)
    assert.same({ "x", "y" }, s.log)
    assert.equal(2, s.likes)
  end)

  it("without sync, an action column reads nil and the next save leaves it alone", function()
    engine:save(Post{ id = "p7", likes = 10 })
    local post = stored("p7")
    post.likes = A.add(1)
    engine:save(post)
    assert.is_nil(post.likes)                 -- unknown here: never the action object
    -- the object no longer holds the whole item: the next save sends nothing for likes
    post.title = "t"
    local req = engine:explain("save", post)[1].request
    assert.equal("SET #n0 = :v0", req.UpdateExpression)
    assert.same({ ["#n0"] = "title" }, req.ExpressionAttributeNames)
    engine:save(post)
    -- and another engine, which never synced it, does not REMOVE it either
    local other = helpers.engine()
    other:bind(Post)
    post.note = "n"
    other:save(post)
    assert.equal(11, stored("p7").likes)
  end)

  it("with sync = \"old\", the other columns hold what the row held and an action column nil", function()
    engine:save(Post{ id = "p9", likes = 4, title = "was" })
    local post = Post{ id = "p9" }
    post.likes = A.add(1)
    post.title = "now"
    engine:save(post, { sync = "old" })
    assert.equal("was", post.title)
    assert.is_nil(post.likes)
    assert.equal(5, stored("p9").likes)
  end)

  it("refuses a value of the wrong type, a key column, batch_save, at the caller's line", function()
    local post = Post{ id = "p8" }
    post.likes = A.add("many")
    local err = helpers.raises(function() engine:save(post) end)
    assert.is_true(bloop.is(err, bloop.InvalidValue))
    at_caller(err)
    assert.matches('Post.likes', err.message, 1, true)
    assert.matches('"many"', err.message, 1, true)
    err = helpers.raises(function() post.id = A.add(1) end)
    assert.is_true(bloop.is(err, bloop.InvalidRequest))
    at_caller(err)
    assert.matches("Post.id is a key column", err.message, 1, true)
    err = helpers.raises(function() post.title = A.add(1) end)
    assert.matches("Post.title is a String column: bloop.actions.add(1) needs a number or set "
      .. "column", err.message, 1, true)
    err = helpers.raises(function() post.title = A.append{ "x" } end)
    assert.matches("needs a list column", err.message, 1, true)
    err = helpers.raises(function() post.log = A.delete(bloop.set{ "x" }) end)
    assert.matches("needs a set column", err.message, 1, true)
    post.likes = A.add(1)
    err = helpers.raises(function() engine:batch_save(post) end)
    assert.is_true(bloop.is(err, bloop.InvalidRequest))
    at_caller(err)
    assert.matches("Post batch_save: Post.likes holds bloop.actions.add(1)", err.message, 1, true)
    post.likes = nil
    post.stats = { views = A.add(1) }
    err = helpers.raises(function() engine:save(post) end)
    at_caller(err)
    assert.matches("Post.stats holds bloop.actions.add(1) inside its value", err.message, 1, true)
    assert.has_error(function() stored("p8") end)   -- nothing was written
    -- A value that holds itself many times is refused as the value it is, promptly: the
    -- search for an action inside it visits each table once.
    local loop = {}
    for i = 1, 40 do loop["k" .. i] = loop end
    post.stats = { views = 1, loop = loop }
    local t0 = os.clock()
    err = helpers.raises(function() engine:save(post) end)
    assert.is_true(os.clock() - t0 < 1)
    at_caller(err)
    assert.matches('Post.stats got a table with an unknown key "loop"', err.message, 1, true)
    err = helpers.raises(function() engine:batch_save(post) end)
    at_caller(err)
    assert.matches('Post.stats got a table with an unknown key "loop"', err.message, 1, true)
    assert.has_error(function() stored("p8") end)
  end)

  describe("in a write transaction #moto_only", function()
    it("sends an Update with the actions and forgets the values after commit", function()
      engine:save(Post{ id = "t1", likes = 1 })
      local a, b = Post{ id = "t1" }, Post{ id = "t2" }
      a.likes = A.add(2)
      b.log = A.append{ "x" }
      b.title = "made"
      local tx = engine:transaction("w")
      tx:save(a, { condition = Post.likes:eq(1) }):save(b)
      local items = tx:explain().request.TransactItems
      -- the condition renders first: likes = :v0 (1), then ADD likes :v1 (2)
      assert.equal("ADD #n0 :v1", items[1].Update.UpdateExpression)
      assert.equal("(#n0 = :v0)", items[1].Update.ConditionExpression)
      assert.equal("SET #n0 = list_append(if_not_exists(#n0, :v0), :v1), #n1 = :v2",
        items[2].Update.UpdateExpression)
      tx:commit()
      assert.is_nil(a.likes)
      assert.equal(3, stored("t1").likes)
      local s = stored("t2")
      assert.same({ "x" }, s.log)
      assert.equal("made", s.title)
    end)
  end)
end)
