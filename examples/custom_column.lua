-- custom_column.lua: Python bloop's "Customizing the Column Class": a Column subclass with
-- nullable / check_type options. Setting a nullable column to nil removes the attribute
-- from the item on the next save.
-- Run: BLOOP_ENDPOINT=http://127.0.0.1:8000 build/bin/bloop examples/custom_column.lua
local bloop = require("bloop")

local Column = bloop.Column:extend("Column")
function Column:init(typedef, opts)
  opts = opts or {}
  Column.super.init(self, typedef, opts)
  self.nullable = opts.nullable ~= false
  self.check_type = opts.check_type ~= false
end
function Column:set(obj, value)
  if value == nil then
    if not self.nullable then error(tostring(self) .. " does not allow nil", 2) end
  elseif self.check_type and not self.typedef:is_instance(value) then
    error(("Tried to set %s with invalid type %s (expected %s)")
      :format(self.name, bloop.typename(value), self.typedef.lua_type), 2)
  end
  Column.super.set(self, obj, value)
end

local endpoint = os.getenv("BLOOP_ENDPOINT")
local engine = bloop.Engine(endpoint and { endpoint = endpoint, region = "us-east-1",
  credentials = { access_key_id = "local", secret_access_key = "local" } } or {})

local table_name = "appointments-" .. os.time() .. "-" .. math.random(1e6)
local Appointment = bloop.Model:extend("Appointment", { table_name = table_name })
Appointment.id = Column(bloop.UUID, { hash_key = true, nullable = false })
Appointment.date = Column(bloop.DateTime)
Appointment.location = Column(bloop.String, { check_type = true })
engine:bind(Appointment)

-- a fixed id (rather than bloop.uuid4()) so that the output is the same every run
local id = bloop.uuid("0f8e2d4c-6b1a-4e39-9c57-2d4f6a8b0c13")
local appt = Appointment{ id = id, location = "Room 1" }

-- the errors carry the caller's file:line; printed without it
local function message(err) return (tostring(err):gsub("^[^:]*:%d+: ", "")) end
local ok, err = pcall(function() appt.id = nil end)
assert(not ok and message(err) == "Appointment.id does not allow nil", tostring(err))
print("appt.id = nil: " .. message(err))
ok, err = pcall(function() appt.location = 3 end)
assert(not ok and message(err):find("Tried to set location with invalid type", 1, true), tostring(err))
print("appt.location = 3: " .. message(err))
ok, err = pcall(Appointment, { id = id, location = 3 })
assert(not ok, "construction goes through Column:set too")
print("Appointment{ location = 3 }: " .. message(err))

-- the attributes DynamoDB holds for the item, read with the low-level client
local function stored()
  local item = engine.session.dynamodb_client:get_item{ TableName = table_name,
    Key = { id = { S = tostring(id) } }, ConsistentRead = true }.Item
  local names = {}
  for name in pairs(item) do names[#names + 1] = name end
  table.sort(names)
  return table.concat(names, ", ")
end

engine:save(appt)
print("after the first save, the item holds: " .. stored())
-- a nullable column set to nil is removed on the next save
appt.location = nil
engine:save(appt)
print("after appt.location = nil and a save, the item holds: " .. stored())
local back = Appointment{ id = id }
engine:load(back)
assert(back.location == nil, "location must be removed")
print("loaded back: location = " .. tostring(back.location))
