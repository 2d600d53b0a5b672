-- bloop.model / bloop.column / bloop.index: declarations, errors, instances, Column
-- subclasses, tostring. No network.
local bloop = require("bloop")
local helpers = require("spec.helpers")
local Column, UUID, Integer, String = bloop.Column, bloop.UUID, bloop.Integer, bloop.String

local function raises(fn)
  local ok, err = pcall(fn)
  assert(not ok, "expected an error")
  return err
end

local function employee(name)
  local Employee = bloop.Model:extend(name or "Employee", { table_name = "employees-uk" })
  Employee.id = Column(UUID, { hash_key = true })
  Employee.level = Column(Integer)
  Employee.email = Column(String)
  Employee.manager_id = Column(UUID, { dynamo_name = "mid" })
  Employee.by_level = bloop.GlobalSecondaryIndex{ projection = { "email" }, hash_key = "level" }
  return Employee
end

describe("bloop.Model", function()
  describe("extend", function()
    it("keeps columns in assignment order and computes Meta", function()
      local Employee = employee()
      local names = {}
      for i, c in ipairs(Employee.Meta.columns) do names[i] = c.name end
      assert.same({ "id", "level", "email", "manager_id" }, names)
      assert.equal(Employee.id, Employee.Meta.keys[1])
      assert.equal(1, #Employee.Meta.keys)
      assert.equal(Employee.id, Employee.Meta.hash_key)
      assert.is_nil(Employee.Meta.range_key)
      assert.equal(Employee.by_level, Employee.Meta.indexes[1])
      assert.equal(Employee.by_level, Employee.Meta.gsis[1])
      assert.equal("employees-uk", Employee.Meta.table_name)
      assert.equal(Employee.manager_id, Employee.Meta.columns_by_dynamo_name.mid)
    end)

    it("defaults table_name to the model's name", function()
      local M = bloop.Model:extend("Thing")
      assert.equal("Thing", M.Meta.table_name)
      assert.is_false(M.Meta.abstract)
    end)

    it("names columns and indexes on assignment", function()
      local Employee = employee()
      assert.equal("manager_id", Employee.manager_id.name)
      assert.equal("mid", Employee.manager_id.dynamo_name)
      assert.equal("level", Employee.level.dynamo_name)
      assert.equal("Employee.manager_id", tostring(Employee.manager_id))
      assert.equal("Employee.by_level", tostring(Employee.by_level))
      assert.equal("<Model Employee>", tostring(Employee))
    end)

    it("resolves index projections (bloop's included set)", function()
      local Employee = employee()
      Employee:validate()
      local names = {}
      for i, c in ipairs(Employee.by_level.projected) do names[i] = c.name end
      assert.same({ "id", "level", "email" }, names)
    end)

    it("rejects unknown Meta options", function()
      local err = raises(function() bloop.Model:extend("X", { tabel_name = "x" }) end)
      assert.equal("InvalidModel", err.name)
      assert.matches('X: unknown Meta option "tabel_name"', err.message, 1, true)
    end)

    it("copies a parent's columns into a subclass; the parent is untouched", function()
      local Base = bloop.Model:extend("Base", { abstract = true })
      Base.id = Column(String, { hash_key = true })
      Base.created = Column(bloop.DateTime)
      local User = Base:extend("User")
      User.email = Column(String)
      assert.equal(3, #User.Meta.columns)
      assert.equal(2, #Base.Meta.columns)
      assert.are_not.equal(Base.id, User.id)
      assert.equal("User.id", tostring(User.id))
      assert.equal(User.id, User.Meta.hash_key)
      assert.is_true(Base.Meta.abstract)
      assert.is_false(User.Meta.abstract)
      local err = raises(function() Base:validate() end)
      assert.equal("InvalidModel", err.name)
      assert.matches("Base is abstract", err.message, 1, true)
      User:validate()
    end)

    it("inherits methods defined on a model class", function()
      local Base = bloop.Model:extend("Base2", { abstract = true })
      function Base:greet() return "hi " .. self.name end
      local User = Base:extend("User2")
      User.name = Column(String, { hash_key = true })
      assert.equal("hi n", User{ name = "n" }:greet())
    end)
  end)

  describe("declaration errors name model and column", function()
    local cases = {
      { "no hash key", function()
          local M = bloop.Model:extend("NoHash")
          M.x = Column(String)
          M:validate()
        end, "NoHash: no hash key" },
      { "two hash keys", function()
          local M = bloop.Model:extend("TwoHash")
          M.a = Column(String, { hash_key = true })
          M.b = Column(String, { hash_key = true })
        end, 'TwoHash: two hash keys: "a" and "b"' },
      { "two range keys", function()
          local M = bloop.Model:extend("TwoRange")
          M.a = Column(String, { range_key = true })
          M.b = Column(String, { range_key = true })
        end, 'TwoRange: two range keys: "a" and "b"' },
      { "one dynamo_name twice", function()
          local M = bloop.Model:extend("Dup")
          M.a = Column(String, { hash_key = true, dynamo_name = "x" })
          M.b = Column(String, { dynamo_name = "x" })
        end, 'Dup: columns "a" and "b" have one dynamo_name "x"' },
      { "Meta assigned after declaration", function()
          local M = bloop.Model:extend("MetaAfter")
          M.Meta = { table_name = "other" }
        end, "MetaAfter: Meta is given to extend(name, meta), not assigned" },
      { "Meta assigned nil", function()
          local M = bloop.Model:extend("MetaNil")
          M.Meta = nil
        end, "MetaNil: Meta is given to extend(name, meta), not assigned" },
      { "a column named Meta", function()
          local M = bloop.Model:extend("MetaCol")
          M.Meta = Column(String)
        end, 'MetaCol: a column named "Meta" would hide MetaCol.Meta; choose another name '
          .. "(dynamo_name = \"Meta\" keeps the attribute's name)" },
      { "a column named new", function()
          local M = bloop.Model:extend("NewCol")
          M.new = Column(String)
        end, 'NewCol: a column named "new" would hide Model.new; choose another name '
          .. "(dynamo_name = \"new\" keeps the attribute's name)" },
      { "a column named extend", function()
          local M = bloop.Model:extend("ExtendCol")
          M.extend = Column(String)
        end, 'ExtendCol: a column named "extend" would hide Model.extend' },
      { "a column named validate", function()
          local M = bloop.Model:extend("ValidateCol")
          M.validate = Column(String)
        end, 'ValidateCol: a column named "validate" would hide Model.validate' },
      { "a column named like a parent's method", function()
          local Base = bloop.Model:extend("MethodBase")
          function Base:greet() return "hi" end
          local M = Base:extend("MethodSub")
          M.greet = Column(String)
        end, 'MethodSub: a column named "greet" would hide MethodBase.greet' },
      { "an index named new", function()
          local M = bloop.Model:extend("NewIdx")
          M.id = Column(String, { hash_key = true })
          M.new = bloop.GlobalSecondaryIndex{ projection = "keys", hash_key = "id" }
        end, 'NewIdx: an index named "new" would hide Model.new' },
      { "index key that is not a column", function()
          local M = bloop.Model:extend("BadIdx")
          M.id = Column(String, { hash_key = true })
          M.by_x = bloop.GlobalSecondaryIndex{ projection = "keys", hash_key = "x" }
          M:validate()
        end, 'BadIdx: index "by_x": hash key "x" is not a column' },
      { "LSI hash key other than the table's", function()
          local M = bloop.Model:extend("BadLsi")
          M.id = Column(String, { hash_key = true })
          M.sk = Column(String, { range_key = true })
          M.other = Column(String)
          M.d = Column(String)
          M.by_d = bloop.LocalSecondaryIndex{ projection = "keys", hash_key = "other", range_key = "d" }
          M:validate()
        end, 'BadLsi: index "by_d": an LSI\'s hash key must be the table\'s ("id"), not "other"' },
      { "LSI on a table without range key", function()
          local M = bloop.Model:extend("LsiNoRange")
          M.id = Column(String, { hash_key = true })
          M.d = Column(String)
          M.by_d = bloop.LocalSecondaryIndex{ projection = "keys", range_key = "d" }
          M:validate()
        end, "LsiNoRange: index \"by_d\": an LSI needs a table with a range key" },
      { "projection naming an unknown column", function()
          local M = bloop.Model:extend("BadProj")
          M.id = Column(String, { hash_key = true })
          M.level = Column(Integer)
          M.by_level = bloop.GlobalSecondaryIndex{ projection = { "directs" }, hash_key = "level" }
          M:validate()
        end, 'BadProj: index "by_level": projection names "directs", which is not a column' },
      { "a key that is not S, N or B", function()
          local M = bloop.Model:extend("BoolKey")
          M.id = Column(bloop.Boolean, { hash_key = true })
          M:validate()
        end, 'BoolKey: column "id": a key must be S, N or B (got BOOL)' },
      { "a TTL column that is not a number", function()
          local M = bloop.Model:extend("BadTtl", { ttl = { column = "exp" } })
          M.id = Column(String, { hash_key = true })
          M.exp = Column(bloop.DateTime)
          M:validate()
        end, 'BadTtl: ttl column "exp" must be N (epoch seconds; got S)' },
      { "a version column that is not a number", function()
          local M = bloop.Model:extend("BadVersion")
          M.id = Column(String, { hash_key = true })
          M.v = Column(String, { version = true })
          M:validate()
        end, 'BadVersion: column "v": a version column must be N (got S)' },
      { "a stream mixing keys and images", function()
          local M = bloop.Model:extend("BadStream", { stream = { include = { "keys", "new" } } })
          M.id = Column(String, { hash_key = true })
          M:validate()
        end, 'BadStream: Meta.stream.include: "keys" cannot be combined' },
      { "a version column that is a key", function()
          local M = bloop.Model:extend("KeyVersion")
          M.id = Column(Integer, { hash_key = true, version = true })
        end, 'KeyVersion: column "id": a version column cannot be a key' },
      { "two version columns", function()
          local M = bloop.Model:extend("TwoVersions")
          M.id = Column(String, { hash_key = true })
          M.a = Column(Integer, { version = true })
          M.b = Column(Integer, { version = true })
        end, 'TwoVersions: two version columns: "a" and "b"' },
      { "a GSI key that is not S, N or B", function()
          local M = bloop.Model:extend("BoolIdx")
          M.id = Column(String, { hash_key = true })
          M.flag = Column(bloop.Boolean)
          M.by_flag = bloop.GlobalSecondaryIndex{ projection = "keys", hash_key = "flag" }
          M:validate()
        end, 'BoolIdx: index "by_flag": hash key column "flag" must be S, N or B (got BOOL)' },
      { "two indexes with one dynamo_name", function()
          local M = bloop.Model:extend("DupIdx")
          M.id = Column(String, { hash_key = true })
          M.a = Column(String)
          M.i1 = bloop.GlobalSecondaryIndex{ projection = "keys", hash_key = "a", dynamo_name = "x" }
          M.i2 = bloop.GlobalSecondaryIndex{ projection = "keys", hash_key = "a", dynamo_name = "x" }
          M:validate()
        end, 'DupIdx: indexes "i1" and "i2" have one dynamo_name "x"' },
      { "units with on-demand billing", function()
          local M = bloop.Model:extend("OnDemandUnits", { billing = { mode = "on_demand" }, read_units = 5 })
          M.id = Column(String, { hash_key = true })
          M:validate()
        end, "OnDemandUnits: units given with on-demand billing" },
      { "a column both hash and range key", function()
          Column(String, { hash_key = true, range_key = true })
        end, "Column: hash_key and range_key are exclusive" },
      { "a GSI without hash key", function()
          bloop.GlobalSecondaryIndex{ projection = "keys" }
        end, "GlobalSecondaryIndex: hash_key is required" },
      { "an LSI with units", function()
          bloop.LocalSecondaryIndex{ projection = "keys", range_key = "x", read_units = 1 }
        end, "LocalSecondaryIndex: an LSI shares the table's units" },
      { "a bad projection", function()
          bloop.GlobalSecondaryIndex{ projection = "some", hash_key = "x" }
        end, 'GlobalSecondaryIndex: projection must be "keys", "all" or a list of columns (got "some")' },
    }
    for _, case in ipairs(cases) do
      it(case[1], function()
        local err = raises(case[2])
        assert.equal("InvalidModel", err.name)
        assert.is_true(bloop.is(err, bloop.InvalidModel))
        assert.matches(case[3], err.message, 1, true)
      end)
    end

    it("keeps Meta and methods after a refused assignment", function()
      local M = bloop.Model:extend("Kept", { table_name = "kept" })
      M.id = Column(String, { hash_key = true })
      raises(function() M.Meta = {} end)
      raises(function() M.new = Column(String) end)
      assert.equal("kept", M.Meta.table_name)
      assert.equal(M.Meta, M{ id = "a" }.Meta)
      assert.equal("a", M:new{ id = "a" }.id)
      assert.equal(1, #M.Meta.columns)
      -- a column may keep such a name on the wire
      M.new_ = Column(String, { dynamo_name = "new" })
      assert.equal("new", M.new_.dynamo_name)
    end)

    it("checks declarations through the C model descriptor too", function()
      local Employee = employee("EmployeeC")
      Employee:validate()
      assert.equal("bloop.CModel(EmployeeC)", tostring(Employee.Meta._cmodel))
      assert.equal("employees-uk", Employee.Meta._cmodel:table_name())
    end)
  end)

  describe("instances", function()
    it("construct through fields and defaults; Meta is the model's", function()
      local M = bloop.Model:extend("WithDefault")
      M.id = Column(String, { hash_key = true })
      M.n = Column(Integer, { default = 7 })
      local calls = 0
      M.tags = Column(bloop.Set(String), { default = function() calls = calls + 1 return bloop.set{ "x" } end })
      local a, b = M{ id = "a" }, M{ id = "b", n = 1 }
      assert.equal(7, a.n)
      assert.equal(1, b.n)
      assert.equal(2, calls)
      assert.is_false(rawequal(a.tags, b.tags))
      assert.equal(M.Meta, a.Meta)
    end)

    -- Model{...} is made in C when every part is plain (src/lua/lobject.c) and by Column:set
    -- otherwise; a connected object_modified receiver forces the second way, so each case
    -- is made both ways and must come out the same: values, marks, or the error.
    it("construct the same in C and through Column:set, whatever the fields", function()
      local column = require("bloop.column")
      local Plain = bloop.Model:extend("Plain")
      Plain.id = Column(String, { hash_key = true })
      Plain.n = Column(Integer, { default = 7 })
      Plain.s = Column(bloop.Set(String))
      Plain.l = Column(bloop.List(Integer), { default = {} })
      local Called = bloop.Model:extend("Called")
      Called.id = Column(String, { hash_key = true })
      Called.n = Column(Integer, { default = 7 })
      Called.f = Column(Integer, { default = function() return 9 end })
      Called.s = Column(bloop.Set(String))
      local cases = {
        { id = "a" }, {}, { id = "a", n = 1, s = bloop.set{ "x" }, l = { 1 } }, { f = 2 },
        { id = "a", n = bloop.actions.add(1) }, { id = "a", [1] = "x" }, { nope = 1 },
        setmetatable({ id = "a" }, { __index = function(_, k) if k == "n" then return 5 end end }),
      }
      local function make(M, fields)
        local ok, obj = pcall(M, fields)
        if not ok then return { error = tostring(obj) } end
        local data, marked = {}, {}
        for k, v in pairs(rawget(obj, column.DATA)) do data[k] = v end
        for k, v in pairs(rawget(obj, column.MARKED)) do marked[k] = v end
        return { data = data, marked = marked, meta = getmetatable(obj) }
      end
      for _, M in ipairs({ Plain, Called }) do
        for i, fields in ipairs(cases) do
          local fast = make(M, fields)
          local fn = bloop.signals.object_modified:connect(function() end)
          local slow = make(M, fields)
          bloop.signals.object_modified:disconnect(fn)
          assert.same(slow, fast, M.Meta.name .. " case " .. i)
        end
        assert.equal(5, M(cases[8]).n)
      end
    end)

    -- Which columns have a default is read with the rest of how the columns store (once,
    -- at the first instance after the columns change); the default's value is read for
    -- each new instance. Both ways of making one agree.
    it("takes defaults given in the column's options, in C and through Column:set alike", function()
      local Late = bloop.Model:extend("Late")
      Late.id = Column(String, { hash_key = true })
      Late.n = Column(Integer, { default = 1 })
      Late.m = Column(Integer)
      assert.equal(1, Late{ id = "first" }.n)
      Late.n.default = 2      -- a new value of a declared default: used
      Late.m.default = 3      -- no default when declared: none
      local fast = Late{ id = "a" }
      local fn = bloop.signals.object_modified:connect(function() end)
      local slow = Late{ id = "a" }
      bloop.signals.object_modified:disconnect(fn)
      for _, o in ipairs({ fast, slow }) do
        assert.equal(2, o.n)
        assert.is_nil(o.m)
      end
    end)

    it("tostring shows model and keys", function()
      local T = bloop.Model:extend("Tweet")
      T.account = Column(String, { hash_key = true })
      T.id = Column(Integer, { range_key = true })
      T.text = Column(String)
      assert.equal('Tweet(account="a", id=3)', tostring(T{ account = "a", id = 3, text = "x" }))
    end)

    it("refuses fields that are not columns", function()
      local Employee = employee()
      local err = raises(function() return Employee{ idd = 1 } end)
      assert.matches("Employee has no column idd", tostring(err), 1, true)
    end)

    it("reads unset columns as nil and refuses assigning what is no column", function()
      local Employee = employee()
      local e = Employee{}
      assert.is_nil(e.email)
      helpers.misuse(function() e.note = "local only" end, "Employee has no column note")
      assert.is_nil(rawget(e, "note"))
      helpers.misuse(function() e.by_level = 1 end)
    end)

    it("suggests the column a misspelt name was meant to be, on assignment and construction", function()
      local Employee = employee()
      local e = Employee{}
      helpers.misuse(function() e.emial = "x" end, 'Employee has no column emial (did you mean "email"?)')
      assert.is_nil(rawget(e, "emial"))
      assert.is_nil(e.email)
      helpers.misuse(function() return Employee{ emial = "x" } end,
        'Employee has no column emial (did you mean "email"?)')
      helpers.misuse(function() return Employee{ manager = "x" } end, "Employee has no column manager")
    end)

    it("sends object_modified on assignment", function()
      local Employee = employee()
      local seen = {}
      local fn = bloop.signals.object_modified:connect(function(args)
        seen[#seen + 1] = args.column.name .. "=" .. tostring(args.value)
      end)
      local e = Employee{ level = 1 }
      e.level = 2
      bloop.signals.object_modified:disconnect(fn)
      e.level = 3
      assert.same({ "level=1", "level=2" }, seen)
    end)

    it("sends model_created when a model is declared", function()
      local made = {}
      local fn = bloop.signals.model_created:connect(function(args) made[#made + 1] = args.model end)
      local M = bloop.Model:extend("Created")
      local Sub = M:extend("CreatedSub")
      bloop.signals.model_created:disconnect(fn)
      assert.same({ M, Sub }, made)
    end)
  end)

  describe("Column", function()
    it("requires a type", function()
      local err = raises(function() Column(nil) end)
      assert.equal("InvalidModel", err.name)
    end)

    it("accepts a type class or instance", function()
      assert.equal("S", Column(String).typedef.backing_type)
      assert.equal("SS", Column(bloop.Set(String)).typedef.backing_type)
    end)

    it("builds conditions and document paths", function()
      local User = bloop.Model:extend("User")
      User.id = Column(String, { hash_key = true })
      User.age = Column(Integer)
      User.data = Column(bloop.Map{ address = bloop.Map{ lines = bloop.List(String) } })
      assert.equal("((User.age >= 18) AND (attribute_not_exists(User.id)))",
        tostring(User.age:ge(18) & User.id:is_(nil)))
      assert.equal('(User.data.address.lines[1] = "x")', tostring(User.data["address"]["lines"][1]:eq("x")))
      assert.equal("InvalidCondition", raises(function() return User.age.whatever end).name)
    end)

    describe("a subclass (the seed's nullable / check_type Column)", function()
      local NColumn = Column:extend("Column")
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
      local Appointment = bloop.Model:extend("Appointment")
      Appointment.id = NColumn(UUID, { hash_key = true, nullable = false })
      Appointment.date = NColumn(bloop.DateTime)
      Appointment.location = NColumn(String, { check_type = true })

      it("validates assignment", function()
        local appt = Appointment{ id = bloop.uuid4() }
        assert.matches("Appointment.id does not allow nil", tostring(raises(function() appt.id = nil end)), 1, true)
        assert.matches("Tried to set location with invalid type number (expected string)",
          tostring(raises(function() appt.location = 3 end)), 1, true)
        appt.location = "Room 1"
        assert.equal("Room 1", appt.location)
        appt.location = nil
        assert.is_nil(appt.location)
      end)

      it("validates construction", function()
        assert.matches("Tried to set location",
          tostring(raises(function() return Appointment{ id = bloop.uuid4(), location = 3 } end)), 1, true)
      end)

      it("keeps its options and is still a Column", function()
        assert.is_false(Appointment.id.nullable)
        assert.is_true(Appointment.date.nullable)
        assert.is_true(Appointment.id.hash_key)
        assert.equal(Appointment.id, Appointment.Meta.hash_key)
        assert.equal("Appointment.location", tostring(Appointment.location))
      end)
    end)
  end)
end)

describe("bloop.signals", function()
  it("connects, sends in order and disconnects", function()
    local s = bloop.signals.Signal("test")
    local out = {}
    local f1 = s:connect(function(a) out[#out + 1] = "1" .. a.x end)
    s:connect(function(a) out[#out + 1] = "2" .. a.x end)
    s:send{ x = "a" }
    assert.is_true(s:disconnect(f1))
    s:send{ x = "b" }
    assert.same({ "1a", "2a", "2b" }, out)
  end)

  it("has bloop's signals", function()
    for _, n in ipairs{ "before_create_table", "model_bound", "model_validated", "object_loaded",
      "object_saved", "object_deleted", "object_modified" } do
      assert.equal("bloop.Signal(" .. n .. ")", tostring(bloop.signals[n]))
    end
  end)
end)

describe("iterating a model object", function()
  local Item = bloop.Model:extend("IterItem", { table_name = "iter-items" })
  Item.id = Column(String, { hash_key = true })
  Item.items = Column(Integer)   -- a column may be named items: iteration must not collide
  Item.note = Column(String)

  local function collect(iter, state, init)
    local out = {}
    for k, v in iter, state, init do out[#out + 1] = { k, v } end
    return out
  end

  it("pairs(obj) yields the columns that have a value, in declaration order, nothing else", function()
    local obj = Item{ note = "n", id = "a" }
    assert.are.same({ { "id", "a" }, { "note", "n" } }, collect(pairs(obj)))
    obj.items = 3
    assert.are.same({ { "id", "a" }, { "items", 3 }, { "note", "n" } }, collect(pairs(obj)))
  end)

  it("bloop.items(obj) gives the same, whatever the columns are named", function()
    local obj = Item{ id = "a", items = 2 }
    assert.are.equal(2, obj.items)   -- the column, not a method
    assert.are.same({ { "id", "a" }, { "items", 2 } }, collect(bloop.items(obj)))
  end)

  it("bloop.items refuses what is not a model object", function()
    local err = raises(function() bloop.items({}) end)
    assert.is_true(bloop.is(err, bloop.InvalidArgument))
    assert.matches("model_spec%.lua:%d+: bloop%.items%(obj%): obj must be a model object", err.message)
  end)
end)
