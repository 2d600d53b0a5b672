-- custom_column.lua: the seed's "Customizing the Column Class": nullable / check_type.
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

local Appointment = bloop.Model:extend("Appointment",
  { table_name = "appointments-" .. os.time() .. "-" .. math.random(1e6) })
Appointment.id = Column(bloop.UUID, { hash_key = true, nullable = false })
Appointment.date = Column(bloop.DateTime)
Appointment.location = Column(bloop.String, { check_type = true })
engine:bind(Appointment)

local appt = Appointment{ id = bloop.uuid4(), location = "Room 1" }

local ok, err = pcall(function() appt.id = nil end)
assert(not ok and tostring(err):find("Appointment.id does not allow nil", 1, true), tostring(err))
print(err)
ok, err = pcall(function() appt.location = 3 end)
assert(not ok and tostring(err):find("Tried to set location with invalid type", 1, true), tostring(err))
print(err)
ok, err = pcall(Appointment, { id = bloop.uuid4(), location = 3 })
assert(not ok, "construction goes through Column:set too")
print("construction: " .. tostring(err))

engine:save(appt)
-- a nullable column set to nil is removed on the next save
appt.location = nil
engine:save(appt)
local back = Appointment{ id = appt.id }
engine:load(back)
assert(back.location == nil, "location must be removed")
print("location removed on save: " .. tostring(back))
