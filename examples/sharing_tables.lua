-- sharing_tables.lua: Python bloop's "Sharing Tables and Indexes": Employee and Manager share
-- one table and its by_level GSI, each projecting a subset of it. Manager names its columns
-- its own way (dynamo_name maps them onto the table's attributes). As Python bloop's Note says,
-- binding the two models to a fresh table fails: the first one bound creates the index with
-- only its own projection. Building the index first with a dummy model projecting both
-- (build_indexes) works.
-- Run: BLOOP_ENDPOINT=http://127.0.0.1:8000 build/bin/bloop examples/sharing_tables.lua
local bloop = require("bloop")
local Column, UUID, Integer, String, Set = bloop.Column, bloop.UUID, bloop.Integer, bloop.String, bloop.Set

local endpoint = os.getenv("BLOOP_ENDPOINT")
local engine = bloop.Engine(endpoint and { endpoint = endpoint, region = "us-east-1",
  credentials = { access_key_id = "local", secret_access_key = "local" } } or {})
-- fresh tables per run on a shared local server; on AWS this is just "employees-uk"
local run = endpoint and ("-" .. os.time() .. "-" .. math.random(1e6)) or ""

local function models(table_name)
  local Employee = bloop.Model:extend("Employee", { table_name = table_name })
  Employee.id = Column(UUID, { hash_key = true })
  Employee.level = Column(Integer)
  Employee.email = Column(String)
  Employee.manager_id = Column(UUID)
  Employee.by_level = bloop.GlobalSecondaryIndex{ projection = { "email" }, hash_key = "level" }

  local Manager = bloop.Model:extend("Manager", { table_name = table_name })
  Manager.id = Column(UUID, { hash_key = true })
  Manager.rank = Column(Integer, { dynamo_name = "level" })
  Manager.work_email = Column(String, { dynamo_name = "email" })
  Manager.manager_id = Column(UUID)
  Manager.directs = Column(Set(UUID))
  Manager.by_level = bloop.GlobalSecondaryIndex{ projection = { "directs" }, hash_key = "rank" }
  return Employee, Manager
end

-- The Note: Employee bound first creates by_level projecting email only; Manager then fails.
do
  local Employee, Manager = models("employees-uk-note" .. run)
  engine:bind(Employee)
  local ok, err = pcall(engine.bind, engine, Manager)
  assert(not ok and bloop.is(err, bloop.TableMismatch), "Manager must not bind")
  print("binding Employee then Manager to a fresh table: " .. err.name .. ":")
  print("  " .. err.message:match("\n%s*(.-)$"))   -- the difference, without the table name
end

-- Call before binding Employee or Manager
local table_name = "employees-uk" .. run
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

local Employee, Manager = models(table_name)
build_indexes(engine)
engine:bind(Employee)
engine:bind(Manager)
print("after build_indexes, Employee and Manager bind to one table")

-- fixed ids (rather than bloop.uuid4()) so that the output is the same every run
local boss = Manager{ id = bloop.uuid("7a0c5e1f-3d2b-4f68-8a91-b4c6d8e0f212"), rank = 7,
  work_email = "boss@example.com" }
local a = Employee{ id = bloop.uuid("1b3d5f7a-9c2e-4a6b-8d0f-1a3c5e7b9d01"), level = 3,
  email = "a@example.com", manager_id = boss.id }
local b = Employee{ id = bloop.uuid("2c4e6a8b-0d1f-4b3a-9e5c-7d9f1b3a5c02"), level = 3,
  email = "b@example.com", manager_id = boss.id }
boss.directs = { a.id, b.id }
engine:save(boss, a, b)

local emails = {}
for e in engine:query(Employee.by_level, { key = Employee.level:eq(3) }):iter() do
  emails[#emails + 1] = e.email
end
table.sort(emails)
assert(#emails == 2 and emails[1] == "a@example.com", "query by_level for employees")
print("level 3 employees: " .. table.concat(emails, ", "))

local m = engine:query(Manager.by_level, { key = Manager.rank:eq(7) }):one()
assert(#m.directs == 2 and m.directs:has(a.id), "query by_level for managers")
print("rank 7 manager has " .. #m.directs .. " directs")

-- Manager's columns are the same attributes as Employee's, under its own names
local as_employee = Employee{ id = boss.id }
engine:load(as_employee)
print(("the manager loaded as an Employee: level = %d, email = %s")
  :format(as_employee.level, as_employee.email))

-- Employee's by_level does not project manager_id: asking for it is refused before sending
local ok, err = pcall(engine.query, engine, Employee.by_level,
  { key = Employee.level:eq(3), projection = { "manager_id" } })
assert(not ok and bloop.is(err, bloop.InvalidSearch))
print("refused: " .. err.name .. ": " .. err.message)
