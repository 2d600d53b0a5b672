-- Engine operations against the local server (#integration). BLOOP_SPEC_BACKEND picks
-- dynalite or moto; cases one server cannot judge are tagged #dynalite_only / #moto_only
-- with the reason beside them (see shared/design/servers.md).
local bloop = require("bloop")
local helpers = require("spec.helpers")
local Column, UUID, Integer, String = bloop.Column, bloop.UUID, bloop.Integer, bloop.String

local function raises(fn, ...)
  local ok, err = pcall(fn, ...)
  assert(not ok, "expected an error")
  return err
end

local function names(list)
  local out = {}
  for i, c in ipairs(list) do out[i] = c.name or tostring(c) end
  return out
end

describe("bloop.Engine #integration", function()
  local engine, raw

  -- A User model on a fresh table: hash id, plus columns of several types.
  local function user_model(extra_meta)
    local meta = { table_name = helpers.table_name("users") }
    for k, v in pairs(extra_meta or {}) do meta[k] = v end
    local User = bloop.Model:extend("User", meta)
    User.id = Column(String, { hash_key = true })
    User.email = Column(String)
    User.age = Column(Integer)
    User.tags = Column(bloop.Set(String))
    User.data = Column(bloop.DynamicMap)
    User.verified = Column(bloop.Boolean)
    return User
  end

  -- Posts: hash + range, a GSI and an LSI.
  local function post_model()
    local Post = bloop.Model:extend("Post", { table_name = helpers.table_name("posts") })
    Post.forum = Column(String, { hash_key = true })
    Post.n = Column(Integer, { range_key = true })
    Post.author = Column(String)
    Post.title = Column(String)
    Post.score = Column(Integer)
    Post.by_author = bloop.GlobalSecondaryIndex{ projection = { "title" }, hash_key = "author", range_key = "n" }
    Post.by_score = bloop.LocalSecondaryIndex{ projection = "keys", range_key = "score" }
    return Post
  end

  before_each(function()
    engine = helpers.engine()
    raw = helpers.client()
  end)

  describe("item size", function()
    it("refuses an item over 400 KB before sending, naming its key", function()
      local User = user_model()
      engine:bind(User)
      local calls = helpers.recording(engine)
      local u = User{ id = "big-one", email = string.rep("x", 410 * 1024) }
      local err = raises(engine.save, engine, u)
      assert.equal("ItemTooLarge", err.code)
      assert.truthy(err.message:find("User save", 1, true), err.message)
      assert.truthy(err.message:find("big-one", 1, true), err.message)
      assert.equal(0, #calls)
    end)
  end)

  describe("construction", function()
    it("takes clients, or endpoint/region/credentials", function()
      local e = bloop.Engine{ endpoint = helpers.endpoint(helpers.backend()), region = "us-east-1",
        credentials = helpers.credentials }
      assert.is_not_nil(e.session.dynamodb_client)
      assert.is_not_nil(e.session.dynamodbstreams_client)
      local User = user_model()
      e:bind(User)
    end)

    it("refuses unknown options and bad templates", function()
      helpers.misuse(function() bloop.Engine{ dynamodb = raw, dynamo = 1 } end,
        'bloop.Engine: unknown option "dynamo"')
      helpers.misuse(function() bloop.Engine{ dynamodb = raw, table_name_template = "x" } end,
        "bloop.Engine: table_name_template must contain {table_name}")
    end)

    it("formats table names with table_name_template", function()
      local prefix = helpers.table_name("tpl")
      local e = bloop.Engine{ dynamodb = raw, table_name_template = prefix .. "-{table_name}" }
      local User = user_model()
      e:bind(User)
      local d = raw:describe_table{ TableName = prefix .. "-" .. User.Meta.table_name }
      assert.equal("ACTIVE", d.Table.TableStatus)
    end)
  end)

  describe("bind", function()
    it("creates the table with keys, GSIs and LSIs with projections", function()
      local Post = post_model()
      engine:bind(Post)
      local t = raw:describe_table{ TableName = Post.Meta.table_name }.Table
      assert.equal("ACTIVE", t.TableStatus)
      assert.equal("forum", t.KeySchema[1].AttributeName)
      assert.equal("by_author", t.GlobalSecondaryIndexes[1].IndexName)
      assert.equal("INCLUDE", t.GlobalSecondaryIndexes[1].Projection.ProjectionType)
      assert.same({ "title" }, t.GlobalSecondaryIndexes[1].Projection.NonKeyAttributes)
      assert.equal("by_score", t.LocalSecondaryIndexes[1].IndexName)
      assert.equal("KEYS_ONLY", t.LocalSecondaryIndexes[1].Projection.ProjectionType)
    end)

    it("creates on-demand tables", function()
      local User = user_model{ billing = { mode = "on_demand" } }
      engine:bind(User)
      local t = raw:describe_table{ TableName = User.Meta.table_name }.Table
      assert.equal("PAY_PER_REQUEST", t.BillingModeSummary.BillingMode)
    end)

    it("binds once per model and engine; skip_table_setup sends nothing", function()
      local User = user_model()
      local calls = helpers.recording(engine)
      engine:bind(User)
      local n = #calls
      assert.is_true(n >= 2)
      engine:bind(User)
      assert.equal(n, #calls)
      local other = helpers.engine()
      local calls2 = helpers.recording(other)
      other:bind(User, { skip_table_setup = true })
      assert.equal(0, #calls2)
    end)

    it("validates an existing table instead of recreating it", function()
      local User = user_model()
      engine:bind(User)
      local again = helpers.engine()
      local calls = helpers.recording(again)
      again:bind(User)
      assert.equal("create_table", calls[1].op)   -- answered ResourceInUseException
      assert.equal("describe_table", calls[2].op)
    end)

    it("raises TableMismatch listing every difference", function()
      local name = helpers.table_name("mismatch")
      helpers.create_table(raw, name, { range = true })   -- pk S + sk N
      local M = bloop.Model:extend("Mismatch", { table_name = name })
      M.id = Column(String, { hash_key = true })
      M.level = Column(Integer)
      M.by_level = bloop.GlobalSecondaryIndex{ projection = "all", hash_key = "level" }
      local err = raises(engine.bind, engine, M)
      assert.equal("TableMismatch", err.name)
      assert.is_true(bloop.is(err, bloop.TableMismatch))
      assert.equal(M, err.model)
      assert.equal("bind", err.operation)
      assert.equal(3, #err.differences)
      assert.matches(('Mismatch bind: table "%s" does not match the model (3 differences)'):format(name),
        err.message, 1, true)
      assert.matches('model says hash key "id", table has "pk"', err.message, 1, true)
      assert.matches('model says range key none, table has "sk"', err.message, 1, true)
      assert.matches('index "by_level": model says GSI "by_level", table has no such index', err.message, 1, true)
    end)

    it("names the columns an index does not project (shared tables)", function()
      local name = helpers.table_name("shared")
      local Employee = bloop.Model:extend("Employee", { table_name = name })
      Employee.id = Column(UUID, { hash_key = true })
      Employee.level = Column(Integer)
      Employee.email = Column(String)
      Employee.by_level = bloop.GlobalSecondaryIndex{ projection = { "email" }, hash_key = "level" }
      local Manager = bloop.Model:extend("Manager", { table_name = name })
      Manager.id = Column(UUID, { hash_key = true })
      Manager.level = Column(Integer)
      Manager.directs = Column(bloop.Set(UUID))
      Manager.by_level = bloop.GlobalSecondaryIndex{ projection = { "directs" }, hash_key = "level" }
      engine:bind(Employee)
      local err = raises(engine.bind, engine, Manager)
      assert.equal("TableMismatch", err.name)
      assert.matches('index "by_level": model projects "directs", table has INCLUDE projection without it',
        err.message, 1, true)
    end)

    it("refuses abstract models", function()
      local Base = bloop.Model:extend("Base", { abstract = true })
      local err = raises(engine.bind, engine, Base)
      assert.equal("InvalidModel", err.name)
      assert.matches("Base bind: the model is abstract", err.message, 1, true)
    end)

    it("sends before_create_table, model_validated and model_bound in order", function()
      local User = user_model()
      local seen = {}
      local fns = {}
      for _, s in ipairs{ "before_create_table", "model_validated", "model_bound" } do
        fns[s] = bloop.signals[s]:connect(function(a)
          assert.equal(engine, a.engine)
          assert.equal(User, a.model)
          seen[#seen + 1] = s
        end)
      end
      engine:bind(User)
      for s, f in pairs(fns) do bloop.signals[s]:disconnect(f) end
      assert.same({ "before_create_table", "model_validated", "model_bound" }, seen)
    end)

    -- dynalite has no UpdateTimeToLive / continuous backups: only the patch binds these
    it("binds TTL and backups through patch_engine #dynalite_only", function()
      local User = user_model{ ttl = { column = "age" }, backups = { enabled = true } }
      local err = raises(engine.bind, engine, User)
      assert.equal("UnknownOperationException", err.code)
      assert.matches("^User bind: ", err.message)
      -- the table now exists without TTL: a validate-only view reports both differences
      local patched = helpers.engine()
      local c0 = require("bloop.patterns.local").patch_engine(patched)
      local _, handle = nil, nil
      local ok, mismatch = pcall(patched.native.bind, patched.native, User.Meta._cmodel, { validate_only = true })
      assert.is_false(ok)
      assert.equal("TableMismatch", mismatch.name)
      assert.equal(2, #mismatch.differences)
      -- bind turns them on (through the patch's stubbed updates)
      patched:bind(User)
      assert.is_true(c0.mock_ttl[User.Meta.table_name])
      -- a fresh table binds through the patch's update stubs
      User = user_model{ ttl = { column = "age" }, backups = { enabled = true } }
      patched = helpers.engine()
      local client = require("bloop.patterns.local").patch_engine(patched)
      patched:bind(User)
      assert.is_true(client.mock_ttl[User.Meta.table_name])
      assert.is_true(client.mock_backups[User.Meta.table_name])
    end)

    -- moto implements TTL and continuous backups
    it("enables TTL and backups on create #moto_only", function()
      local User = user_model{ ttl = { column = "age" }, backups = { enabled = true } }
      engine:bind(User)
      local ttl = raw:describe_time_to_live{ TableName = User.Meta.table_name }
      assert.equal("ENABLED", ttl.TimeToLiveDescription.TimeToLiveStatus)
      assert.equal("age", ttl.TimeToLiveDescription.AttributeName)
    end)

    -- dynalite ignores StreamSpecification; moto keeps it
    it("creates and verifies streams #moto_only", function()
      local User = user_model{ stream = { include = { "new", "old" } } }
      engine:bind(User)
      local t = raw:describe_table{ TableName = User.Meta.table_name }.Table
      assert.equal("NEW_AND_OLD_IMAGES", t.StreamSpecification.StreamViewType)
      local Other = bloop.Model:extend("Other", { table_name = User.Meta.table_name,
        stream = { include = { "keys" } } })
      Other.id = Column(String, { hash_key = true })
      local err = raises(helpers.engine().bind, helpers.engine(), Other)
      assert.matches("stream: model says KEYS_ONLY, table has NEW_AND_OLD_IMAGES", err.message, 1, true)
    end)
  end)

  describe("save and load", function()
    local User
    before_each(function()
      User = user_model()
      engine:bind(User)
    end)

    it("round-trips every column through the types", function()
      local u = User{ id = "u1", email = "a@x", age = 30, tags = { "a", "b" }, data = { n = { 1, 2 } },
        verified = true }
      engine:save(u)
      local back = User{ id = "u1" }
      engine:load(back)
      assert.equal("a@x", back.email)
      assert.equal(30, back.age)
      assert.is_true(back.tags:has("b"))
      assert.equal(2, #back.tags)
      assert.is_true(back.verified)
    end)

    it("sends only what changed since the last sync, nested changes included", function()
      local u = User{ id = "u2", email = "a@x", age = 1, data = { list = { 1 } } }
      engine:save(u)
      local sent = engine:explain("save", u)[1].request
      assert.is_nil(sent.UpdateExpression)
      u.data.list[2] = 2
      sent = engine:explain("save", u)[1].request
      assert.equal("SET #n0 = :v0", sent.UpdateExpression)
      assert.same({ ["#n0"] = "data" }, sent.ExpressionAttributeNames)
    end)

    it("keeps a concurrent change to another column", function()
      local u = User{ id = "u3", email = "a@x", age = 1 }
      engine:save(u)
      local other = User{ id = "u3" }
      engine:load(other)
      other.age = 2
      engine:save(other)
      u.email = "b@x"
      engine:save(u)
      local back = User{ id = "u3" }
      engine:load(back)
      assert.equal(2, back.age)
      assert.equal("b@x", back.email)
    end)

    it("removes columns set to nil", function()
      local u = User{ id = "u4", email = "a@x", age = 1 }
      engine:save(u)
      u.email = nil
      local req = engine:explain("save", u)[1].request
      assert.equal("REMOVE #n0", req.UpdateExpression)
      engine:save(u)
      local back = User{ id = "u4" }
      engine:load(back)
      assert.is_nil(back.email)
      assert.equal(1, back.age)
    end)

    it("removes a column set to nil on an object this engine never synced", function()
      engine:save(User{ id = "u5", email = "a@x", age = 1 })
      local u = User{ id = "u5" }
      u.email = nil
      engine:save(u)
      local back = User{ id = "u5" }
      engine:load(back)
      assert.is_nil(back.email)
      assert.equal(1, back.age)
    end)

    it("tracks changes per engine", function()
      local u = User{ id = "u6", email = "a@x" }
      engine:save(u)
      local e2 = helpers.engine()
      -- e2 never synced u: it sends every column u holds
      local req = e2:explain("save", u)[1].request
      assert.equal("SET #n0 = :v0", req.UpdateExpression)
      assert.is_nil(engine:explain("save", u)[1].request.UpdateExpression)
    end)

    it("saves an object loaded whole through an engine that never synced it: what it lacks is removed", function()
      engine:save(User{ id = "u7", email = "a@x", age = 1 })
      local u = User{ id = "u7" }
      engine:load(u)                                  -- the whole item: id, email, age
      engine:save(User{ id = "u7", verified = true }) -- the row gains a column meanwhile
      local e2 = helpers.engine()
      e2:bind(User)
      -- e2 writes the item u holds: its columns SET, every other one REMOVEd
      local req = e2:explain("save", u)[1].request
      assert.equal("SET #n0 = :v0, #n1 = :v1 REMOVE #n2, #n3, #n4", req.UpdateExpression)
      assert.same({ ["#n0"] = "email", ["#n1"] = "age", ["#n2"] = "tags", ["#n3"] = "data",
        ["#n4"] = "verified" }, req.ExpressionAttributeNames)
      e2:save(u)
      local back = User{ id = "u7" }
      engine:load(back)
      assert.same({ "a@x", 1 }, { back.email, back.age })
      assert.is_nil(back.verified)
      -- once e2 synced it, e2 sends only what changed, as the engine that loaded it does
      assert.is_nil(e2:explain("save", u)[1].request.UpdateExpression)
      assert.is_nil(engine:explain("save", back)[1].request.UpdateExpression)
    end)

    it("saves several objects in one call", function()
      engine:save(User{ id = "m1", age = 1 }, User{ id = "m2", age = 2 }, { sync = "new" })
      local a, b = User{ id = "m1" }, User{ id = "m2" }
      engine:load(a, b)
      assert.equal(1, a.age)
      assert.equal(2, b.age)
    end)

    it("raises ConstraintViolation carrying the object when the condition fails", function()
      local u = User{ id = "c1", age = 5 }
      engine:save(u)
      u.email = "changed"   -- not key-only: moto answers a key-only UpdateItem with HTTP 500
      local err = raises(engine.save, engine, u, { condition = User.age:eq(6) })
      assert.equal("ConstraintViolation", err.name)
      assert.equal("ConditionalCheckFailedException", err.code)
      assert.equal(u, err.obj)
      assert.equal(User, err.model)
      assert.equal("save", err.operation)
      assert.matches("^User save: ", err.message)
      engine:save(u, { condition = User.age:eq(5) })
    end)

    it("atomic: fails when the row changed since it was loaded", function()
      local u = User{ id = "a1", email = "a@x", age = 1 }
      engine:save(u, { atomic = true })     -- new row: the item must not exist
      assert.equal("ConstraintViolation", raises(engine.save, engine, User{ id = "a1" }, { atomic = true }).name)
      local other = User{ id = "a1" }
      engine:load(other)
      other.age = 2
      engine:save(other, { atomic = true })
      u.email = "b@x"
      local err = raises(engine.save, engine, u, { atomic = true })
      assert.equal("ConstraintViolation", err.name)
      assert.equal(u, err.obj)
    end)

    -- dynalite compares maps and lists by reference (always unequal): moto judges them
    it("atomic with a map column #moto_only", function()
      local u = User{ id = "a2", data = { x = { 1, 2 } } }
      engine:save(u)
      u.age = 3
      engine:save(u, { atomic = true })
    end)

    it("sync = 'new' and 'old' update the object", function()
      local u = User{ id = "s1", age = 1, email = "a@x" }
      engine:save(u)
      local other = User{ id = "s1" }
      engine:load(other)
      other.email = "b@x"
      engine:save(other)
      u.age = 2
      engine:save(u, { sync = "new" })
      assert.equal("b@x", u.email)
      u.age = 3
      engine:save(u, { sync = "old" })
      assert.equal(2, u.age)
      helpers.misuse(function() engine:save(u, { sync = true }) end)
    end)

    it("refuses unknown options and objects without keys", function()
      helpers.misuse(function() engine:save(User{ id = "x" }, { conditon = 1 }) end,
        'engine:save: unknown option "conditon"')
      local err = raises(engine.save, engine, User{ email = "x" })
      assert.equal("InvalidRequest", err.name)
      assert.matches("User save: key column User.id has no value", err.message, 1, true)
    end)

    -- moto answers a key-only UpdateItem (no UpdateExpression) with HTTP 500
    it("always sends the save, so a condition is checked even with nothing changed #dynalite_only", function()
      local u = User{ id = "k1" }
      engine:save(u)
      local err = raises(engine.save, engine, u, { condition = User.age:eq(1) })
      assert.equal("ConstraintViolation", err.name)
    end)

    it("raises MissingObjects listing every missing object; found ones are loaded", function()
      engine:save(User{ id = "here", age = 1 })
      local here, gone1, gone2 = User{ id = "here" }, User{ id = "gone1" }, User{ id = "gone2" }
      local err = raises(engine.load, engine, here, gone1, gone2, { consistent = true })
      assert.equal("MissingObjects", err.name)
      assert.equal(2, #err.objects)
      assert.equal(gone1, err.objects[1])
      assert.equal(gone2, err.objects[2])
      assert.equal(1, here.age)
      assert.matches("User load: 2 object(s) not found", err.message, 1, true)
    end)

    it("loads more than 100 objects (BatchGetItem chunks)", function()
      local objs, keys = {}, {}
      for i = 1, 130 do objs[i] = User{ id = "bulk" .. i, age = i } end
      assert.same({}, engine:batch_save(table.unpack(objs)))
      for i = 1, 130 do keys[i] = User{ id = "bulk" .. i } end
      assert.equal(2, engine:explain("load", table.unpack(keys))[1].chunks)
      engine:load(table.unpack(keys))
      for i = 1, 130 do assert.equal(i, keys[i].age) end
    end)

    it("loads the same key twice into both objects", function()
      engine:save(User{ id = "twice", age = 9 })
      local a, b = User{ id = "twice" }, User{ id = "twice" }
      engine:load(a, b)
      assert.equal(9, a.age)
      assert.equal(9, b.age)
    end)

    it("does not run the user's set hook when loading", function()
      local Strict = bloop.Column:extend("Strict")
      function Strict:set() error("set hook ran") end
      local M = bloop.Model:extend("Hooked", { table_name = User.Meta.table_name })
      M.id = Column(String, { hash_key = true })
      M.age = Strict(Integer)
      engine:save(User{ id = "hook", age = 3 })
      local m = M{ id = "hook" }
      engine:load(m)
      assert.equal(3, m.age)
    end)

    it("sends object_saved, object_loaded and object_deleted", function()
      local seen = {}
      local fns = {}
      for _, s in ipairs{ "object_saved", "object_loaded", "object_deleted" } do
        fns[s] = bloop.signals[s]:connect(function(a) seen[#seen + 1] = s .. ":" .. a.obj.id end)
      end
      local u = User{ id = "sig", age = 1 }
      local ok, err = pcall(function()
        engine:save(u, { condition = User.id:is_(nil) })
        engine:load(u)
        engine:delete(u)
      end)
      for s, f in pairs(fns) do bloop.signals[s]:disconnect(f) end
      assert(ok, err)
      assert.same({ "object_saved:sig", "object_loaded:sig", "object_deleted:sig" }, seen)
    end)
  end)

  describe("delete", function()
    local User
    before_each(function()
      User = user_model()
      engine:bind(User)
    end)

    it("deletes with condition, atomic and sync = 'old'", function()
      local u = User{ id = "d1", age = 1 }
      engine:save(u)
      local err = raises(engine.delete, engine, u, { condition = User.age:eq(2) })
      assert.equal("ConstraintViolation", err.name)
      assert.equal(u, err.obj)
      assert.equal("delete", err.operation)
      local other = User{ id = "d1" }
      engine:load(other)
      other.age = 5
      engine:save(other)
      assert.equal("ConstraintViolation", raises(engine.delete, engine, u, { atomic = true }).name)
      local fresh = User{ id = "d1" }
      engine:delete(fresh, { sync = "old" })
      assert.equal(5, fresh.age)
      assert.equal("MissingObjects", raises(engine.load, engine, User{ id = "d1" }).name)
      helpers.misuse(function() engine:delete(u, { sync = "new" }) end)
    end)
  end)

  describe("version column", function()
    it("gives optimistic locking on save and delete", function()
      local Doc = bloop.Model:extend("Doc", { table_name = helpers.table_name("docs") })
      Doc.id = Column(String, { hash_key = true })
      Doc.body = Column(String)
      Doc.rev = Column(Integer, { version = true })
      engine:bind(Doc)
      local d = Doc{ id = "v", body = "one" }
      engine:save(d)
      assert.equal(1, d.rev)
      local other = Doc{ id = "v" }
      engine:load(other)
      other.body = "two"
      engine:save(other)
      assert.equal(2, other.rev)
      d.body = "stale"
      local err = raises(engine.save, engine, d)
      assert.equal("ConstraintViolation", err.name)
      assert.equal("ConstraintViolation", raises(engine.delete, engine, d).name)
      engine:delete(other)
    end)
  end)

  describe("batch_save and batch_delete", function()
    it("write in chunks of 25 and return no leftovers", function()
      local User = user_model()
      engine:bind(User)
      local objs = {}
      for i = 1, 60 do objs[i] = User{ id = "b" .. i, age = i } end
      assert.equal(3, engine:explain("batch_save", table.unpack(objs))[1].chunks)
      assert.same({}, engine:batch_save(table.unpack(objs)))
      assert.equal(60, engine:scan(User, { projection = "count" }).count)
      assert.same({}, engine:batch_delete(table.unpack(objs)))
      assert.equal(0, engine:scan(User, { projection = "count" }).count)
    end)

    -- DynamoDB refuses a whole BatchWriteItem that names one item twice; bloop refuses it
    -- before sending anything, naming both objects.
    it("refuse two objects with one key, sending nothing", function()
      local User = user_model()
      engine:bind(User)
      for _, op in ipairs{ "batch_save", "batch_delete" } do
        local err = raises(engine[op], engine, User{ id = "d1" }, User{ id = "d2" }, User{ id = "d1", age = 2 })
        assert.equal("InvalidRequest", err.name)
        assert.equal(('User %s: objects 1 and 3 (counting from 1) have the same key {"id":{"S":"d1"}}: '
          .. "DynamoDB refuses a batch that names one item twice"):format(op), err.message)
      end
      assert.equal(0, engine:scan(User, { projection = "count" }).count)
    end)
  end)

  describe("query and scan", function()
    local Post
    setup(function()
      engine = helpers.engine()
      Post = post_model()
      engine:bind(Post)
      local objs = {}
      for i = 1, 12 do
        objs[i] = Post{ forum = i <= 10 and "f" or "g", n = i, author = i % 2 == 0 and "even" or "odd",
          title = "t" .. i, score = 100 - i }
      end
      engine:batch_save(table.unpack(objs))
    end)

    it("queries by key with range conditions, forward and limit", function()
      local q = engine:query(Post, { key = Post.forum:eq("f") & Post.n:gt(5) })
      local all = q:all()
      assert.equal(5, #all)
      assert.equal(6, all[1].n)
      assert.equal(5, q.count)
      assert.is_true(q.exhausted)
      local back = engine:query(Post, { key = Post.forum:eq("f"), forward = false, limit = 3 }):all()
      assert.same({ 10, 9, 8 }, { back[1].n, back[2].n, back[3].n })
    end)

    it("filters, and projects columns", function()
      local q = engine:query(Post, { key = Post.forum:eq("f"), filter = Post.author:eq("odd"),
        projection = { "title" }, consistent = true })
      local all = q:all()
      assert.equal(5, #all)
      assert.equal(10, q.scanned)
      assert.is_nil(all[1].author)
      assert.equal("t1", all[1].title)
    end)

    it("remembers what a query loaded: a save sends only changes, atomic pins what was read",
      function()
      local p = engine:query(Post, { key = Post.forum:eq("g") & Post.n:eq(12) }):one()
      local req = engine:explain("save", p)[1].request
      assert.is_nil(req.UpdateExpression)          -- nothing changed since the query
      p.title = "t12 edited"
      req = engine:explain("save", p, { atomic = true })[1].request
      assert.matches("^SET #n%d+ = :v%d+$", req.UpdateExpression)
      assert.matches("#n%d+ = :v%d+", req.ConditionExpression)   -- the title read, pinned
      engine:save(p, { atomic = true })
      local again = Post{ forum = "g", n = 12 }
      engine:load(again)
      assert.equal("t12 edited", again.title)
      assert.equal(88, again.score)
      p.title = "other writer"                      -- p's snapshot is now "t12 edited"
      local stale = engine:query(Post, { key = Post.forum:eq("g") & Post.n:eq(12) }):one()
      engine:save(p)
      stale.score = 1
      assert.equal("ConstraintViolation", raises(engine.save, engine, stale, { atomic = true }).name)
    end)

    it("a projected query's object saves without removing what it did not load", function()
      local p = engine:query(Post, { key = Post.forum:eq("g") & Post.n:eq(11),
        projection = { "forum", "n", "title" } }):one()
      assert.is_nil(p.score)
      p.title = "t11 edited"
      local req = engine:explain("save", p)[1].request
      assert.is_nil(req.UpdateExpression:find("REMOVE", 1, true))
      -- nor through an engine that never synced it: a projection is not the whole item
      req = helpers.engine():explain("save", p)[1].request
      assert.is_nil(req.UpdateExpression:find("REMOVE", 1, true))
      engine:save(p)
      local again = Post{ forum = "g", n = 11 }
      engine:load(again)
      assert.equal("t11 edited", again.title)
      assert.equal(89, again.score)
    end)

    it("queries a GSI and an LSI; projection 'all' loads what the index holds", function()
      local rows = engine:query(Post.by_author, { key = Post.author:eq("even") }):all()
      assert.equal(6, #rows)
      assert.is_not_nil(rows[1].title)
      assert.is_nil(rows[1].score)
      local lsi = engine:query(Post.by_score, { key = Post.forum:eq("f") & Post.score:ge(95) }):all()
      assert.equal(5, #lsi)       -- scores 99..95 (n = 1..5)
      assert.equal(95, lsi[1].score)
    end)

    it("refuses a column the index does not project", function()
      local err = raises(engine.query, engine, Post.by_author, { key = Post.author:eq("even"),
        projection = { "score" } })
      assert.equal("InvalidSearch", err.name)
      assert.matches('Post query: index "by_author" does not project "score"', err.message, 1, true)
    end)

    it("refuses a bad key condition", function()
      local err = raises(engine.query, engine, Post, { key = Post.author:eq("x") })
      assert.is_true(err.name == "InvalidSearch" or err.name == "InvalidCondition")
      assert.matches("^Post query: ", err.message)
      assert.equal("InvalidSearch", raises(engine.query, engine, Post, {}).name)
    end)

    it("counts with projection 'count'", function()
      local q = engine:query(Post, { key = Post.forum:eq("f"), projection = "count" })
      assert.equal(10, q.count)
      assert.is_true(q.exhausted)
    end)

    it("projects keys", function()
      local one = engine:query(Post, { key = Post.forum:eq("g") & Post.n:eq(11), projection = "keys" }):one()
      assert.equal(11, one.n)
      assert.is_nil(one.title)
    end)

    it("first, one, reset and iter", function()
      local q = engine:query(Post, { key = Post.forum:eq("g") })
      assert.equal(11, q:first().n)
      local err = raises(q.one, q)
      assert.equal("ConstraintViolation", err.name)
      assert.matches("more than one", err.message, 1, true)
      local none = engine:query(Post, { key = Post.forum:eq("nobody") })
      assert.equal("ConstraintViolation", raises(none.one, none).name)
      assert.equal("ConstraintViolation", raises(none.first, none).name)
      local n = 0
      for p in q:reset():iter() do n = n + 1; assert.equal("g", p.forum) end
      assert.equal(2, n)
    end)

    it("scans, pages lazily, and scans in parallel segments", function()
      local s = engine:scan(Post, { filter = Post.score:lt(95) })
      assert.equal(7, #s:all())
      assert.equal(12, s.scanned)
      local seen = 0
      for seg = 0, 2 do
        seen = seen + #engine:scan(Post, { parallel = { seg, 3 } }):all()
      end
      assert.equal(12, seen)
      local req = engine:explain("scan", Post, { parallel = { 1, 3 } })[1].request
      assert.equal(1, req.Segment)
      assert.equal(3, req.TotalSegments)
      assert.equal("InvalidSearch", raises(engine.scan, engine, Post, { parallel = { 3, 3 } }).name)
      local limited = engine:scan(Post, { limit = 4 })
      assert.equal(4, #limited:all())
    end)
  end)

  describe("explain", function()
    it("returns the exact request without sending it", function()
      local User = user_model()
      local calls = helpers.recording(engine)
      local u = User{ id = "e1", email = "a@x" }
      local out = engine:explain("save", u, { condition = User.age:gt(1) })
      assert.equal(0, #calls)
      local r = out[1]
      assert.equal("UpdateItem", r.operation)
      assert.equal(User.Meta.table_name, r.request.TableName)
      assert.same({ id = { S = "e1" } }, r.request.Key)
      -- the condition renders first, so it takes the first placeholders
      assert.equal("(#n0 > :v0)", r.request.ConditionExpression)
      assert.equal("SET #n1 = :v1", r.request.UpdateExpression)
      assert.same({ ["#n0"] = "age", ["#n1"] = "email" }, r.request.ExpressionAttributeNames)
      assert.equal(12, r.item_size)    -- "id"+"e1" (4) + "email"+"a@x" (8)
      assert.equal("CreateTable", engine:explain("bind", User)[1].operation)
      assert.equal("DeleteItem", engine:explain("delete", u)[1].operation)
      helpers.misuse(function() engine:explain("frob") end)
    end)
  end)

  describe("session", function()
    it("routes calls through a replaced dynamodb_client (wrap_client)", function()
      local User = user_model()
      local seen = {}
      local real = engine.session.dynamodb_client
      engine.session.dynamodb_client = bloop.wrap_client(real, {
        update_item = function(_, req) seen[#seen + 1] = req.TableName; return real:update_item(req) end,
      })
      engine:bind(User)
      engine:save(User{ id = "w", age = 1 })
      assert.same({ User.Meta.table_name }, seen)
    end)

    -- The engine finds the session's clients again on every call (src/lua/lengine.c keeps
    -- what it found while they are the same objects): a client swapped in between two calls,
    -- or swapped back, takes the very next call.
    it("follows the session's client from one call to the next", function()
      local User = user_model()
      engine:bind(User)
      local real = engine.session.dynamodb_client
      local seen = 0
      local wrapped = bloop.wrap_client(real, {
        get_item = function(_, req) seen = seen + 1; return real:get_item(req) end,
      })
      engine:save(User{ id = "sw", age = 1 })
      local function load() engine:load(User{ id = "sw" }) end
      load()
      assert.equal(0, seen)
      engine.session.dynamodb_client = wrapped
      load()
      assert.equal(1, seen)
      engine.session.dynamodb_client = real
      load()
      assert.equal(1, seen)
      engine.session.dynamodb_client = wrapped
      load()
      load()
      assert.equal(3, seen)
      engine.session.dynamodb_client = real
    end)

    -- Columns whose class reads or stores on its own go through its methods, not the C
    -- fast path that reads and writes the object's column data directly.
    it("saves, loads and queries through a Column class's own get and store", function()
      local Upper = Column:extend("Upper")
      local stored = {}
      function Upper:get(obj)           -- what is saved: upper-cased
        local v = Column.get(self, obj)
        return v and v:upper()
      end
      function Upper:store(obj, value)  -- what is loaded: seen, then kept
        stored[#stored + 1] = value
        Column.store(self, obj, value)
      end
      local Note = bloop.Model:extend("UNote", { table_name = helpers.table_name("unotes") })
      Note.id = Column(String, { hash_key = true })
      Note.text = Upper(String)
      Note.extra = Upper(String)
      engine:bind(Note)
      local n = Note{ id = "u1", text = "hello" }
      local req = engine:explain("save", n)[1].request
      assert.same({ S = "HELLO" }, req.ExpressionAttributeValues[":v0"])
      engine:save(n)
      assert.is_nil(engine:explain("save", n)[1].request.UpdateExpression)   -- synced
      n.extra = "x"
      engine:save(n, { atomic = true })
      local back = Note{ id = "u1" }
      engine:load(back)
      assert.equal("HELLO", back.text)
      assert.equal("X", back.extra)
      local q = engine:query(Note, { key = Note.id:eq("u1") }):one()
      assert.equal("HELLO", q.text)
      assert.same({ "HELLO", "X", "HELLO", "X" }, { stored[#stored - 3], stored[#stored - 2],
        stored[#stored - 1], stored[#stored] })
      q.extra = nil
      engine:save(q, { atomic = true })                                    -- REMOVEs extra
      local again = Note{ id = "u1" }
      engine:load(again)
      assert.is_nil(again.extra)
      assert.equal("InvalidRequest", raises(engine.save, engine, Note{ text = "no key" }).name)
    end)

    it("round-trips strings holding NUL bytes, keys included", function()
      local User = user_model()
      engine:bind(User)
      engine:save(User{ id = "n\0ul", email = "a\0b" })
      local u = User{ id = "n\0ul" }
      engine:load(u)
      assert.equal("a\0b", u.email)
      local q = engine:query(User, { key = User.id:eq("n\0ul") }):one()
      assert.equal("a\0b", q.email)
      q.email = "c\0d"
      engine:save(q, { atomic = true })
    end)

    it("loads one object with GetItem and refuses an answer that is no item", function()
      local User = user_model()
      engine:bind(User)
      engine:save(User{ id = "g1", age = 7 })
      local real = engine.session.dynamodb_client
      local answer
      engine.session.dynamodb_client = bloop.wrap_client(real, {
        get_item = function(_, req) return answer or real:get_item(req) end,
      })
      local u = User{ id = "g1" }
      engine:load(u)
      assert.equal(7, u.age)
      answer = { Item = { id = { S = "g1" }, age = { N = "seven" } } }
      -- the server's fault, not the caller's: a ClientError with code BadResponse
      local err = raises(engine.load, engine, User{ id = "g1" })
      assert.equal("ClientError", err.name)
      assert.equal("BadResponse", err.code)
      assert.matches('^User load: Item%.age%.N: "seven" is not a number', err.message)
      answer = { ConsumedCapacity = { CapacityUnits = 0.5 } }   -- no Item: missing
      assert.equal("MissingObjects", raises(engine.load, engine, User{ id = "g1" }).name)
      -- an item with another key would overwrite the object's key: refused, object untouched
      answer = { Item = { id = { S = "other" }, age = { N = "9" } } }
      local asked = User{ id = "g1" }
      err = raises(engine.load, engine, asked)
      assert.equal("ClientError", err.name)
      assert.equal("BadResponse", err.code)
      assert.equal('User load: GetItem answer holds an item without the key asked for ({"id":{"S":"g1"}})',
        err.message)
      assert.equal("g1", asked.id)
      assert.is_nil(asked.age)
    end)
  end)
end)

describe("bloop.Engine, more operations #integration", function()
  local engine, raw
  before_each(function()
    engine = helpers.engine()
    raw = helpers.client()
  end)

  local function raises(fn, ...)
    local ok, err = pcall(fn, ...)
    assert(not ok, "expected an error")
    return err
  end

  describe("inheritance", function()
    it("binding an abstract base binds every concrete model extended from it", function()
      local Base = bloop.Model:extend("Base", { abstract = true })
      Base.id = Column(String, { hash_key = true })
      Base.created = Column(bloop.DateTime)
      local Mid = Base:extend("Mid", { abstract = true })
      Mid.note = Column(String)
      local User = Base:extend("InhUser", { table_name = helpers.table_name("inh-users") })
      User.email = Column(String)
      local Admin = Mid:extend("InhAdmin", { table_name = helpers.table_name("inh-admins") })
      Admin.level = Column(Integer)
      local bound = {}
      local fn = bloop.signals.model_bound:connect(function(a) bound[#bound + 1] = a.model end)
      local ok, err = pcall(engine.bind, engine, Base)
      bloop.signals.model_bound:disconnect(fn)
      assert(ok, err)
      assert.same({ Admin, User }, bound)   -- depth first: Base > Mid > Admin, then User
      for _, m in ipairs{ User, Admin } do
        assert.equal("ACTIVE", raw:describe_table{ TableName = m.Meta.table_name }.Table.TableStatus)
      end
      -- the inherited columns are the subclass's own: saved and loaded under its table
      local when = bloop.datetime.parse("2024-05-06T07:08:09Z")
      engine:save(Admin{ id = "a1", created = when, note = "n", level = 3 })
      local back = Admin{ id = "a1" }
      engine:load(back)
      assert.equal(when, back.created)
      assert.equal("n", back.note)
      assert.equal(3, back.level)
      local t = raw:describe_table{ TableName = Admin.Meta.table_name }.Table
      assert.equal("id", t.KeySchema[1].AttributeName)
    end)

    it("binding a concrete model binds its concrete subclasses too", function()
      local Parent = bloop.Model:extend("Parent", { table_name = helpers.table_name("inh-parent") })
      Parent.id = Column(String, { hash_key = true })
      local Child = Parent:extend("Child", { table_name = helpers.table_name("inh-child") })
      Child.extra = Column(Integer)
      engine:bind(Parent)
      assert.equal("ACTIVE", raw:describe_table{ TableName = Child.Meta.table_name }.Table.TableStatus)
      local calls = helpers.recording(engine)
      engine:bind(Child)                    -- already bound through Parent: nothing is sent
      assert.equal(0, #calls)
    end)

    it("validates the whole hierarchy before creating any table", function()
      local Base = bloop.Model:extend("Base3", { abstract = true })
      Base.id = Column(String, { hash_key = true })
      local Good = Base:extend("Good", { table_name = helpers.table_name("inh-good") })
      local Bad = Base:extend("Bad", { table_name = helpers.table_name("inh-bad") })
      Bad.by_x = bloop.GlobalSecondaryIndex{ projection = "keys", hash_key = "x" }
      local calls = helpers.recording(engine)
      local err = raises(engine.bind, engine, Base)
      assert.equal("InvalidModel", err.name)
      assert.equal(Bad, err.model)
      assert.matches('Bad: index "by_x": hash key "x" is not a column', err.message, 1, true)
      assert.equal(0, #calls)
      assert.is_not_nil(Good)
    end)

    it("refuses an abstract model with no concrete model under it", function()
      local Lonely = bloop.Model:extend("Lonely", { abstract = true })
      Lonely.id = Column(String, { hash_key = true })
      local err = raises(engine.bind, engine, Lonely)
      assert.equal("InvalidModel", err.name)
      assert.equal("Lonely bind: the model is abstract and no concrete model extends it", err.message)
      err = raises(engine.save, engine, Lonely)
      assert.matches("engine:save: expected model instances, got the model class Lonely", tostring(err), 1, true)
    end)
  end)

  describe("query and scan pages", function()
    local Item
    setup(function()
      engine = helpers.engine()
      Item = bloop.Model:extend("Paged", { table_name = helpers.table_name("paged") })
      Item.g = Column(String, { hash_key = true })
      Item.n = Column(Integer, { range_key = true })
      Item.pad = Column(String)
      engine:bind(Item)
      local objs = {}
      for i = 1, 60 do objs[i] = Item{ g = "p", n = i, pad = ("x"):rep(100) } end
      assert.same({}, engine:batch_save(table.unpack(objs)))
    end)

    local function count_ops(calls, op)
      local n = 0
      for _, c in ipairs(calls) do if c.op == op then n = n + 1 end end
      return n
    end

    it("fetches pages lazily: first() sends one request of a 12-page result", function()
      local calls = helpers.recording(engine, { "query", "scan" })
      local q = engine:query(Item, { key = Item.g:eq("p"), page_size = 5 })
      assert.equal(0, #calls)                 -- building the search sends nothing
      assert.equal(1, q:first().n)
      assert.equal(1, #calls)
      assert.equal(5, calls[1].request.Limit)
      local seen = 0
      for obj in q:reset():iter() do
        seen = seen + 1
        assert.equal(seen, obj.n)
        -- never more than the pages needed so far: one page ahead at most
        assert.is_true(count_ops(calls, "query") - 1 <= math.ceil(seen / 5))
        if seen == 12 then break end
      end
      assert.equal(1 + 3, #calls)             -- first() + three pages for twelve objects
      assert.is_false(q.exhausted)
      local before_all = #calls
      assert.equal(60, #q:all())
      assert.is_true(q.exhausted)
      assert.equal(60, q.count)
      -- all() starts over; each later page starts after the previous page's last key (12
      -- full pages; dynalite also answers a 13th, empty one, moto knows the end)
      local pages = #calls - before_all
      assert.is_true(pages == 12 or pages == 13, "pages: " .. pages)
      assert.is_nil(calls[before_all + 1].request.ExclusiveStartKey)
      for k = 2, pages do
        assert.same({ g = { S = "p" }, n = { N = tostring(5 * (k - 1)) } },
          calls[before_all + k].request.ExclusiveStartKey)
      end
      local s = engine:scan(Item, { page_size = 7 })
      local before = count_ops(calls, "scan")
      s:first()
      assert.equal(before + 1, count_ops(calls, "scan"))
    end)

    it("keeps memory flat over a result many pages long", function()
      local q = engine:query(Item, { key = Item.g:eq("p"), page_size = 2 })
      collectgarbage("collect")
      local base = collectgarbage("count")
      local peak, n = 0, 0
      for _ in q:iter() do
        n = n + 1
        if n % 10 == 0 then
          collectgarbage("collect")
          peak = math.max(peak, collectgarbage("count") - base)
        end
      end
      assert.equal(60, n)
      assert.is_true(peak < 64, ("Lua heap grew by %.1f KB while iterating"):format(peak))
    end)

    it("limit caps the objects and the last request asks only for what is left", function()
      local calls = helpers.recording(engine, { "query" })
      local got = engine:query(Item, { key = Item.g:eq("p"), limit = 7, page_size = 5 }):all()
      assert.equal(7, #got)
      assert.equal(2, #calls)
      assert.equal(5, calls[1].request.Limit)
      assert.equal(2, calls[2].request.Limit)
      assert.equal("InvalidSearch", raises(engine.query, engine, Item, { key = Item.g:eq("p"), page_size = 0 }).name)
    end)

    it("consistent and forward reach the request", function()
      local r = engine:explain("query", Item, { key = Item.g:eq("p"), consistent = true, forward = false })[1].request
      assert.is_true(r.ConsistentRead)
      assert.is_false(r.ScanIndexForward)
      local desc = engine:query(Item, { key = Item.g:eq("p"), forward = false, consistent = true }):first()
      assert.equal(60, desc.n)
      local sr = engine:explain("scan", Item, { consistent = true, projection = "count" })[1].request
      assert.is_true(sr.ConsistentRead)
      assert.equal("COUNT", sr.Select)
    end)

    it("one() is an error unless exactly one object matches", function()
      assert.equal(5, engine:query(Item, { key = Item.g:eq("p") & Item.n:eq(5) }):one().n)
      local err = raises(function() engine:query(Item, { key = Item.g:eq("p") & Item.n:gt(58) }):one() end)
      assert.equal("ConstraintViolation", err.name)
      assert.matches("^Paged query: one%(%)", err.message)
      err = raises(function() engine:query(Item, { key = Item.g:eq("p") & Item.n:gt(60) }):one() end)
      assert.equal("ConstraintViolation", err.name)
    end)
  end)

  describe("load", function()
    it("populates objects through Lua type overrides (the Float of lua-api.md)", function()
      local Float = bloop.Number:extend("Float")
      function Float:dynamo_load(value, context)
        local d = Float.super.dynamo_load(self, value, context)
        return d and d:tonumber()
      end
      local Reading = bloop.Model:extend("Reading", { table_name = helpers.table_name("readings") })
      Reading.id = Column(String, { hash_key = true })
      Reading.value = Column(Float)
      engine:bind(Reading)
      engine:save(Reading{ id = "r1", value = 3.14 })
      local back = Reading{ id = "r1" }
      engine:load(back, { consistent = true })
      assert.equal("float", math.type(back.value))
      assert.equal(3.14, back.value)
      local q = engine:query(Reading, { key = Reading.id:eq("r1") }):one()
      assert.equal(3.14, q.value)
      assert.equal("3.14", raw:get_item{ TableName = Reading.Meta.table_name,
        Key = { id = { S = "r1" } } }.Item.value.N)
    end)

    it("consistent reaches the BatchGetItem request", function()
      local User = bloop.Model:extend("CUser", { table_name = helpers.table_name("cusers") })
      User.id = Column(String, { hash_key = true })
      local r = engine:explain("load", User{ id = "a" }, User{ id = "b" }, { consistent = true })[1]
      assert.equal("BatchGetItem", r.operation)
      assert.is_true(r.request.RequestItems[User.Meta.table_name].ConsistentRead)
      assert.equal(2, #r.request.RequestItems[User.Meta.table_name].Keys)
    end)
  end)

  describe("version column", function()
    local Doc
    before_each(function()
      Doc = bloop.Model:extend("VDoc", { table_name = helpers.table_name("vdocs") })
      Doc.id = Column(String, { hash_key = true })
      Doc.body = Column(String)
      Doc.rev = Column(Integer, { version = true })
      engine:bind(Doc)
    end)

    it("locks several objects in one save and one delete, with atomic and sync", function()
      local a, b = Doc{ id = "a", body = "1" }, Doc{ id = "b", body = "1" }
      engine:save(a, b, { atomic = true })
      assert.equal(1, a.rev)
      assert.equal(1, b.rev)
      -- a new object claims version 1: the row must not exist yet
      local req = engine:explain("save", Doc{ id = "c", body = "x" })[1].request
      assert.equal("(attribute_not_exists(#n0))", req.ConditionExpression)
      assert.equal("rev", req.ExpressionAttributeNames["#n0"])
      assert.equal("SET #n1 = :v0, #n0 = :v1", req.UpdateExpression)
      assert.same({ N = "1" }, req.ExpressionAttributeValues[":v1"])
      -- a synced object: the row must still hold the version this engine last saw
      req = engine:explain("save", a)[1].request
      assert.equal("(#n0 = :v0)", req.ConditionExpression)
      assert.same({ N = "1" }, req.ExpressionAttributeValues[":v0"])
      a.body, b.body = "2", "2"
      engine:save(a, b, { sync = "new" })
      assert.equal(2, a.rev)
      assert.equal(2, b.rev)
      local stale = Doc{ id = "b" }
      engine:load(stale)
      local other = Doc{ id = "b" }
      engine:load(other)
      other.body = "3"
      engine:save(other)                     -- rev 3 in the table
      stale.body = "stale"
      local err = raises(engine.save, engine, a, stale)
      assert.equal("ConstraintViolation", err.name)
      assert.equal(stale, err.obj)           -- a was saved first; stale is named
      assert.equal(3, a.rev)
      err = raises(engine.delete, engine, a, stale)
      assert.equal(stale, err.obj)
      assert.equal("MissingObjects", raises(engine.load, engine, Doc{ id = "a" }).name)
      engine:delete(other, { atomic = true })
      assert.equal("MissingObjects", raises(engine.load, engine, Doc{ id = "b" }).name)
    end)
  end)

  describe("explain", function()
    it("sends nothing for any operation", function()
      local User = bloop.Model:extend("XUser", { table_name = helpers.table_name("xusers") })
      User.id = Column(String, { hash_key = true })
      User.age = Column(Integer)
      local calls = helpers.recording(engine, { "create_table", "describe_table", "update_item",
        "delete_item", "get_item", "put_item", "query", "scan", "batch_get_item", "batch_write_item" })
      local u = User{ id = "e", age = 1 }
      local ops = {
        { "bind", "CreateTable", User },
        { "save", "UpdateItem", u, { atomic = true } },
        { "delete", "DeleteItem", u, { condition = User.age:eq(1) } },
        { "load", "GetItem", u },
        { "load", "BatchGetItem", u, User{ id = "f" } },
        { "batch_save", "BatchWriteItem", u },
        { "batch_delete", "BatchWriteItem", u },
        { "query", "Query", User, { key = User.id:eq("e") } },
        { "scan", "Scan", User, { filter = User.age:gt(0) } },
      }
      for _, case in ipairs(ops) do
        local out = engine:explain(case[1], table.unpack(case, 3))
        assert.equal(case[2], out[1].operation)
        assert.is_table(out[1].request)
      end
      assert.equal(0, #calls)
      local s = engine:explain("batch_save", u)[1]
      assert.same({ PutRequest = { Item = { id = { S = "e" }, age = { N = "1" } } } },
        s.request.RequestItems[User.Meta.table_name][1])
    end)
  end)
end)
