-- sharing_tables.lua: the seed's "Sharing Tables and Indexes": Employee and Manager share
-- the employees-uk table and its by_level GSI, each projecting a subset of it. The index
-- is built first by a dummy model projecting both (build_indexes), as the seed says.
-- Run: BLOOP_ENDPOINT=http://127.0.0.1:8000 build/bin/bloop examples/sharing_tables.lua
local bloop = require("bloop")
local Column, UUID, Integer, String, Set = bloop.Column, bloop.UUID, bloop.Integer, bloop.String, bloop.Set

local endpoint = os.getenv("BLOOP_ENDPOINT")
local engine = bloop.Engine(endpoint and { endpoint = endpoint, region = "us-east-1",
  credentials = { access_key_id = "local", secret_access_key = "local" } } or {})
-- a fresh table per run on a shared local server; on AWS this is just "employees-uk"
local table_name = endpoint and ("employees-uk-" .. os.time() .. "-" .. math.random(1e6)) or "employees-uk"

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

-- Call before binding Employee or Manager
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
print("Employee and Manager bound to " .. table_name)

local boss = Manager{ id = bloop.uuid4(), level = 7, email = "boss@example.com" }
local a = Employee{ id = bloop.uuid4(), level = 3, email = "a@example.com", manager_id = boss.id }
local b = Employee{ id = bloop.uuid4(), level = 3, email = "b@example.com", manager_id = boss.id }
boss.directs = { a.id, b.id }
engine:save(boss, a, b)

local emails = {}
for e in engine:query(Employee.by_level, { key = Employee.level:eq(3) }):iter() do
  emails[#emails + 1] = e.email
end
table.sort(emails)
assert(#emails == 2 and emails[1] == "a@example.com", "query by_level for employees")
print("level 3 employees: " .. table.concat(emails, ", "))

local m = engine:query(Manager.by_level, { key = Manager.level:eq(7) }):one()
assert(#m.directs == 2 and m.directs:has(a.id), "query by_level for managers")
print("level 7 manager has " .. #m.directs .. " directs")

-- Employee's by_level does not project directs: asking for it is refused before sending
local ok, err = pcall(engine.query, engine, Employee.by_level,
  { key = Employee.level:eq(3), projection = { "manager_id" } })
assert(not ok and bloop.is(err, bloop.InvalidSearch))
print("refused: " .. tostring(err))
