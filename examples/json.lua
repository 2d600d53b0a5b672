-- json.lua: Python bloop's "Json Serialization": objects to JSON for other systems, and back.
-- Run: build/bin/bloop examples/json.lua   (no DynamoDB needed: nothing is saved)
local bloop = require("bloop")
local json = require("bloop.json")
local Column = bloop.Column

local User = bloop.Model:extend("User")
User.id = Column(bloop.UUID, { hash_key = true })
User.email = Column(bloop.String)
User.joined = Column(bloop.DateTime)
User.balance = Column(bloop.Number)
User.avatar = Column(bloop.Binary)
User.roles = Column(bloop.Set(bloop.String))
User.address = Column(bloop.Map{ street = bloop.String, zip = bloop.String })
User.prefs = Column(bloop.DynamicMap)
User.notes = Column(bloop.String)

local user = User{
  id = bloop.uuid("6f1c1e2a-4a43-4b52-9a53-0c4d3e2b1a10"),
  email = "ada@example.com",
  joined = bloop.datetime.parse("2024-02-29T12:34:56.5Z"),
  balance = bloop.decimal("1234.5678901234567890123"),
  avatar = "\137PNG",
  roles = bloop.set{ "writer", "admin" },
  address = { street = "1 Analytical Way", zip = "N1" },
  prefs = { theme = "dark", sizes = { 10, 12 } },
}

print("-- compact (defaults: use_float = true, explicit_none = false):")
print(json.encode(user))

print("-- indent = 2, sort_keys = true, explicit_none = true (notes is absent: null):")
print(json.encode(user, { indent = 2, sort_keys = true, explicit_none = true }))

print("-- use_float = false keeps the decimal exact:")
local exact = json.encode(user, { use_float = false })
print(exact)

print("-- decode(User, text) builds the object back through the column types:")
local copy = json.decode(User, exact)
print(tostring(copy), copy.balance, copy.joined, copy.roles, copy.avatar == "\137PNG")
print("same JSON again:", json.encode(copy, { use_float = false }) == exact)

print("-- models inside lists and maps:")
local other = User{ id = bloop.uuid("00000000-0000-4000-8000-000000000001"), email = "bob@example.com" }
print(json.encode({ users = { user, other }, count = 2 }, { sort_keys = true }):sub(1, 120) .. "...")

print("-- serialize gives the same as plain Lua tables (hand them to any JSON library):")
local plain = json.serialize(other)
print(plain.id, plain.email, require("cjson").encode(plain):len() > 0)
