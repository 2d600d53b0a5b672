-- bloop.errors: the error classes every bloop method raises.
--
-- An error is a table with `name`, `message` and, where DynamoDB answered, `code`,
-- `status` and `request_id` (plus `attempts` and `retried`). The C binding builds the
-- tables; this module owns the classes, their hierarchy and `tostring`. Errors are raised,
-- never returned, so a forgotten check cannot turn a failure into a silent success.
local core = require("bloop.core")

local errors = { classes = {} }

local function describe(err)
  local parts = { err.name or "Error" }
  if err.code and err.code ~= err.name then parts[#parts + 1] = err.code end
  local line = table.concat(parts, ": ") .. ": " .. tostring(err.message or "")
  local extra = {}
  if err.status then extra[#extra + 1] = "HTTP " .. err.status end
  if err.request_id then extra[#extra + 1] = "request id " .. err.request_id end
  if err.attempts and err.attempts > 1 then extra[#extra + 1] = err.attempts .. " attempts" end
  if #extra > 0 then line = line .. " (" .. table.concat(extra, ", ") .. ")" end
  return line
end

-- Declares a class. `parent` is a class or nil.
local function class(name, parent)
  local cls = { name = name, parent = parent }
  cls.__index = cls
  cls.__name = "bloop." .. name
  cls.__tostring = describe
  if parent then setmetatable(cls, { __index = parent }) end
  -- cls{ message = ..., ... } builds an instance; cls.message is the default message.
  cls.new = function(self, fields)
    fields = fields or {}
    fields.name = name
    return setmetatable(fields, cls)
  end
  errors.classes[name] = cls
  core.register_error_class(name, cls)
  return cls
end

local BloopError = class("BloopError")
class("ClientError", BloopError)
class("ConfigurationError", BloopError)
class("InvalidRequest", BloopError)
class("InvalidValue", BloopError)
class("ConstraintViolation", BloopError)
class("MissingObjects", BloopError)
class("TableMismatch", BloopError)
class("TransactionCanceled", BloopError)
class("InvalidModel", BloopError)
class("InvalidCondition", BloopError)
class("InvalidSearch", BloopError)
class("InvalidStream", BloopError)
class("RecordsExpired", BloopError)

-- is(err, Class): err is an instance of Class or of one of its subclasses.
function errors.is(err, cls)
  if type(err) ~= "table" or type(cls) ~= "table" then return false end
  local mt = getmetatable(err)
  while mt do
    if mt == cls then return true end
    mt = mt.parent
  end
  return false
end

-- raise(Class, message, fields, level): raises a new instance of Class.
function errors.raise(cls, message, fields, level)
  fields = fields or {}
  fields.message = message
  error(cls:new(fields), level or 2)
end

return errors
