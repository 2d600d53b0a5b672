-- bloop.transaction: engine:transaction("w" | "r").
--
--   local tx = engine:transaction("w")
--   tx:save(order, { condition = Order.status:eq("new") })
--   tx:delete(cart)
--   tx:check(account, Account.active:eq(true))
--   tx:commit()                 -- TransactWriteItems; raises bloop.TransactionCanceled
--
--   local rx = engine:transaction("r")
--   rx:load(a, b):commit()      -- TransactGetItems; raises bloop.MissingObjects
--
--   engine:transaction("w", function(tx) tx:save(a) end)   -- commits when fn returns
--
-- Requests are built by the C core (include/bloop/txn.h) from the same items, previous
-- states and conditions engine:save / engine:delete use, through the engine's own helpers.
-- A write transaction is rendered on its first commit: committing it again sends the same
-- request with the same ClientRequestToken, so DynamoDB applies it at most once (for ten
-- minutes after the first commit; later, committing it again raises: build a new one).
-- HTTP retries inside one commit resend that same request too.
local core = require("bloop.core")
local errors = require("bloop.errors")
local signals = require("bloop.signals")
local model_mod = require("bloop.model")

local E = errors.classes
local model_of = model_mod.model_of

local M = { MAX_ACTIONS = 100, TOKEN_SECONDS = 570 }

local Transaction = {}
Transaction.__index = Transaction
Transaction.__name = "bloop.Transaction"

local REASONS = {
  None = nil,
  ConditionalCheckFailed = "the condition was not met",
  TransactionConflict = "another request was changing the item",
  ItemCollectionSizeLimitExceeded = "the item collection is full",
  ProvisionedThroughputExceeded = "throughput was exceeded",
  ThrottlingError = "the request was throttled",
  ValidationError = "the action is invalid",
}

function M.new(engine, mode, internal, fn)
  if mode ~= "w" and mode ~= "r" then
    errors.argerror(1, ('engine:transaction: mode must be "w" or "r" (got %s)')
      :format(tostring(mode)))
  end
  local tx = setmetatable({ engine = engine, mode = mode, internal = internal, entries = {},
    prepared = nil }, Transaction)
  if fn ~= nil then
    if type(fn) ~= "function" then
      errors.argerror(nil, "engine:transaction: the second argument must be a function")
    end
    fn(tx)
    tx:commit()
  end
  return tx
end

