-- bloop.class: the small class system behind Column, indexes and Model-adjacent objects.
--
--   local Column = bloop.Column:extend("Column")       -- a subclass
--   function Column:init(typedef, opts) Column.super.init(self, typedef, opts) end
--   local c = Column(String, { nullable = false })     -- calling a class makes an instance
--
-- A class is its own instances' metatable: metamethods defined on a class (`__tostring`,
-- `__band`, ...) are copied down to subclasses when they are made, since Lua looks
-- metamethods up with rawget. `Class.super` is the parent; `Class.class_name` the class name
-- (not `name`, which instances such as columns use).
-- Owns: class creation and instantiation. Does not own: models (bloop.model has its own
-- metatables, because model classes also record their columns on assignment).
local errors = require("bloop.errors")

local M = {}

local metamethods = { "__tostring", "__band", "__bor", "__bnot", "__eq", "__lt", "__le",
  "__call", "__len", "__concat", "__close", "__name", "__unm" }

local function instantiate(cls, ...)
  local obj = setmetatable({}, cls)
  local init = cls.init
  if init then init(obj, ...) end
  return obj
end

local function make(name, parent)
  local cls = {}
  cls.__index = function(obj, key)
    -- instance lookup: class chain first, then the class's own __getindex hook (columns use
    -- it for document paths, `User.data["address"]`)
    local v = cls[key]
    if v ~= nil then return v end
    local hook = cls.__getindex
    if hook then return hook(obj, key) end
    return nil
  end
  cls.class_name = name  -- not `name`: instances (columns) use that field
  cls.super = parent
  if parent then
    for _, mm in ipairs(metamethods) do
      local v = rawget(parent, mm)
      if v ~= nil and mm ~= "__name" then cls[mm] = v end
    end
  end
  cls.__name = "bloop." .. name
  setmetatable(cls, {
    __index = parent,
    __call = instantiate,
    __tostring = function() return "<class " .. name .. ">" end,
  })
  return cls
end

-- class(name, parent) -> a new class.
function M.class(name, parent) return make(name, parent) end

-- Class:extend(name): a subclass (installed as a method by M.base).
function M.extend(cls, name)
  if type(name) ~= "string" then errors.argerror(1, "extend: a class name is required") end
  return make(name, cls)
end

-- isinstance(obj, cls): obj's class is cls or a subclass of it.
function M.isinstance(obj, cls)
  if type(obj) ~= "table" then return false end
  local mt = getmetatable(obj)
  while mt do
    if mt == cls then return true end
    mt = rawget(mt, "super")
  end
  return false
end

return M
