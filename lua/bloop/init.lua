-- bloop: a DynamoDB object mapper. require("bloop") is the front door; the C core is
-- bloop.core, and the pieces live in bloop.* modules.
local core = require("bloop.core")
local errors = require("bloop.errors")
local client = require("bloop.client")

local bloop = {
  version = core.version,
  core = core,
  client = client.new,
  wrap_client = client.wrap_client,
  is = errors.is,
  errors = errors,
}

for name, cls in pairs(errors.classes) do bloop[name] = cls end

return bloop
