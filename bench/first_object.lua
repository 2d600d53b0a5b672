-- Cold start through the low-level client: a fresh process that loads bloop, makes a client
-- and gets one item (no model: this row shows what the engine layer adds).
-- Usage: bloop bench/first_object.lua ENDPOINT TABLE
local bloop = require("bloop")
local c = bloop.client("dynamodb", { endpoint = arg[1], region = "us-east-1",
  credentials = { access_key_id = "bench", secret_access_key = "bench" } })
assert(c:get_item{ TableName = arg[2], Key = { id = { S = "user-0" } } }.Item.name.S == "name 0")
