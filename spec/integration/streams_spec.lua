-- engine:stream (#integration, #moto_only: dynalite has no Streams). moto keeps one shard
-- per table and one database per region (servers.md), and writes TWO stream records for
-- every UpdateItem that creates an item: first a phantom INSERT whose NewImage holds only
-- the key, then the real one (a moto quirk), so these specs assert on order and on the
-- last record of each item, not on record counts. moto also answers an UpdateItem with no
-- update expression with HTTP 500; replaying a key-only image never sends one here, since a
-- stream image is a whole item: its save REMOVEs every column it lacks (see "converges").
local bloop = require("bloop")
local cjson = require("cjson")
local helpers = require("spec.helpers")
local Column, String, Integer = bloop.Column, bloop.String, bloop.Integer

local function engine_in(region)
  return bloop.Engine{
    dynamodb = helpers.client("dynamodb", { region = region }),
    dynamodbstreams = helpers.client("dynamodbstreams", { region = region }),
  }
end

local function user_model(include, name)
  local User = bloop.Model:extend("User", { table_name = name or helpers.table_name("stream-users"),
    stream = { include = include } })
  User.id = Column(String, { hash_key = true })
  User.n = Column(Integer)
  return User
end

-- Every record until next() is nil (bounded: next() never waits).
local function drain(stream)
  local out = {}
  for _ = 1, 1000 do
    local r = stream:next()
    if not r then return out end
    out[#out + 1] = r
  end
  error("the stream never ran dry")
end

local function ids_in_order(records)
  local seen, ids = {}, {}
  for _, r in ipairs(records) do
    local id = r.key.id
    if not seen[id] then seen[id] = true; ids[#ids + 1] = id end
  end
  return ids
end

describe("engine:stream #integration #moto_only", function()
  it("reads records in order with key, old, new and meta", function()
    local engine = engine_in("us-east-1")
    local User = user_model({ "new", "old" })
    engine:bind(User)
    local u = User{ id = "u1", n = 1 }
    engine:save(u)
    engine:save(User{ id = "u2", n = 2 })
    u.n = 5
    engine:save(u)
    engine:delete(u)
    local stream = engine:stream(User, "trim_horizon")
    local records = drain(stream)
    assert.same({ "u1", "u2" }, ids_in_order(records))
    local last = records[#records]
    assert.equal("remove", last.meta.event.type)
    assert.equal("REMOVE", last.meta.event.name)
    assert.is_nil(last.new)
    assert.equal(5, last.old.n)
    assert.equal("u1", last.key.id)
    assert.is_nil(last.key.n)
    assert.truthy(last.meta.event.id)
    assert.matches("^%d+$", last.meta.sequence_number)
    assert.equal("datetime", bloop.typename(last.meta.created_at))
    local seqs = {}
    for i, r in ipairs(records) do seqs[i] = r.meta.sequence_number end
    for i = 2, #seqs do
      assert.is_true(#seqs[i] > #seqs[i - 1] or (#seqs[i] == #seqs[i - 1] and seqs[i] > seqs[i - 1]))
    end
    local first_new
    for _, r in ipairs(records) do
      if r.new and r.new.n ~= nil then first_new = r.new; break end
    end
    assert.equal("u1", first_new.id)
    assert.equal(1, first_new.n)
    -- nothing new: nil, with a bounded number of calls
    local before = stream:calls()
    assert.is_nil(stream:next())
    assert.is_true(stream:calls() - before <= 5)
  end)

  it("resumes from a token that went through cjson", function()
    local engine = engine_in("us-east-1")
    local User = user_model({ "new" })
    engine:bind(User)
    engine:save(User{ id = "a", n = 1 })
    local stream = engine:stream(User, "trim_horizon")
    drain(stream)
    local saved = cjson.encode(stream.token)
    assert.equal(stream.arn, cjson.decode(saved).stream_arn)
    engine:save(User{ id = "b", n = 2 })
    local resumed = engine:stream(User, cjson.decode(saved))
    local records = drain(resumed)
    assert.same({ "b" }, ids_in_order(records))
    assert.equal(2, records[#records].new.n)
    -- move_to: back to the start, then to the latest point
    resumed:move_to("TRIM_HORIZON")
    assert.same({ "a", "b" }, ids_in_order(drain(resumed)))
    resumed:move_to("latest")
    assert.is_nil(resumed:next())
    engine:save(User{ id = "c", n = 3 })
    assert.same({ "c" }, ids_in_order(drain(resumed)))
    resumed:heartbeat()
    -- a datetime in the future is "latest"
    resumed:move_to(bloop.datetime.now() + 3600)
    assert.is_nil(resumed:next())
    resumed:move_to(bloop.datetime.now() - 3600)
    assert.same({ "a", "b", "c" }, ids_in_order(drain(resumed)))
  end)

  it("KEYS_ONLY records carry the key", function()
    local engine = engine_in("us-east-1")
    local User = user_model({ "keys" })
    engine:bind(User)
    engine:save(User{ id = "k", n = 1 })
    local r = engine:stream(User, "trim_horizon"):next()
    assert.equal("k", r.key.id)
    assert.is_nil(r.new)
    assert.is_nil(r.old)
  end)

  it("keeps the stream per engine and refuses a model without one", function()
    local name = helpers.table_name("shared-stream")
    local west, east = engine_in("us-west-2"), engine_in("eu-west-1")
    local User = user_model({ "new", "old" }, name)
    west:bind(User)
    east:bind(User)
    west:save(User{ id = "w", n = 1 })
    east:save(User{ id = "e", n = 2 })
    assert.same({ "w" }, ids_in_order(drain(west:stream(User, "trim_horizon"))))
    assert.same({ "e" }, ids_in_order(drain(east:stream(User, "trim_horizon"))))
    local Plain = bloop.Model:extend("Plain", { table_name = helpers.table_name("plain") })
    Plain.id = Column(String, { hash_key = true })
    west:bind(Plain)
    local ok, err = pcall(west.stream, west, Plain, "latest")
    assert.is_false(ok)
    assert.equal("InvalidStream", err.name)
    -- a token for another stream
    local token = west:stream(User, "latest").token
    local Other = user_model({ "new" })
    west:bind(Other)
    ok, err = pcall(west.stream, west, Other, token)
    assert.is_false(ok)
    assert.equal("InvalidStream", err.name)
  end)

  it("reports a bad position at the caller's line", function()
    local engine = engine_in("us-east-1")
    local User = user_model({ "new" })
    engine:bind(User)
    local src, line = debug.getinfo(1, "S").short_src, nil
    local ok, err = pcall(function() line = debug.getinfo(1, "l").currentline; engine:stream(User, 5) end)
    assert.is_false(ok)
    assert.equal(('%s:%d: stream:move_to: position must be "trim_horizon", "latest", a bloop.datetime '
      .. "or a token (argument 1)"):format(src, line), err.message)
    local stream = engine:stream(User, "latest")
    ok, err = pcall(function() line = debug.getinfo(1, "l").currentline; stream:move_to("sideways") end)
    assert.is_false(ok)
    assert.equal(('%s:%d: stream:move_to: unknown position "sideways" (argument 1)'):format(src, line), err.message)
    ok, err = pcall(function() line = debug.getinfo(1, "l").currentline; engine:stream(User) end)
    assert.is_false(ok)
    assert.equal(('%s:%d: engine:stream: a position is required ("trim_horizon", "latest", a '
      .. "bloop.datetime or a token) (argument 2)"):format(src, line), err.message)
  end)

  -- The seed's loop: a record with a new image saves it, one without deletes.
  local function replay(stream, dst)
    for _, record in ipairs(drain(stream)) do
      if record.new then dst:save(record.new) else dst:delete(record.old or record.key) end
    end
  end

  -- Every item of a table as the server holds it, by id (raw: attribute for attribute).
  local function items(region, name)
    local raw = helpers.client("dynamodb", { region = region })
    local out = {}
    for _, item in ipairs(raw:scan{ TableName = name }.Items) do out[item.id.S] = item end
    return out
  end

  it("converges: insert, modify, attribute removal down to a key-only item, delete", function()
    local name = helpers.table_name("replicated")
    local src, dst = engine_in("us-west-2"), engine_in("ap-south-1")
    local User = user_model({ "new", "old" }, name)
    User.body = Column(String)
    User.tags = Column(bloop.Set(String))
    src:bind(User)
    dst:bind(User)
    local stream = src:stream(User, "trim_horizon")
    local function converged()
      replay(stream, dst)
      assert.same(items("us-west-2", name), items("ap-south-1", name))
    end
    -- insert
    src:save(User{ id = "a", n = 1, body = "keep", tags = { "x", "y" } }, User{ id = "b", n = 2 })
    converged()
    -- modify, and remove an attribute from an object the source loaded
    local a = User{ id = "a" }
    src:load(a)
    a.n, a.body = 2, nil
    src:save(a)
    converged()
    assert.same({ id = { S = "a" }, n = { N = "2" }, tags = { SS = { "x", "y" } } },
      items("ap-south-1", name).a)
    -- remove the last non-key attributes: a key-only item, whose image is key-only too
    a.n, a.tags = nil, nil
    src:save(a)
    converged()
    assert.same({ id = { S = "a" } }, items("ap-south-1", name).a)
    -- delete, and insert again
    src:delete(User{ id = "b" })
    src:save(User{ id = "c", body = "new" })
    converged()
    local at_dst = items("ap-south-1", name)
    assert.is_nil(at_dst.b)
    assert.same({ id = { S = "c" }, body = { S = "new" } }, at_dst.c)
  end)
end)
