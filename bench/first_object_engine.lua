-- Cold start through the engine: a fresh process that loads bloop, makes an Engine, declares
-- the model, binds it without table setup, and loads one object.
-- Usage: bloop bench/first_object_engine.lua ENDPOINT TABLE
local bloop = require("bloop")
local engine = bloop.Engine{ endpoint = arg[1], region = "us-east-1",
  credentials = { access_key_id = "bench", secret_access_key = "bench" } }
local User = dofile((arg[0]:match("^(.*)/") or ".") .. "/models.lua")(arg[2])
engine:bind(User, { skip_table_setup = true })
local u = User{ id = "user-0" }
engine:load(u)
assert(u.name == "name 0" and u.ok == true, "the first object loaded")
