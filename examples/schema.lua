-- schema.lua: Python bloop's "Integrating with Marshmallow": a schema decides which fields each
-- consumer sees and checks what comes in. The public schema never shows the password or the
-- internal notes; the support staff's shows the notes, still not the password. Needs no
-- server: schemas dump and load objects, they do not talk to DynamoDB.
--   build/bin/bloop examples/schema.lua
local bloop = require("bloop")
local schema = require("bloop.schema")

local User = bloop.Model:extend("User", { table_name = "users" })
User.email = bloop.Column(bloop.String, { hash_key = true })
User.name = bloop.Column(bloop.String)
User.password = bloop.Column(bloop.String)
User.notes = bloop.Column(bloop.String)       -- internal: support staff only
User.age = bloop.Column(bloop.Integer)

local valid_email = function(v) return v:find("@", 1, true) ~= nil or "not an email address" end

-- what the public API reads and writes: the password goes in, never out; notes never at all
local Public = schema.from_model(User, {
  exclude = { "notes" },
  load_only = { "password" },
  validate = { email = valid_email },
})
-- what support staff see: the notes too, the password still never
local Staff = schema.from_model(User, { exclude = { "password" } })

local json = require("bloop.json")
local function show(label, t) print(label, json.encode(t, { sort_keys = true })) end

local ada = Public:load{ email = "ada@example.com", name = "Ada", password = "s3cret-pw", age = 36 }
ada.notes = "asked about billing"
print("loaded a " .. bloop.typename(ada) .. " named " .. ada.name .. ", password set: "
  .. tostring(ada.password == "s3cret-pw"))
show("public:", Public:dump(ada))
show("staff: ", Staff:dump(ada))
show("many:  ", Public:dump_many{ ada })

-- every problem at once, per field
local ok, err = pcall(Public.load, Public, { email = "nope", age = "old", pasword = "x" })
print("refused:", ok == false and err.name)
local names = {}
for field in pairs(err.fields) do names[#names + 1] = field end
table.sort(names)
for _, field in ipairs(names) do print("  " .. field .. ": " .. err.fields[field]) end
