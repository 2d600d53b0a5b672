-- The seed's patterns, written as lua-api.md writes them, against the local server
-- (#integration): DynamoDB Local patch, generic if_not_exist, snapshot, sharing tables and
-- indexes (Employee/Manager on one table, build_indexes), the nullable/check_type Column.
local bloop = require("bloop")
local helpers = require("spec.helpers")
local Column, UUID, Integer, String, Set = bloop.Column, bloop.UUID, bloop.Integer, bloop.String, bloop.Set
local patterns = require("bloop.patterns.conditions")

-- The two condition patterns exactly as lua-api.md ("Conditions") writes them; the specs
-- below use these, and check the shipped bloop.patterns.conditions builds the same trees.
local Condition = bloop.Condition
local function if_not_exist(obj)            -- obj may be an instance or a model
  local condition = Condition()
  for _, key in ipairs(obj.Meta.keys) do condition = condition & key:is_(nil) end
  return condition
end

local function snapshot(obj)
  local condition = Condition()
  for _, col in ipairs(obj.Meta.columns) do
    condition = condition & col:eq(bloop.deepcopy(obj[col.name]))
  end
  return condition
end

local function raises(fn, ...)
  local ok, err = pcall(fn, ...)
  assert(not ok, "expected an error")
  return err
end

describe("seed patterns #integration", function()
  local engine
  before_each(function() engine = helpers.engine() end)

  describe("DynamoDB Local patch (patch_engine)", function()
    it("overrides describe calls and leaves every other call on the real client", function()
      local client = require("bloop.patterns.local").patch_engine(engine)
      client.mock_ttl["MyTableName"] = true
      client.mock_backups["MyTableName"] = false
      local c = engine.session.dynamodb_client
      assert.equal("ENABLED", c:describe_time_to_live{ TableName = "MyTableName" }
        .TimeToLiveDescription.TimeToLiveStatus)
      assert.equal("DISABLED", c:describe_continuous_backups{ TableName = "MyTableName" }
        .ContinuousBackupsDescription.ContinuousBackupsStatus)
      assert.is_table(c:list_tables{})
    end)

    it("binds a model with TTL and backups when the mocks say ENABLED (lua-api.md as written)", function()
      -- exactly the lua-api.md patch: only the describe calls are overridden
      local real = engine.session.dynamodb_client
      local client = { mock_ttl = {}, mock_backups = {} }
      function client:describe_time_to_live(req)
        return { TimeToLiveDescription = { TimeToLiveStatus =
          self.mock_ttl[req.TableName] and "ENABLED" or "DISABLED" } }
      end
      function client:describe_continuous_backups(req)
        return { ContinuousBackupsDescription = { ContinuousBackupsStatus =
          self.mock_backups[req.TableName] and "ENABLED" or "DISABLED" } }
      end
      engine.session.dynamodb_client = bloop.wrap_client(real, client)
      local name = helpers.table_name("patched")
      local M = bloop.Model:extend("Patched", { table_name = name, ttl = { column = "exp" },
        backups = { enabled = true } })
      M.id = Column(String, { hash_key = true })
      M.exp = Column(bloop.Timestamp)
      client.mock_ttl[name] = true
      client.mock_backups[name] = true
      engine:bind(M)
      engine:save(M{ id = "x", exp = bloop.datetime.fromtimestamp(1700000000) })
      local back = M{ id = "x" }
      engine:load(back)
      assert.equal(1700000000, back.exp:timestamp())
    end)
  end)

  describe("generic if_not_exist", function()
    local Tweet
    before_each(function()
      Tweet = bloop.Model:extend("Tweet", { table_name = helpers.table_name("tweets") })
      Tweet.account = Column(UUID, { hash_key = true })
      Tweet.id = Column(String, { range_key = true })
      Tweet.content = Column(String)
      engine:bind(Tweet)
    end)

    it("saves a new tweet and refuses an existing one, for an instance or the model", function()
      local tweet = Tweet{ account = bloop.uuid4(), id = "numberoverzero", content = "a" }
      engine:save(tweet, { condition = if_not_exist(tweet) })
      local again = Tweet{ account = tweet.account, id = "numberoverzero", content = "b" }
      for _, cond in ipairs{ if_not_exist(again), if_not_exist(Tweet) } do
        local err = raises(engine.save, engine, again, { condition = cond })
        assert.equal("ConstraintViolation", err.name)
        assert.equal(again, err.obj)
      end
      assert.equal("((attribute_not_exists(Tweet.account)) AND (attribute_not_exists(Tweet.id)))",
        tostring(if_not_exist(Tweet)))
      assert.equal(tostring(if_not_exist(again)), tostring(patterns.if_not_exist(again)))
      engine:save(Tweet{ account = tweet.account, id = "other", content = "c" },
        { condition = if_not_exist(Tweet) })
    end)
  end)

  describe("snapshot condition", function()
    local User
    before_each(function()
      User = bloop.Model:extend("User", { table_name = helpers.table_name("snap") })
      User.name = Column(String, { hash_key = true })
      User.email = Column(String)
      User.verified = Column(bloop.Boolean)
      engine:bind(User)
      engine:save(User{ name = "n/0", email = "a@x", verified = false })
    end)

    it("saves when nothing changed since the load and refuses when something did", function()
      local user = User{ name = "n/0" }
      engine:load(user)
      local last_seen = snapshot(user)
      assert.equal(tostring(last_seen), tostring(patterns.snapshot(user)))
      user.verified = true
      engine:save(user, { condition = last_seen })
      local stale = snapshot(user)
      local other = User{ name = "n/0" }
      engine:load(other)
      other.email = "b@x"
      engine:save(other)
      user.verified = false
      local err = raises(engine.save, engine, user, { condition = stale })
      assert.equal("ConstraintViolation", err.name)
      assert.equal(user, err.obj)
    end)

    -- dynalite compares maps and lists by reference, so a snapshot of a map never matches
    it("snapshots nested values (deep copies) #moto_only", function()
      local Doc = bloop.Model:extend("Doc", { table_name = helpers.table_name("snapdoc") })
      Doc.id = Column(String, { hash_key = true })
      Doc.data = Column(bloop.DynamicMap)
      engine:bind(Doc)
      local d = Doc{ id = "d", data = { tags = { "a" } } }
      engine:save(d)
      local last_seen = snapshot(d)
      d.data.tags[2] = "b"       -- the snapshot keeps its own copy
      engine:save(d, { condition = last_seen })
      local err = raises(engine.save, engine, d, { condition = last_seen })
      assert.equal("ConstraintViolation", err.name)
    end)
  end)

  describe("sharing tables and indexes", function()
    it("maps Employee and Manager onto one table and one GSI (build_indexes)", function()
      local table_name = helpers.table_name("employees-uk")
      local Employee = bloop.Model:extend("Employee", { table_name = table_name })
      Employee.id = Column(UUID, { hash_key = true })
      Employee.level = Column(Integer)
      Employee.email = Column(String)
      Employee.manager_id = Column(UUID)
      Employee.by_level = bloop.GlobalSecondaryIndex{ projection = { "email" }, hash_key = "level" }

      local Manager = bloop.Model:extend("Manager", { table_name = table_name })
      Manager.id = Column(UUID, { hash_key = true })
      Manager.level = Column(Integer)
      Manager.email = Column(String)
      Manager.manager_id = Column(UUID)
      Manager.directs = Column(Set(UUID))
      Manager.by_level = bloop.GlobalSecondaryIndex{ projection = { "directs" }, hash_key = "level" }

      local function build_indexes(engine)
        local _ = bloop.Model:extend("_", { table_name = table_name })
        _.id = Column(UUID, { hash_key = true })
        _.level = Column(Integer)
        _.email = Column(String)
        _.manager_id = Column(UUID)
        _.directs = Column(Set(UUID))
        _.by_level = bloop.GlobalSecondaryIndex{ projection = { "directs", "email" }, hash_key = "level" }
        engine:bind(_)
      end

      build_indexes(engine)
      engine:bind(Employee)
      engine:bind(Manager)
      local boss = Manager{ id = bloop.uuid4(), level = 7, email = "boss@x" }
      local a = Employee{ id = bloop.uuid4(), level = 3, email = "a@x", manager_id = boss.id }
      boss.directs = { a.id }
      engine:save(boss, a)
      local e = engine:query(Employee.by_level, { key = Employee.level:eq(3) }):one()
      assert.equal("a@x", e.email)
      assert.is_nil(e.manager_id)    -- not projected by Employee's by_level
      local m = engine:query(Manager.by_level, { key = Manager.level:eq(7) }):one()
      assert.is_true(m.directs:has(a.id))
      assert.is_nil(m.email)         -- not projected by Manager's by_level
      -- both models load the same row shape through their own columns
      local whole = Manager{ id = boss.id }
      engine:load(whole)
      assert.equal("boss@x", whole.email)
    end)

    it("fails binding the second model without build_indexes (the seed's note)", function()
      local table_name = helpers.table_name("employees-uk")
      local Employee = bloop.Model:extend("Employee", { table_name = table_name })
      Employee.id = Column(UUID, { hash_key = true })
      Employee.level = Column(Integer)
      Employee.email = Column(String)
      Employee.by_level = bloop.GlobalSecondaryIndex{ projection = { "email" }, hash_key = "level" }
      local Manager = bloop.Model:extend("Manager", { table_name = table_name })
      Manager.id = Column(UUID, { hash_key = true })
      Manager.level = Column(Integer)
      Manager.directs = Column(Set(UUID))
      Manager.by_level = bloop.GlobalSecondaryIndex{ projection = { "directs" }, hash_key = "level" }
      engine:bind(Employee)
      local err = raises(engine.bind, engine, Manager)
      assert.equal("TableMismatch", err.name)
      assert.matches("Manager bind", err.message, 1, true)
      assert.matches('model projects "directs", table has INCLUDE projection without it', err.message, 1, true)
    end)
  end)

  describe("custom Column class (nullable / check_type)", function()
    local NColumn = bloop.Column:extend("Column")
    function NColumn:init(typedef, opts)
      opts = opts or {}
      NColumn.super.init(self, typedef, opts)
      self.nullable = opts.nullable ~= false
      self.check_type = opts.check_type ~= false
    end
    function NColumn:set(obj, value)
      if value == nil then
        if not self.nullable then error(tostring(self) .. " does not allow nil", 2) end
      elseif self.check_type and not self.typedef:is_instance(value) then
        error(("Tried to set %s with invalid type %s (expected %s)")
          :format(self.name, bloop.typename(value), self.typedef.lua_type), 2)
      end
      NColumn.super.set(self, obj, value)
    end

    it("validates on assignment and construction, removes nil on save, loads without the hook", function()
      local Appointment = bloop.Model:extend("Appointment", { table_name = helpers.table_name("appt") })
      Appointment.id = NColumn(UUID, { hash_key = true, nullable = false })
      Appointment.date = NColumn(bloop.DateTime)
      Appointment.location = NColumn(String, { check_type = true })
      Appointment.owner = NColumn(String, { nullable = false })
      engine:bind(Appointment)
      local appt = Appointment{ id = bloop.uuid4(), location = "Room 1", date = bloop.datetime.now() }
      assert.matches("Appointment.id does not allow nil", tostring(raises(function() appt.id = nil end)), 1, true)
      assert.matches("Tried to set location with invalid type number (expected string)",
        tostring(raises(function() appt.location = 3 end)), 1, true)
      assert.has_error(function() return Appointment{ id = bloop.uuid4(), location = 3 } end)
      engine:save(appt)
      appt.location = nil
      engine:save(appt)
      local back = Appointment{ id = appt.id }
      engine:load(back)
      assert.is_nil(back.location)
      assert.equal(appt.date, back.date)
      -- data already in the table that the hook would refuse (no owner: "does not allow
      -- nil") still loads: loading never runs the user's set hook
      assert.has_error(function() appt.owner = nil end)
      local again = Appointment{ id = appt.id }
      engine:load(again)
      assert.is_nil(again.owner)
    end)
  end)
end)
