-- Resumable searches (search.cursor, start=, pages()) and capacity (search.consumed,
-- rate_limit) against the local server (#integration). Both dynalite and moto answer
-- ReturnConsumedCapacity and take any ExclusiveStartKey a cursor holds.
local bloop = require("bloop")
local helpers = require("spec.helpers")
local Column, String, Integer = bloop.Column, bloop.String, bloop.Integer

local function raises(fn, ...)
  local ok, err = pcall(fn, ...)
  assert(not ok, "expected an error")
  return err
end

local THIS = "search_cursor_spec.lua:"

describe("resumable searches #integration", function()
  local engine, Post, User

  local function ns(list)
    local out = {}
    for i, p in ipairs(list) do out[i] = p.n end
    return out
  end

  local function take(search, k)
    local out = {}
    for _ = 1, k do
      local o = search:next()
      if o == nil then break end
      out[#out + 1] = o
    end
    return out
  end

  setup(function()
    engine = helpers.engine()
    Post = bloop.Model:extend("Post", { table_name = helpers.table_name("cposts") })
    Post.forum = Column(String, { hash_key = true })
    Post.n = Column(Integer, { range_key = true })
    Post.author = Column(String)
    Post.title = Column(String)
    Post.by_author = bloop.GlobalSecondaryIndex{ projection = { "title" }, hash_key = "author",
      range_key = "n" }
    User = bloop.Model:extend("User", { table_name = helpers.table_name("cusers") })
    User.id = Column(String, { hash_key = true })
    User.name = Column(String)
    engine:bind(Post)
    engine:bind(User)
    local posts = {}
    for n = 1, 10 do
      posts[n] = Post{ forum = "f", n = n, author = "ann", title = "t" .. n }
    end
    for n = 1, 3 do posts[#posts + 1] = Post{ forum = "g", n = n, author = "bob" } end
    assert.same({}, engine:batch_save(table.unpack(posts)))
    local users = {}
    for i = 1, 7 do users[i] = User{ id = ("u%02d"):format(i), name = "n" .. i } end
    assert.same({}, engine:batch_save(table.unpack(users)))
  end)

  local function query(opts)
    opts = opts or {}
    opts.key = Post.forum:eq("f")
    return engine:query(Post, opts)
  end

  describe("search.cursor", function()
    it("is nil before anything is returned and once the search is exhausted", function()
      local s = query()
      assert.is_nil(s.cursor)
      assert.equal(10, #s:all())
      assert.is_nil(s.cursor)
    end)

    it("resumes a query item-exactly, mid-page, in a new engine", function()
      local s = query{ page_size = 4 }
      assert.same({ 1, 2, 3, 4, 5, 6 }, ns(take(s, 6)))   -- page 2, item 2
      local cursor = s.cursor
      assert.is_string(cursor)
      assert.truthy(cursor:match("^[A-Za-z0-9_-]+$"), "URL-safe")
      local other = helpers.engine()
      assert.same({ 7, 8, 9, 10 }, ns(other:query(Post, { key = Post.forum:eq("f"),
        start = cursor }):all()))
    end)

    it("resumes after a full page boundary and with a limit", function()
      local s = query{ page_size = 5 }
      take(s, 5)
      assert.same({ 6, 7, 8, 9, 10 }, ns(query{ start = s.cursor }:all()))
      local limited = query{ limit = 3 }
      assert.same({ 1, 2, 3 }, ns(limited:all()))
      assert.is_string(limited.cursor)    -- the limit ended it, not the data
      local again = query{ limit = 3, start = limited.cursor }
      assert.same({ 4, 5, 6 }, ns(again:all()))
      local tail = query{ limit = 4, start = again.cursor }
      assert.same({ 7, 8, 9, 10 }, ns(tail:all()))
    end)

    it("walks a descending query", function()
      local s = query{ forward = false, page_size = 3 }
      assert.same({ 10, 9 }, ns(take(s, 2)))
      assert.same({ 8, 7, 6 }, ns(take(query{ forward = false, start = s.cursor }, 3)))
    end)

    it("resumes a query on an index, with the index's keys", function()
      local s = engine:query(Post.by_author, { key = Post.author:eq("ann"), page_size = 2 })
      assert.same({ 1, 2, 3 }, ns(take(s, 3)))
      local rest = engine:query(Post.by_author, { key = Post.author:eq("ann"), start = s.cursor })
      assert.same({ 4, 5, 6, 7, 8, 9, 10 }, ns(rest:all()))
    end)

    it("resumes a scan, whatever the projection", function()
      local all = {}
      for _, u in ipairs(engine:scan(User):all()) do all[#all + 1] = u.id end
      local s = engine:scan(User, { projection = { "name" }, page_size = 2 })
      local got = {}
      for _, u in ipairs(take(s, 3)) do got[#got + 1] = u.name end
      local rest = engine:scan(User, { start = s.cursor })
      for _, u in ipairs(rest:all()) do got[#got + 1] = u.name end
      local want = {}
      for i, id in ipairs(all) do want[i] = "n" .. tonumber(id:sub(2)) end
      assert.same(want, got)
    end)

    it("is restored by reset()", function()
      local s = query{ page_size = 4 }
      take(s, 2)
      local resumed = query{ start = s.cursor }
      assert.same({ 3, 4 }, ns(take(resumed, 2)))
      resumed:reset()
      assert.equal(resumed.start, resumed.cursor)
      assert.same({ 3, 4, 5, 6, 7, 8, 9, 10 }, ns(resumed:all()))
    end)
  end)

  describe("refused cursors", function()
    local cursor
    before_each(function()
      local s = query{ page_size = 4 }
      take(s, 2)
      cursor = s.cursor
    end)

    local function refused(fn, pattern)
      local err = raises(fn)
      assert.is_true(bloop.is(err, bloop.InvalidSearch), tostring(err))
      assert.equal("InvalidSearch", err.name)
      assert.equal("InvalidSearch", err.code)
      assert.truthy(err.message:find(THIS, 1, true), err.message)
      if pattern then assert.truthy(err.message:find(pattern), err.message) end
      return err
    end

    it("refuses a tampered cursor", function()
      local i = #cursor // 2
      local c = cursor:sub(i, i) == "A" and "B" or "A"
      refused(function() query{ start = cursor:sub(1, i - 1) .. c .. cursor:sub(i + 1) } end,
        "checksum")
    end)

    it("refuses a truncated cursor and text that is no cursor", function()
      refused(function() query{ start = cursor:sub(1, -3) } end)
      refused(function() query{ start = cursor:sub(1, 10) } end, "not a bloop cursor")
      refused(function() query{ start = "hello world" } end, "not a bloop cursor")
      refused(function() query{ start = 42 } end, "string")
    end)

    it("refuses a cursor of another version", function()
      local b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
      local first = b64:find(cursor:sub(1, 1), 1, true) - 1
      -- the first 6 bits hold the top of the version byte: 1 -> 9
      local changed = b64:sub((first | 2) + 1, (first | 2) + 1) .. cursor:sub(2)
      refused(function() query{ start = changed } end, "version")
    end)

    it("refuses a cursor of another model, another index or another operation", function()
      refused(function() engine:scan(User, { start = cursor }) end, "another search")
      refused(function()
        engine:query(Post.by_author, { key = Post.author:eq("ann"), start = cursor })
      end, "another search")
      refused(function() engine:scan(Post, { start = cursor }) end, "another search")
    end)
  end)

  describe("signed cursors", function()
    it("resume under the same key and fail under another or none", function()
      local secret = "s3cr3t-cursor-key"
      local signer = bloop.Engine{ dynamodb = helpers.client("dynamodb"), cursor_key = secret }
      local s = signer:query(Post, { key = Post.forum:eq("f"), page_size = 4 })
      take(s, 5)
      local cursor = s.cursor
      for k, v in pairs(signer) do
        assert.is_false(v == secret, "the key is readable at engine." .. tostring(k))
      end
      local same = bloop.Engine{ dynamodb = helpers.client("dynamodb"), cursor_key = secret }
      assert.same({ 6, 7, 8, 9, 10 },
        ns(same:query(Post, { key = Post.forum:eq("f"), start = cursor }):all()))
      local wrong = bloop.Engine{ dynamodb = helpers.client("dynamodb"), cursor_key = "other" }
      local err = raises(function() wrong:query(Post, { key = Post.forum:eq("f"), start = cursor }) end)
      assert.is_true(bloop.is(err, bloop.InvalidSearch))
      assert.truthy(err.message:find("signature"), err.message)
      assert.falsy(err.message:find(secret, 1, true))
      assert.falsy(err.message:find("other", 1, true) and err.message:find("cursor_key other"))
      local unsigned = raises(function() query{ start = cursor } end)
      assert.truthy(unsigned.message:find("no cursor_key"), unsigned.message)
      local plain = query{ page_size = 4 }
      take(plain, 2)
      local e2 = raises(function() signer:query(Post, { key = Post.forum:eq("f"),
        start = plain.cursor }) end)
      assert.truthy(e2.message:find("must be"), e2.message)
    end)
  end)

  describe("search:pages()", function()
    it("gives each answer's objects and the cursor after them", function()
      local pages = {}
      for page in query{ page_size = 4 }:pages() do pages[#pages + 1] = page end
      assert.same({ 1, 2, 3, 4 }, ns(pages[1].items))
      assert.same({ 5, 6, 7, 8 }, ns(pages[2].items))
      assert.same({ 9, 10 }, ns(pages[3].items))
      assert.is_string(pages[1].cursor)
      assert.is_nil(pages[3].cursor)
      assert.equal(3, #pages)
      assert.same({ 5, 6, 7, 8 }, ns(take(query{ start = pages[1].cursor }, 4)))
    end)

    it("with a limit: one page of at most limit objects per search", function()
      local cursor, walked, requests = nil, {}, 0
      repeat
        local page = query{ limit = 4, start = cursor }:pages()()
        requests = requests + 1
        assert.is_true(#page.items <= 4)
        for _, p in ipairs(page.items) do walked[#walked + 1] = p.n end
        cursor = page.cursor
      until cursor == nil
      assert.same({ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, walked)
      assert.is_true(requests >= 3 and requests <= 4)
    end)

    it("gives one empty page when nothing is found", function()
      local pages = {}
      for page in engine:query(Post, { key = Post.forum:eq("nobody") }):pages() do
        pages[#pages + 1] = page
      end
      assert.equal(1, #pages)
      assert.same({}, pages[1].items)
      assert.is_nil(pages[1].cursor)
    end)
  end)

  describe("capacity", function()
    it("search.consumed sums what every page consumed", function()
      local s = query{ page_size = 3 }
      assert.equal(0, s.consumed)
      take(s, 1)
      local one = s.consumed
      assert.is_true(one > 0)
      s:all()
      assert.is_true(s.consumed >= one)
      local scan = engine:scan(User, { page_size = 2 })
      scan:all()
      assert.is_true(scan.consumed > 0)
      scan:reset()
      assert.equal(0, scan.consumed)
    end)

    it("rate_limit waits before each page for what the pages before consumed", function()
      -- a clock that only moves when the limiter sleeps: the computed waits are exact
      local now, slept = 100, {}
      local limiter = bloop.rate_limiter(2, { clock = function() return now end,
        sleep = function(d) slept[#slept + 1] = d; now = now + d end })
      local s = engine:scan(User, { page_size = 2, rate_limit = limiter })
      local per_page = {}
      local last = 0
      for page in s:pages() do
        per_page[#per_page + 1] = s.consumed - last
        last = s.consumed
        assert.is_true(#page.items > 0)
      end
      assert.equal(4, #per_page)          -- 7 users, 2 a page
      assert.equal(#per_page - 1, #slept) -- no wait before the first request
      -- the clock stands still between sleeps, so after page i the waits add up to exactly
      -- what pages 1..i consumed, at 2 units a second
      local paid, waited = 0, 0
      for i = 1, #slept do
        paid, waited = paid + per_page[i], waited + slept[i]
        assert.near(paid / 2, waited, 1e-9)
      end
      assert.near(limiter.slept, (s.consumed - per_page[#per_page]) / 2, 1e-9)
      assert.same(slept, limiter.sleeps)
    end)

    it("rate_limit with the real clock: a generous lower bound on the time taken", function()
      local t0 = require("bloop.core").monotonic()
      local s = engine:scan(User, { page_size = 2, rate_limit = 20 })
      local per_last = 0
      local before = 0
      for _ in s:pages() do
        per_last = s.consumed - before
        before = s.consumed
      end
      local took = require("bloop.core").monotonic() - t0
      assert.is_true(took >= (s.consumed - per_last) / 20 - 1e-3)
    end)

    it("shares one limiter between parallel segments", function()
      local now = 0
      local limiter = bloop.rate_limiter(1, { clock = function() return now end,
        sleep = function(d) now = now + d end })
      local a = engine:scan(User, { parallel = { 0, 2 }, rate_limit = limiter })
      local b = engine:scan(User, { parallel = { 1, 2 }, rate_limit = limiter })
      local n = #a:all() + #b:all()
      assert.equal(7, n)
      assert.near(limiter.consumed, a.consumed + b.consumed, 1e-9)
      -- the second segment's first request waits for what the first segment consumed
      assert.is_true(limiter.slept >= a.consumed - 1e-9)
    end)

    it("save, delete and load report what they consumed when asked", function()
      local u = User{ id = "cap-1", name = "c" }
      assert.is_nil(engine:save(u))
      u.name = "d"   -- (moto answers a key-only UpdateItem with a 500)
      local saved = engine:save(u, { capacity = true })
      assert.is_table(saved)
      assert.is_true(saved.consumed > 0)
      local loaded = engine:load(User{ id = "cap-1" }, { capacity = true })
      assert.is_true(loaded.consumed > 0)
      assert.is_nil(engine:load(User{ id = "cap-1" }))
      local deleted = engine:delete(u, { capacity = true })
      assert.is_true(deleted.consumed > 0)
      -- metering ends with the call, also when it fails; the error carries what was consumed
      -- (a ConditionalCheckFailed answer reports no capacity)
      local failed = raises(function()
        engine:save(User{ id = "cap-1", name = "e" }, { capacity = true, condition = User.id:is_not(nil) })
      end)
      assert.is_true(bloop.is(failed, bloop.ConstraintViolation))
      assert.is_number(failed.consumed)
      assert.is_nil(engine:save(User{ id = "cap-2", name = "f" }))
      engine:delete(User{ id = "cap-2" })
    end)

    -- dynalite charges as the service does (a small item: 1 unit a write, 0.5 an eventually
    -- consistent read, 1 a consistent one, missing items too), so its sums are exact. moto
    -- does not: it answers BatchWriteItem with 1 unit per table per request whatever the
    -- items, and BatchGetItem with 1 unit per key; there only "some units" is asserted.
    local exact = helpers.backend() == "dynalite"
    local function units(want, got)
      if exact then assert.equal(want, got) else assert.is_true(got > 0, tostring(got)) end
    end
    -- the objects, then the options table
    local function with(objs, opts)
      local args = table.move(objs, 1, #objs, 1, {})
      args[#args + 1] = opts
      return table.unpack(args)
    end

    it("batch_save, batch_delete and load of several objects count every request", function()
      local users = {}
      for i = 1, 30 do users[i] = User{ id = ("bc%02d"):format(i), name = "b" } end
      -- without capacity: the unprocessed list alone, as always
      assert.equal(1, select("#", engine:batch_save(table.unpack(users))))
      -- 30 objects: two BatchWriteItem requests (25 + 5), both counted
      local left, cap = engine:batch_save(with(users, { capacity = true }))
      assert.same({}, left)
      units(30, cap.consumed)
      local fresh = {}
      for i = 1, 30 do fresh[i] = User{ id = users[i].id } end
      units(15, engine:load(with(fresh, { capacity = true })).consumed)
      assert.equal("b", fresh[30].name)
      units(30, engine:load(with(fresh, { capacity = true, consistent = true })).consumed)
      assert.is_nil(engine:load(table.unpack(fresh)))
      left, cap = engine:batch_delete(with(users, { capacity = true }))
      assert.same({}, left)
      units(30, cap.consumed)
      -- the meter stops with the call
      assert.equal(1, select("#", engine:batch_delete(users[1])))
    end)

    it("a load of several that raises MissingObjects carries what it consumed", function()
      local err = raises(function()
        engine:load(User{ id = "u01" }, User{ id = "nobody" }, User{ id = "u02" }, { capacity = true })
      end)
      assert.equal("MissingObjects", err.name)
      units(1.5, err.consumed)   -- a read of a missing item is charged as well
      assert.is_nil(raises(engine.load, engine, User{ id = "nobody" }, User{ id = "u01" }).consumed)
    end)

    it("refuses a bad rate_limit", function()
      local err = raises(function() engine:scan(User, { rate_limit = 0 }) end)
      assert.truthy(tostring(err):find("rate_limit"))
      assert.truthy(err.message:find(THIS, 1, true), err.message)
    end)
  end)

  -- dynalite knows no transactions (see transactions_spec.lua)
  describe("transaction capacity #moto_only", function()
    it("tx.consumed holds what the last commit consumed", function()
      local tx = engine:transaction("w"):save(User{ id = "tx-1", name = "t" })
      assert.is_nil(tx.consumed)
      tx:commit()
      -- AWS answers TransactWriteItems with ConsumedCapacity [{TableName, CapacityUnits}];
      -- moto answers an empty {} (0 units here), so only the read below can show units > 0
      assert.is_number(tx.consumed)
      local rx = engine:transaction("r"):load(User{ id = "tx-1" }):commit()
      assert.is_true(rx.consumed > 0, tostring(rx.consumed))
      engine:delete(User{ id = "tx-1" })
      -- the meter stops with the commit: a later save reports nothing
      assert.is_nil(engine:save(User{ id = "tx-2", name = "u" }))
      engine:delete(User{ id = "tx-2" })
    end)
  end)
end)
