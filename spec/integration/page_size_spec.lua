-- Pages sized for memory (#integration): without page_size a search asks for 1,000 items
-- first, then scales its Limit by the text per item of the page before, so each answer stays
-- near 1 MB of text (docs/engine.md, "Page size and memory"); page_size, a limit and a
-- count projection keep their own Limit. The items come back exactly once either way.
local bloop = require("bloop")
local helpers = require("spec.helpers")
local Column, String, Integer = bloop.Column, bloop.String, bloop.Integer

describe("page size and memory #integration", function()
  local engine, Small, Big
  local SMALL, BIG = 2500, 90

  setup(function()
    engine = helpers.engine()
    Small = bloop.Model:extend("PageSmall", { table_name = helpers.table_name("pages-small") })
    Small.g = Column(String, { hash_key = true })
    Small.n = Column(Integer, { range_key = true })
    Big = bloop.Model:extend("PageBig", { table_name = helpers.table_name("pages-big") })
    Big.g = Column(String, { hash_key = true })
    Big.n = Column(Integer, { range_key = true })
    Big.body = Column(String)
    engine:bind(Small)
    engine:bind(Big)
    local objs = {}
    for i = 1, SMALL do objs[i] = Small{ g = "p", n = i } end
    assert.same({}, engine:batch_save(table.unpack(objs)))
    objs = {}
    for i = 1, BIG do objs[i] = Big{ g = "p", n = i, body = ("x"):rep(30000) } end
    assert.same({}, engine:batch_save(table.unpack(objs)))
  end)

  -- the requests a search sends, through a recording engine on the same server
  local function requests(op, model, opts)
    local e = helpers.engine()
    e:bind(model, { skip_table_setup = true })
    local calls = helpers.recording(e, { op })
    local n, seen = 0, {}
    for obj in e[op](e, model, opts):iter() do
      assert.is_nil(seen[obj.n], "returned twice: " .. obj.n)
      seen[obj.n] = true
      n = n + 1
    end
    local limits = {}
    for i, c in ipairs(calls) do limits[i] = c.request.Limit or false end
    return n, limits
  end

  it("asks for 1,000 small items first, then grows the Limit at most 4 times a page", function()
    local n, limits = requests("query", Small, { key = Small.g:eq("p") })
    assert.equal(SMALL, n)
    -- 1,000 items of a few bytes are far below 1 MB of text: the next Limit is 4 times it
    assert.same({ 1000, 4000 }, limits)
  end)

  it("shrinks the Limit to what fits in about 1 MB of text when items are large", function()
    local n, limits = requests("query", Big, { key = Big.g:eq("p") })
    assert.equal(BIG, n)
    assert.equal(1000, limits[1])
    -- 30 KB items: DynamoDB ends the first page at its 1 MB of data (about 34 items); the
    -- next pages ask for what fits in 1 MB of answer text, fewer than that
    assert.is_true(#limits >= 3, "pages: " .. #limits)
    for i = 2, #limits do
      assert.is_true(limits[i] >= 1 and limits[i] <= 40, "Limit " .. tostring(limits[i]))
    end
  end)

  it("leaves page_size, a limit and a count projection their own Limit", function()
    local _, limits = requests("query", Small, { key = Small.g:eq("p"), page_size = 2000 })
    assert.same({ 2000, 2000 }, limits)
    _, limits = requests("query", Small, { key = Small.g:eq("p"), limit = 10 })
    assert.same({ 10 }, limits)
    local req = engine:explain("query", Small, { key = Small.g:eq("p"), projection = "count" })
    assert.is_nil(req[1].request.Limit)
    assert.equal(SMALL, engine:query(Small, { key = Small.g:eq("p"), projection = "count" }).count)
  end)

  it("shares the text between the segments of a scan over segments", function()
    local n, limits = requests("scan", Small, { segments = 4 })
    assert.equal(SMALL, n)
    for i = 1, math.min(4, #limits) do assert.equal(1000, limits[i]) end
  end)
end)