function Transaction:__tostring()
  return ("bloop.Transaction(%s, %d actions)"):format(self.mode, #self.entries)
end

local function add(self, op, kind, obj, opts)
  if self.prepared then
    errors.argerror(nil, ("transaction:%s: the transaction was already committed"):format(op))
  end
  if #self.entries >= M.MAX_ACTIONS then
    errors.raise(E.InvalidRequest, ("transaction:%s: a transaction holds at most %d actions")
      :format(op, M.MAX_ACTIONS), { obj = obj })
  end
  self.entries[#self.entries + 1] = { kind = kind, obj = obj, opts = opts }
end

local function writing(self, op)
  if self.mode ~= "w" then
    errors.argerror(nil, ("transaction:%s: this is a read transaction"):format(op))
  end
end

-- tx:save and tx:delete: op is "save" or "delete".
local function write(self, op, ...)
  writing(self, op)
  local objs, opts = self.internal.split_args("transaction", op, ...)
  for k in pairs(opts) do
    if k ~= "condition" and k ~= "atomic" then
      errors.argerror(nil, ("transaction:%s: unknown option %q"):format(op, tostring(k)))
    end
  end
  for _, obj in ipairs(objs) do add(self, op, op, obj, opts) end
  return self
end

-- tx:save(obj, ..., { condition = }) : an Update with the object's changes (as engine:save).
function Transaction:save(...) return write(self, "save", ...) end

-- tx:delete(obj, ..., { condition = })
function Transaction:delete(...) return write(self, "delete", ...) end

-- tx:check(obj, condition): a ConditionCheck (the object is not written).
function Transaction:check(obj, condition)
  writing(self, "check")
  if not model_of(obj) then
    errors.argerror(1, "transaction:check: a model instance is required")
  end
  if not core.is_condition(condition) then
    errors.argerror(2, "transaction:check: a bloop.Condition is required")
  end
  add(self, "check", "check", obj, { condition = condition })
  return self
end

-- rx:load(obj, ...)
function Transaction:load(...)
  if self.mode ~= "r" then errors.argerror(nil, "transaction:load: this is a write transaction") end
  local objs = self.internal.split_args("transaction", "load", ...)
  for _, obj in ipairs(objs) do add(self, "load", "load", obj, {}) end
  return self
end

local function prepare(self)
  local write_args = self.internal.write_args
  local actions, states = {}, {}
  for i, e in ipairs(self.entries) do
    local op = e.kind == "save" and "save" or "delete"
    local model, now, args = write_args(self.engine, e.obj, e.opts, op)
    args.kind, args.sync = e.kind, nil
    actions[i], states[i] = args, { model = model, now = now }
  end
  return { actions = actions, states = states, token = core.txn_token(),
    first_commit = core.monotonic() }
end

local function canceled(self, err)
  err.objects = {}
  for i, e in ipairs(self.entries) do
    local r = err.reasons and err.reasons[i]
    if r then
      r.obj, r.kind = e.obj, e.kind
      if r.code == "" then r.code = nil end
      r.message = r.code and (REASONS[r.code] or r.code) or nil
      if r.code and r.code ~= "None" then err.objects[#err.objects + 1] = e.obj end
    end
  end
  return err
end

local function commit_write(self)
  local engine = self.engine
  if not self.prepared then
    self.prepared = prepare(self)
  elseif core.monotonic() - self.prepared.first_commit > M.TOKEN_SECONDS then
    errors.raise(E.InvalidRequest, ("transaction:commit: first committed over %d seconds ago: "
      .. "its token may have expired; build a new transaction"):format(M.TOKEN_SECONDS))
  end
  local p = self.prepared
  local ok, res = pcall(core.txn_write, engine.native, p.actions, p.token)
  if not ok then
    if errors.is(res, E.TransactionCanceled) then res = canceled(self, res) end
    errors.rethrow(res)
  end
  for i, e in ipairs(self.entries) do
    local st = p.states[i]
    if e.kind == "save" then
      self.internal.after_write(engine, e.obj, st.model, st.now, { version = res[i] }, nil)
      signals.object_saved:send{ engine = engine, obj = e.obj }
    elseif e.kind == "delete" then
      local gone = {}
      for _, c in ipairs(st.model.Meta.columns) do gone[c.name] = false end
      engine.synced[e.obj] = gone
      signals.object_deleted:send{ engine = engine, obj = e.obj }
    end
  end
end

local function commit_read(self)
  local engine = self.engine
  local objs = {}
  for i, e in ipairs(self.entries) do objs[i] = e.obj end
  if #objs == 0 then return end
  local ops = self.internal.load_ops(engine, objs)
  local items = core.txn_read(engine.native, ops)
  local missing = {}
  for i, obj in ipairs(objs) do
    if items[i] then
      self.internal.unpack(engine, obj, model_of(obj), items[i])
      signals.object_loaded:send{ engine = engine, obj = obj }
    else
      missing[#missing + 1] = obj
    end
  end
  if #missing > 0 then
    local names = {}
    for i, o in ipairs(missing) do names[i] = tostring(o) end
    errors.raise(E.MissingObjects, ("%s transaction load: %d object(s) not found: %s")
      :format(model_of(missing[1]).Meta.name, #missing, table.concat(names, ", ")),
      { objects = missing, code = "MissingObjects" })
  end
end

-- Sends the transaction. A write transaction can be committed again (same request, same
-- token); a read transaction loads its objects again on every commit. tx.consumed: the
-- capacity units the last commit consumed (its request asks for ReturnConsumedCapacity).
function Transaction:commit()
  local native = self.engine.native
  native:meter(true)
  local ok, err = pcall(self.mode == "w" and commit_write or commit_read, self)
  self.consumed = native:metered()
  native:meter(false)
  if not ok then errors.rethrow(err) end
  return self
end

-- The request commit() sends (nothing is sent): TransactWriteItems with its token, or
-- TransactGetItems.
function Transaction:explain()
  if self.mode == "w" then
    local p = self.prepared or prepare(self)
    return { operation = "TransactWriteItems", request = core.txn_explain_write(p.actions, p.token) }
  end
  local objs = {}
  for i, e in ipairs(self.entries) do objs[i] = e.obj end
  return { operation = "TransactGetItems",
    request = core.txn_explain_read(self.internal.load_ops(self.engine, objs)) }
end

return M
