-- Cold start: a fresh process that loads bloop, connects and loads one object.
local bloop = require("bloop")
local c = bloop.client("dynamodb", { endpoint = arg[1], region = "us-east-1",
  credentials = { access_key_id = "bench", secret_access_key = "bench" } })
assert(c:get_item{ TableName = arg[2], Key = { id = { S = "user-0" } } }.Item)
