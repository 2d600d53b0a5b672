-- engine:transaction (#integration). moto implements TransactWriteItems / TransactGetItems
-- (#moto_only; it ignores ClientRequestToken, so idempotency is pinned by the C test and the
-- explain case below); dynalite knows neither (#dynalite_only: a clear ClientError).
local bloop = require("bloop")
local helpers = require("spec.helpers")
local Column, String, Integer = bloop.Column, bloop.String, bloop.Integer

local function account_model()
  local Account = bloop.Model:extend("Account", { table_name = helpers.table_name("accounts") })
  Account.id = Column(String, { hash_key = true })
  Account.balance = Column(Integer)
  Account.owner = Column(String)
  return Account
end

describe("engine:transaction #integration", function()
  describe("write #moto_only", function()
    local engine, Account
    before_each(function()
      engine = helpers.engine()
      Account = account_model()
      engine:bind(Account)
    end)

    it("saves, deletes and checks atomically; syncs objects and fires signals", function()
      local a, b, c = Account{ id = "a", balance = 10 }, Account{ id = "b", balance = 5 },
        Account{ id = "c", balance = 1, owner = "x" }
      engine:save(c)
      local saved, deleted = {}, {}
      local h1 = bloop.signals.object_saved:connect(function(ev) saved[#saved + 1] = ev.obj end)
      local h2 = bloop.signals.object_deleted:connect(function(ev) deleted[#deleted + 1] = ev.obj end)
      local tx = engine:transaction("w")
      tx:save(a, b):delete(c)
      tx:commit()
      bloop.signals.object_saved:disconnect(h1)
      bloop.signals.object_deleted:disconnect(h2)
      assert.same({ a, b }, saved)
      assert.same({ c }, deleted)
      local a2, b2 = Account{ id = "a" }, Account{ id = "b" }
      engine:load(a2, b2)
      assert.equal(10, a2.balance)
      assert.equal(5, b2.balance)
      assert.has_error(function() engine:load(Account{ id = "c" }) end)
      -- synced: the next save of `a` sends only what changed
      a.owner = "me"
      local req = engine:explain("save", a)[1].request
      assert.equal("SET #n0 = :v0", req.UpdateExpression)
    end)

    it("raises TransactionCanceled with a reason per action", function()
      local a, b = Account{ id = "a", balance = 10 }, Account{ id = "b", balance = 5 }
      engine:save(a, b)
      local tx = engine:transaction("w")
      b.balance = 6
      tx:check(a, Account.balance:eq(99)):save(b)
      local ok, err = pcall(tx.commit, tx)
      assert.is_false(ok)
      assert.is_true(bloop.is(err, bloop.TransactionCanceled))
      assert.equal("TransactionCanceledException", err.code)
      assert.equal("ConditionalCheckFailed", err.reasons[1].code)
      assert.equal(a, err.reasons[1].obj)
      assert.equal("the condition was not met", err.reasons[1].message)
      assert.equal("None", err.reasons[2].code)
      assert.equal(b, err.reasons[2].obj)
      assert.same({ a }, err.objects)
      local b2 = Account{ id = "b" }
      engine:load(b2)
      assert.equal(5, b2.balance)   -- nothing applied
    end)

    it("commits with a condition on a save, and commits again with the same token", function()
      local a = Account{ id = "a", balance = 1 }
      engine:save(a)
      a.balance = 2
      local tx = engine:transaction("w"):save(a, { condition = Account.balance:eq(1) })
      tx:commit()
      local first = tx:explain().request
      assert.matches("^%x+%-%x+%-%x+%-%x+%-%x+$", first.ClientRequestToken)
      assert.equal("TransactWriteItems", tx:explain().operation)
      assert.same(first, tx:explain().request)
      local t2 = engine:transaction("w"):save(a)
      assert.not_equal(first.ClientRequestToken, t2:explain().request.ClientRequestToken)
      local a2 = Account{ id = "a" }
      engine:load(a2)
      assert.equal(2, a2.balance)
    end)

    it("sends ConditionCheck and refuses more than 100 actions", function()
      local tx = engine:transaction("w")
      tx:check(Account{ id = "z" }, Account.balance:is_(nil))
      assert.truthy(tx:explain().request.TransactItems[1].ConditionCheck)
      for i = 2, 100 do tx:save(Account{ id = "k" .. i, balance = i }) end
      local ok, err = pcall(tx.save, tx, Account{ id = "k101", balance = 1 })
      assert.is_false(ok)
      assert.equal("InvalidRequest", err.name)
      assert.matches("at most 100", err.message)
      tx:commit()
      local k = Account{ id = "k100" }
      engine:load(k)
      assert.equal(100, k.balance)
    end)

    it("takes a function and commits when it returns", function()
      engine:transaction("w", function(tx) tx:save(Account{ id = "f", balance = 3 }) end)
      local f = Account{ id = "f" }
      engine:load(f)
      assert.equal(3, f.balance)
    end)
  end)

  describe("read #moto_only", function()
    it("loads objects and raises MissingObjects for missing ones", function()
      local engine, Account = helpers.engine(), account_model()
      engine:bind(Account)
      engine:save(Account{ id = "a", balance = 7, owner = "o" })
      local a, m = Account{ id = "a" }, Account{ id = "missing" }
      local loaded = {}
      local h = bloop.signals.object_loaded:connect(function(ev) loaded[#loaded + 1] = ev.obj end)
      local rx = engine:transaction("r"):load(a)
      rx:commit()
      assert.equal(7, a.balance)
      assert.equal("o", a.owner)
      local ok, err = pcall(function() engine:transaction("r"):load(a, m):commit() end)
      bloop.signals.object_loaded:disconnect(h)
      assert.is_false(ok)
      assert.equal("MissingObjects", err.name)
      assert.same({ m }, err.objects)
      assert.equal(a, loaded[1])
      assert.equal("TransactGetItems", engine:transaction("r"):load(a):explain().operation)
    end)
  end)

  describe("on dynalite #dynalite_only", function()
    it("raises a ClientError: dynalite has no transactions", function()
      local engine, Account = helpers.engine(), account_model()
      engine:bind(Account)
      local ok, err = pcall(function()
        engine:transaction("w"):save(Account{ id = "a", balance = 1 }):commit()
      end)
      assert.is_false(ok)
      assert.equal("ClientError", err.name)
      assert.equal("UnknownOperationException", err.code)
      ok, err = pcall(function() engine:transaction("r"):load(Account{ id = "a" }):commit() end)
      assert.is_false(ok)
      assert.equal("UnknownOperationException", err.code)
    end)
  end)

  describe("misuse", function()
    it("checks the mode and the arguments", function()
      local engine, Account = helpers.engine(), account_model()
      helpers.misuse(function() engine:transaction("x") end,
        'engine:transaction: mode must be "w" or "r" (got x) (argument 1)')
      helpers.misuse(function() engine:transaction("r"):save(Account{ id = "a" }) end,
        "transaction:save: this is a read transaction")
      helpers.misuse(function() engine:transaction("w"):check(Account{ id = "a" }) end,
        "transaction:check: a bloop.Condition is required (argument 2)")
    end)

    it("refuses actions after the first commit, at the caller's line", function()
      local engine, Account = helpers.engine(), account_model()
      engine:bind(Account)
      local tx = engine:transaction("w"):save(Account{ id = "c1", balance = 1 })
      pcall(tx.commit, tx)   -- committed on moto, a ClientError on dynalite: prepared either way
      local src, line = debug.getinfo(1, "S").short_src, nil
      local ok, err = pcall(function() line = debug.getinfo(1, "l").currentline; tx:delete(Account{ id = "c2" }) end)
      assert.is_false(ok)
      assert.equal("InvalidArgument", err.name)
      assert.equal(("%s:%d: transaction:delete: the transaction was already committed"):format(src, line),
        err.message)
    end)
  end)
end)
