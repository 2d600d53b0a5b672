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

describe("errors.nearest", function()
  local nearest = bloop.errors.nearest
  it("finds a likely misspelling among the keys, swaps included", function()
    local known = { hash_key = true, range_key = true, dynamo_name = true, default = true }
    assert.equal("hash_key", nearest("hashkey", known))
    assert.equal("default", nearest("defualt", known))
    assert.equal("email", nearest("emial", { id = 1, email = 2 }))
  end)

  it("suggests nothing far away or for a name too short to tell", function()
    assert.is_nil(nearest("nullable", { hash_key = true, default = true }))
    assert.is_nil(nearest("x", { id = true }))
    assert.is_nil(nearest(1, { id = true }))
  end)

  it("breaks ties alphabetically, whatever the table order", function()
    for _ = 1, 20 do
      local t = {}
      for _, k in ipairs{ "cab", "bab", "dab" } do t[k] = true end
      assert.equal("bab", nearest("ab", t))
    end
  end)
end)

-- A caller's mistake raises an InvalidArgument error object whose message starts with the
-- CALLER's file:line (this spec's), however deep in bloop it is found: errors.argerror walks
-- to the first frame that is not bloop's. One case per public entry point family; each case calls bloop on the line that
-- sets `at`, so the expected position is that line. No network: nothing here is sent.
describe("errors.argerror", function()
  local SRC = debug.getinfo(1, "S").short_src
  local function here() return debug.getinfo(2, "l").currentline end
  local at

  local creds = { access_key_id = "AKIDUNIT", secret_access_key = "unit-secret-xyz" }
  local engine = bloop.Engine{ endpoint = "http://127.0.0.1:1", region = "us-east-1",
    credentials = creds }
  local User = bloop.Model:extend("ArgUser")
  User.id = bloop.Column(bloop.String, { hash_key = true })
  User.doc = bloop.Column(bloop.DynamicMap)
  User.by_doc = bloop.GlobalSecondaryIndex{ projection = "keys", hash_key = "id" }
  local u = User{ id = "u1" }
  local cond = User.id:eq("u1")

  -- { name, a call on one line, the message after "file:line: " }
  local cases = {
    -- engine construction
    { "bloop.Engine(opts)",
      function() at = here(); bloop.Engine(5) end,
      "bloop.Engine{...}: options must be a table (argument 1)" },
    { "bloop.Engine unknown option",
      function() at = here(); bloop.Engine{ frob = 1 } end,
      'bloop.Engine: unknown option "frob"' },
    { "bloop.Engine dynamodb",
      function() at = here(); bloop.Engine{ dynamodb = 5 } end,
      "bloop.Engine: dynamodb must be a bloop.client or a table of its methods (got number)" },
    { "bloop.Engine dynamodbstreams",
      function() at = here(); bloop.Engine{ dynamodb = {}, dynamodbstreams = "x" } end,
      "bloop.Engine: dynamodbstreams must be a bloop.client or a table of its methods (got string)" },
    { "bloop.Engine batch",
      function() at = here(); bloop.Engine{ batch = 5 } end,
      "bloop.Engine: batch must be a table" },
    -- engine operations
    { "engine:save",
      function() at = here(); engine:save("x") end,
      "engine:save: argument 1 is not a model instance (got string)" },
    { "engine:save nothing",
      function() at = here(); engine:save() end,
      "engine:save: at least one model instance is required (got none) (argument 1)" },
    { "engine:save options only",
      function() at = here(); engine:save({}) end,
      "engine:save: at least one model instance is required (got only an options table) (argument 1)" },
    { "engine:delete options only",
      function() at = here(); engine:delete({ condition = cond }) end,
      "engine:delete: at least one model instance is required (got only an options table) (argument 1)" },
    { "engine:load options only",
      function() at = here(); engine:load({}) end,
      "engine:load: at least one model instance is required (got only an options table) (argument 1)" },
    { "engine:load nothing",
      function() at = here(); engine:load() end,
      "engine:load: at least one model instance is required (got none) (argument 1)" },
    { "engine:batch_save nothing",
      function() at = here(); engine:batch_save() end,
      "engine:batch_save: at least one model instance is required (got none) (argument 1)" },
    { "engine:batch_delete options only",
      function() at = here(); engine:batch_delete({}) end,
      "engine:batch_delete: at least one model instance is required (got only an options table) "
        .. "(argument 1)" },
    { "engine:explain load nothing",
      function() at = here(); engine:explain("load") end,
      "engine:load: at least one model instance is required (got none) (argument 1)" },
    { "engine:save a class",
      function() at = here(); engine:save(User) end,
      "engine:save: expected model instances, got the model class ArgUser (make an instance: "
        .. "ArgUser{...}) (argument 1)" },
    { "engine:save option",
      function() at = here(); engine:save(u, { frob = 1 }) end,
      'engine:save: unknown option "frob"' },
    { "engine:save sync",
      function() at = here(); engine:save(u, { sync = true }) end,
      'engine:save: sync must be "old", "new" or nil (got true)' },
    { "engine:save condition",
      function() at = here(); engine:save(u, { condition = 5 }) end,
      "engine:save: condition must be a bloop.Condition (got number)" },
    { "engine:delete",
      function() at = here(); engine:delete(u, 5) end,
      "engine:delete: argument 2 is not a model instance (got number)" },
    { "engine:delete sync",
      function() at = here(); engine:delete(u, { sync = "new" }) end,
      'engine:delete: sync must be "old" or nil (got new)' },
    { "engine:load",
      function() at = here(); engine:load("x") end,
      "engine:load: argument 1 is not a model instance (got string)" },
    { "engine:load option",
      function() at = here(); engine:load(u, { frob = 1 }) end,
      'engine:load: unknown option "frob"' },
    { "engine:batch_save",
      function() at = here(); engine:batch_save(u, {}, u) end,
      "engine:batch_save: argument 2 is not a model instance (got table)" },
    { "engine:batch_delete",
      function() at = here(); engine:batch_delete(u, { x = 1 }) end,
      'engine:batch_delete: unknown option "x"' },
    { "engine:query",
      function() at = here(); engine:query(5) end,
      "engine:query: a model or an index is required (argument 1)" },
    { "engine:query option",
      function() at = here(); engine:query(User, { parallel = { 0, 2 } }) end,
      "engine:query: parallel is a scan option" },
    { "engine:query unknown option",
      function() at = here(); engine:query(User, { frob = 1 }) end,
      'engine:query: unknown option "frob"' },
    { "engine:query key",
      function() at = here(); engine:query(User, { key = "id = :x" }) end,
      "engine:query: key must be a bloop.Condition (got string)" },
    { "engine:query filter",
      function() at = here(); engine:query(User, { key = cond, filter = {} }) end,
      "engine:query: filter must be a bloop.Condition (got table)" },
    { "engine:scan filter",
      function() at = here(); engine:scan(User, { filter = "age > 1" }) end,
      "engine:scan: filter must be a bloop.Condition (got string)" },
    { "engine:scan",
      function() at = here(); engine:scan("User") end,
      "engine:scan: a model or an index is required (argument 1)" },
    { "engine:scan option",
      function() at = here(); engine:scan(User.by_doc, { forward = true }) end,
      "engine:scan: key and forward are query options" },
    { "engine:bind",
      function() at = here(); engine:bind(u) end,
      "engine:bind: a model is required (argument 1)" },
    { "engine:bind option",
      function() at = here(); engine:bind(User, { frob = 1 }) end,
      'engine:bind: unknown option "frob"' },
    { "engine:stream",
      function() at = here(); engine:stream(u, "latest") end,
      "engine:stream: a model is required (argument 1)" },
    -- engine:explain, each operation
    { "engine:explain op",
      function() at = here(); engine:explain("frob") end,
      'engine:explain: unknown operation "frob" (save, delete, load, batch_save, batch_delete, '
        .. "query, scan, bind) (argument 1)" },
    { "engine:explain save",
      function() at = here(); engine:explain("save", "x") end,
      "engine:save: argument 1 is not a model instance (got string)" },
    { "engine:explain save condition",
      function() at = here(); engine:explain("save", u, { condition = 5 }) end,
      "engine:save: condition must be a bloop.Condition (got number)" },
    { "engine:explain delete",
      function() at = here(); engine:explain("delete", u, { condition = "x" }) end,
      "engine:delete: condition must be a bloop.Condition (got string)" },
    { "engine:explain load",
      function() at = here(); engine:explain("load", User) end,
      "engine:load: expected model instances, got the model class ArgUser (make an instance: "
        .. "ArgUser{...}) (argument 1)" },
    { "engine:explain batch_save",
      function() at = here(); engine:explain("batch_save", 1) end,
      "engine:batch_save: argument 1 is not a model instance (got number)" },
    { "engine:explain batch_delete",
      function() at = here(); engine:explain("batch_delete", true) end,
      "engine:batch_delete: argument 1 is not a model instance (got boolean)" },
    { "engine:explain query",
      function() at = here(); engine:explain("query", 5) end,
      "engine:query: a model or an index is required (argument 2)" },
    { "engine:explain query option",
      function() at = here(); engine:explain("query", User, { parallel = { 0, 2 } }) end,
      "engine:query: parallel is a scan option" },
    { "engine:explain scan",
      function() at = here(); engine:explain("scan", u) end,
      "engine:scan: a model or an index is required (argument 2)" },
    { "engine:explain scan option",
      function() at = here(); engine:explain("scan", User, { key = cond }) end,
      "engine:scan: key and forward are query options" },
    { "engine:explain bind",
      function() at = here(); engine:explain("bind", "User") end,
      "engine:bind: a model is required (argument 2)" },
    -- transactions
    { "engine:transaction mode",
      function() at = here(); engine:transaction("x") end,
      'engine:transaction: mode must be "w" or "r" (got x) (argument 1)' },
    { "engine:transaction fn",
      function() at = here(); engine:transaction("w", 5) end,
      "engine:transaction: the second argument must be a function" },
    { "tx:save",
      function() local tx = engine:transaction("w"); at = here(); tx:save(u, "x", {}) end,
      "transaction:save: argument 2 is not a model instance (got string)" },
    { "tx:save option",
      function() local tx = engine:transaction("w"); at = here(); tx:save(u, { sync = "new" }) end,
      'transaction:save: unknown option "sync"' },
    { "tx:delete",
      function() local tx = engine:transaction("w"); at = here(); tx:delete(User) end,
      "transaction:delete: expected model instances, got the model class ArgUser (make an "
        .. "instance: ArgUser{...}) (argument 1)" },
    { "tx:delete option",
      function() local tx = engine:transaction("w"); at = here(); tx:delete(u, { x = 1 }) end,
      'transaction:delete: unknown option "x"' },
    { "tx:save nothing",
      function() local tx = engine:transaction("w"); at = here(); tx:save({}) end,
      "transaction:save: at least one model instance is required (got only an options table) "
        .. "(argument 1)" },
    { "tx:delete nothing",
      function() local tx = engine:transaction("w"); at = here(); tx:delete() end,
      "transaction:delete: at least one model instance is required (got none) (argument 1)" },
    { "rx:load nothing",
      function() local rx = engine:transaction("r"); at = here(); rx:load({}) end,
      "transaction:load: at least one model instance is required (got only an options table) "
        .. "(argument 1)" },
    { "tx:check object",
      function() local tx = engine:transaction("w"); at = here(); tx:check(User, cond) end,
      "transaction:check: a model instance is required (argument 1)" },
    { "tx:check condition",
      function() local tx = engine:transaction("w"); at = here(); tx:check(u, true) end,
      "transaction:check: a bloop.Condition is required (argument 2)" },
    { "tx:load",
      function() local rx = engine:transaction("r"); at = here(); rx:load(u, 1) end,
      "transaction:load: argument 2 is not a model instance (got number)" },
    { "rx:save",
      function() local rx = engine:transaction("r"); at = here(); rx:save(u) end,
      "transaction:save: this is a read transaction" },
    { "tx:load on a write transaction",
      function() local tx = engine:transaction("w"); at = here(); tx:load(u) end,
      "transaction:load: this is a write transaction" },
    -- models and instances
    { "Model:extend name",
      function() at = here(); bloop.Model:extend(5) end,
      "Model:extend(name, meta): a model name is required (argument 1)" },
    { "Model:extend meta",
      function() at = here(); bloop.Model:extend("X", "y") end,
      "Model:extend(name, meta): meta must be a table (argument 2)" },
    { "Model{...}",
      function() at = here(); User(5) end,
      "ArgUser{...}: fields must be a table (argument 1)" },
    { "Model:new",
      function() at = here(); User:new(5) end,
      "ArgUser{...}: fields must be a table (argument 1)" },
    { "Model{ unknown }",
      function() at = here(); User{ idd = 1 } end,
      'ArgUser has no column idd (did you mean "id"?)' },
    { "instance assignment of no column",
      function() at = here(); u.ide = "x" end,
      'ArgUser has no column ide (did you mean "id"?)' },
    { "instance index attribute",
      function() at = here(); return u.by_doc end,
      "ArgUser.by_doc is an index; instances have no index attributes" },
    { "instance Meta assignment",
      function() at = here(); u.Meta = {} end,
      "cannot assign Meta on a ArgUser instance" },
    -- columns, conditions, classes
    { "Column options",
      function() at = here(); bloop.Column(bloop.String, 5) end,
      "Column: options must be a table (argument 2)" },
    { "Column:extend",
      function() at = here(); bloop.Column:extend(5) end,
      "extend: a class name is required (argument 1)" },
    { "document path assignment",
      function() at = here(); User.doc["a"].b = 1 end,
      "ArgUser.doc.a: document paths are read-only" },
    -- types and values
    { "Set()",
      function() at = here(); bloop.Set() end,
      "Set needs an element type, as in bloop.Set(bloop.String) (argument 1)" },
    { "Set(not a type)",
      function() at = here(); bloop.Set(5) end,
      "bloop type expected, got number (argument 1)" },
    { "Set(Boolean)",
      function() at = here(); bloop.Set(bloop.Boolean) end,
      "Set needs a String, Number or Binary backed element type, got Boolean (argument 1)" },
    { "List()",
      function() at = here(); bloop.List() end,
      "List needs an element type, as in bloop.List(bloop.String) (argument 1)" },
    { "Map(not a table)",
      function() at = here(); bloop.Map("x") end,
      "Map needs its fields, as in bloop.Map{ name = bloop.String } (argument 1)" },
    { "Map field names",
      function() at = here(); bloop.Map{ bloop.String } end,
      "Map field names must be strings" },
    { "Map field type",
      function() at = here(); bloop.Map{ a = 1 } end,
      "bloop type expected, got number" },
    { "Type:extend name",
      function() at = here(); bloop.String:extend(5) end,
      "extend(name): name must be a string (argument 1)" },
    { "Type:extend on an instance",
      function() at = here(); bloop.String():extend("S2") end,
      "extend is called on a type class" },
    { "Type:supports",
      function() at = here(); bloop.String:supports("like") end,
      'unknown operation "like" (argument 1)' },
    { "a type not built on a built-in",
      function() at = here(); require("bloop.types").Type:extend("Bare")() end,
      "a bloop type must descend from a built-in type class" },
    { "bloop.set",
      function() at = here(); bloop.set(5) end,
      "bloop.set expects a table of members, got number (argument 1)" },
    -- signals, clients
    { "Signal:connect",
      function() at = here(); bloop.signals.object_saved:connect(5) end,
      "bloop.Signal:connect: a function is required (argument 1)" },
    { "bloop.wrap_client",
      function() at = here(); bloop.wrap_client(nil) end,
      "bloop.wrap_client: a client to wrap is required (argument 1)" },
  }

  for _, case in ipairs(cases) do
    local name, fn, message = case[1], case[2], case[3]
    it(name .. ": at the caller's line", function()
      at = nil
      local ok, err = pcall(fn)
      assert.is_false(ok, "expected an error")
      assert.equal("InvalidArgument", err.name)
      assert.equal(("%s:%d: %s"):format(SRC, at, message), err.message)
    end)
  end

  it("raises an InvalidArgument object, a BloopError, that prints its position", function()
    local ok, err = pcall(function() at = here(); engine:bind(u) end)
    assert.is_false(ok)
    assert.equal("table", type(err))
    assert.equal("InvalidArgument", err.name)
    assert.equal("InvalidArgument", err.code)
    assert.is_true(bloop.is(err, bloop.InvalidArgument))
    assert.is_true(bloop.is(err, bloop.BloopError))
    assert.is_false(bloop.is(err, bloop.ClientError))
    assert.equal(("InvalidArgument: %s:%d: engine:bind: a model is required (argument 1)")
      :format(SRC, at), tostring(err))
  end)

  it("has no position when the caller calls bloop from C (pcall), as luaL_where", function()
    local ok, err = pcall(engine.save, engine, "x")
    assert.is_false(ok)
    assert.equal("engine:save: argument 1 is not a model instance (got string)", err.message)
  end)

  it("finds the caller through code that bloop called back (a receiver)", function()
    local receiver = function() at = here(); engine:explain("scan", 5) end
    local sig = bloop.signals.Signal("spec")
    sig:connect(receiver)
    local ok, err = pcall(sig.send, sig, {})
    assert.is_false(ok)
    assert.equal(("%s:%d: engine:scan: a model or an index is required (argument 2)")
      :format(SRC, at), err.message)
  end)
end)
