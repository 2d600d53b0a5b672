-- Scans over every segment at once (engine:scan(M, { segments = N })) against the local
-- server (#integration): each item exactly once whatever N, with filters, projections,
-- indexes, limits, counts, capacity and a shared rate limit, cursors that hold every
-- segment's position, and errors mid-scan. The order across segments is unspecified, so
-- results are compared as sets.
local bloop = require("bloop")
local helpers = require("spec.helpers")
local Column, String, Integer = bloop.Column, bloop.String, bloop.Integer

local ITEMS = 300

describe("scans over segments #integration", function()
  local engine, Item

  -- id -> times seen, for a list of objects; fails on an id seen twice
  local function ids(list)
    local seen, n = {}, 0
    for _, o in ipairs(list) do
      assert.is_nil(seen[o.id], "returned twice: " .. tostring(o.id))
      seen[o.id] = true
      n = n + 1
    end
    return seen, n
  end

  local function want(pred)
    local out, n = {}, 0
    for i = 1, ITEMS do
      if not pred or pred(i) then out[("i%03d"):format(i)] = true; n = n + 1 end
    end
    return out, n
  end

  setup(function()
    engine = helpers.engine()
    Item = bloop.Model:extend("Item", { table_name = helpers.table_name("segments") })
    Item.id = Column(String, { hash_key = true })
    Item.group = Column(Integer)
    Item.n = Column(Integer)
    Item.body = Column(String)
    Item.by_group = bloop.GlobalSecondaryIndex{ projection = "keys", hash_key = "group",
      range_key = "n" }
    engine:bind(Item)
    local objs = {}
    for i = 1, ITEMS do
      objs[i] = Item{ id = ("i%03d"):format(i), group = i % 4, n = i, body = ("b"):rep(i % 40) }
    end
    assert.same({}, engine:batch_save(table.unpack(objs)))
  end)

  describe("every item exactly once", function()
    for _, n in ipairs{ 1, 2, 4, 7 } do
      it(("over %d segment%s, small pages"):format(n, n > 1 and "s" or ""), function()
        local s = engine:scan(Item, { segments = n, page_size = 16 })
        local seen, count = ids(s:all())
        assert.same(want(), seen)
        assert.equal(ITEMS, count)
        assert.equal(ITEMS, s.count)
        assert.equal(ITEMS, s.scanned)
        assert.is_true(s.consumed > 0)
        assert.is_true(s.exhausted)
        assert.is_nil(s.cursor)
      end)
    end

    it("in DynamoDB's 1 MB pages, and again after reset", function()
      local s = engine:scan(Item, { segments = 4 })
      assert.same(want(), (ids(s:all())))
      assert.same(want(), (ids(s:all())))   -- all() resets first
    end)

    it("with a filter", function()
      local s = engine:scan(Item, { segments = 4, page_size = 10, filter = Item.n:lt(100)
        & Item.group:eq(1) })
      local seen, count = ids(s:all())
      local w, wn = want(function(i) return i < 100 and i % 4 == 1 end)
      assert.same(w, seen)
      assert.equal(wn, count)
      assert.equal(wn, s.count)
      assert.equal(ITEMS, s.scanned)   -- the filter runs after reading
    end)

    it("with a projection, on an index, and counting", function()
      local s = engine:scan(Item, { segments = 3, projection = { "id", "n" }, page_size = 25 })
      local list = s:all()
      assert.same(want(), (ids(list)))
      for _, o in ipairs(list) do
        assert.equal(tonumber(o.id:sub(2)), o.n)
        assert.is_nil(rawget(o, "body"))
      end
      local keys = engine:scan(Item.by_group, { segments = 4, page_size = 20 }):all()
      assert.same(want(), (ids(keys)))
      local counted = engine:scan(Item, { segments = 5, projection = "count",
        filter = Item.group:eq(2) })
      assert.equal(ITEMS // 4, counted.count)
      assert.equal(ITEMS, counted.scanned)
    end)

    it("up to a limit", function()
      local s = engine:scan(Item, { segments = 4, page_size = 7, limit = 25 })
      local _, count = ids(s:all())
      assert.equal(25, count)
      assert.is_true(s.exhausted)
    end)

    it("one page at a time with pages()", function()
      local seen, pages = {}, 0
      for page in engine:scan(Item, { segments = 4, page_size = 40 }):pages() do
        pages = pages + 1
        assert.is_true(#page.items > 0 and #page.items <= 40)
        for _, o in ipairs(page.items) do
          assert.is_nil(seen[o.id])
          seen[o.id] = true
        end
      end
      assert.same(want(), seen)
      assert.is_true(pages >= ITEMS // 40)
    end)

    it("while the engine saves, loads and batch-saves between items", function()
      local Side = bloop.Model:extend("Side", { table_name = helpers.table_name("segside") })
      Side.id = Column(String, { hash_key = true })
      Side.v = Column(Integer)
      engine:bind(Side)
      local seen, k = {}, 0
      for o in engine:scan(Item, { segments = 4, page_size = 30 }):iter() do
        assert.is_nil(seen[o.id])
        seen[o.id] = true
        k = k + 1
        if k % 50 == 0 then
          engine:save(Side{ id = "s" .. k, v = k })
          assert.same({}, engine:batch_save(Side{ id = "b" .. k, v = 1 }, Side{ id = "c" .. k, v = 2 }))
          local back = Side{ id = "s" .. k }
          engine:load(back, Side{ id = "b" .. k })
          assert.equal(k, back.v)
        end
      end
      assert.same(want(), seen)
      assert.equal(18, #engine:scan(Side, { segments = 2 }):all())
    end)
  end)

  describe("capacity", function()
    it("shares one rate limit between the segments: every request after the first waits",
        function()
      local now, slept = 0, {}
      local limiter = bloop.rate_limiter(4, { clock = function() return now end,
        sleep = function(d) slept[#slept + 1] = d; now = now + d end })
      local calls = helpers.recording(engine, { "scan" })
      local s = engine:scan(Item, { segments = 4, page_size = 25, rate_limit = limiter })
      assert.same(want(), (ids(s:all())))
      assert.near(s.consumed, limiter.consumed, 1e-9)
      -- one wait per request but the first (the clock stands still between sleeps, so a
      -- wait the budget already covers is no sleep at all)
      assert.is_true(#slept >= 1 and #slept <= #calls - 1, #slept .. " of " .. #calls)
      assert.is_true(limiter.slept > 0 and limiter.slept <= s.consumed / 4 + 1e-9)
      -- the four segments were all asked for
      local segs = {}
      for _, c in ipairs(calls) do segs[c.request.Segment] = true; assert.equal(4, c.request.TotalSegments) end
      assert.same({ [0] = true, true, true, true }, segs)
    end)
  end)

  describe("cursors", function()
    local function take(s, k)
      local out = {}
      for _ = 1, k do out[#out + 1] = assert(s:next()) end
      return out
    end

    it("hold every segment's position: a new engine resumes exactly", function()
      for _, n in ipairs{ 2, 4, 7 } do
        local s = engine:scan(Item, { segments = n, page_size = 13 })
        local first = take(s, 77)
        local cursor = s.cursor
        assert.is_string(cursor)
        assert.truthy(cursor:match("^[A-Za-z0-9_-]+$"), "URL-safe")
        local rest = helpers.engine():scan(Item, { segments = n, page_size = 13, start = cursor })
        local all = rest:all()
        for _, o in ipairs(first) do all[#all + 1] = o end
        assert.same(want(), (ids(all)))
      end
    end)

    it("after a limit, and page by page", function()
      local got, cursor, rounds = {}, nil, 0
      repeat
        local page = engine:scan(Item, { segments = 3, limit = 40, start = cursor }):pages()()
        for _, o in ipairs(page.items) do got[#got + 1] = o end
        cursor = page.cursor
        rounds = rounds + 1
      until cursor == nil or rounds > 100
      assert.same(want(), (ids(got)))
    end)

    it("refuse a cursor of another kind of scan", function()
      local plain = engine:scan(Item, { page_size = 5 })
      plain:next()
      local err = helpers.raises(engine.scan, engine, Item, { segments = 2, start = plain.cursor })
      assert.equal("InvalidSearch", err.name)
      assert.truthy(err.message:find("over 2 segments", 1, true), err.message)
      local seg = engine:scan(Item, { segments = 2, page_size = 5 })
      seg:next()
      err = helpers.raises(engine.scan, engine, Item, { start = seg.cursor })
      assert.equal("InvalidSearch", err.name)
      err = helpers.raises(engine.scan, engine, Item, { segments = 3, start = seg.cursor })
      assert.equal("InvalidSearch", err.name)
      assert.equal("InvalidSearch", helpers.raises(engine.scan, engine, Item,
        { segments = 2, start = seg.cursor:sub(1, -3) }).name)
    end)
  end)

  describe("misuse", function()
    it("segments with parallel, or on a query, is an InvalidArgument", function()
      helpers.misuse(function() engine:scan(Item, { segments = 2, parallel = { 0, 2 } }) end,
        "engine:scan: give segments (every segment, in this process) or parallel ({segment, "
        .. "total}: one segment, to split a scan across processes), not both")
      helpers.misuse(function() engine:query(Item, { key = Item.id:eq("x"), segments = 2 }) end,
        "engine:query: segments is a scan option")
    end)

    it("segments outside 1..1000000 is an InvalidSearch", function()
      for _, bad in ipairs{ 0, -1, 2.5, "4", 1000001 } do
        assert.equal("InvalidSearch", helpers.raises(engine.scan, engine, Item,
          { segments = bad }).name)
      end
    end)

    it("explain shows segment 0's request and the number of segments", function()
      local r = engine:explain("scan", Item, { segments = 4, page_size = 3 })[1]
      assert.equal("Scan", r.operation)
      assert.equal(0, r.request.Segment)
      assert.equal(4, r.request.TotalSegments)
      assert.equal(3, r.request.Limit)
      assert.equal(4, r.segments)
    end)
  end)

  describe("errors mid-scan", function()
    it("a table dropped while pages are in flight raises a bloop error; nothing is kept",
        function()
      local raw = helpers.client()
      raw:list_tables{}
      local fds = helpers.open_fds()
      for round = 1, 8 do
        local Gone = bloop.Model:extend("Gone", { table_name = helpers.table_name("segone") })
        Gone.id = Column(String, { hash_key = true })
        engine:bind(Gone)
        local objs = {}
        for i = 1, 200 do objs[i] = Gone{ id = ("g%03d"):format(i) } end
        assert.same({}, engine:batch_save(table.unpack(objs)))
        local s = engine:scan(Gone, { segments = 4, page_size = 10 })
        for _ = 1, 5 do assert.is_table(s:next()) end
        raw:delete_table{ TableName = engine:table_name(Gone) }
        local ok, err = pcall(function() for _ in s:iter() do end end)
        assert.is_false(ok)
        assert.equal("table", type(err), tostring(err))
        assert.is_string(err.name)
        assert.equal("ResourceNotFoundException", err.code, tostring(err))
        assert.truthy(err.message:find("Gone scan", 1, true), err.message)
        -- asking again fails the same way; then the search is dropped and collected
        assert.equal("ResourceNotFoundException", helpers.raises(s.next, s).code)
        s = nil
        collectgarbage()
        collectgarbage()
        -- the connections the first round opened are reused, never piled up
        -- requests cancelled mid-answer close their connections and later ones open anew:
        -- the count may move a little, but never grows with the rounds
        assert.is_true(helpers.open_fds() <= fds + 8, ("round %d: %d descriptors open, %d before")
          :format(round, helpers.open_fds(), fds))
      end
    end)
  end)
end)
