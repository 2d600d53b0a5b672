-- Differential proof of conditions: random condition trees, rendered by bloop, are used as
-- the ConditionExpression of a PutItem against a stored random item; whether the server
-- accepts the write must equal what an independent evaluator (below, written from
-- DynamoDB's documented semantics, sharing no code with bloop) says of the same tree.
--
--   BLOOP_SPEC_BACKEND=dynalite|moto busted -r integration spec/integration/conditions_differential_spec.lua
--   BLOOP_SPEC_SEED=<n> replays a run; BLOOP_SPEC_TREES=<n> sets the number of trees.
--
-- The conditional PutItem writes back exactly the stored item, so an accepted write leaves
-- the table as it was and one stored item serves many trees (moto is slow: a run costs one
-- request per tree plus one per item).
local helpers = require("spec.helpers")
local bloop = require("bloop")
local core = bloop.core

local backend = helpers.backend()
local seed = tonumber(os.getenv("BLOOP_SPEC_SEED") or "") or (os.time() % 1000000)
local trees = tonumber(os.getenv("BLOOP_SPEC_TREES") or "") or (backend == "moto" and 500 or 600)
local per_item = 12

-- ---- PRNG (xorshift, independent of math.random so a seed replays exactly) ------------
local state = seed * 2654435761 % 4294967296
if state == 0 then state = 1 end
local function rand(n)   -- 1..n
  state = state ~ ((state << 13) & 0xffffffff)
  state = state ~ (state >> 17)
  state = state ~ ((state << 5) & 0xffffffff)
  return state % n + 1
end
local function chance(p) return rand(1000) <= p * 1000 end
local function pick(list) return list[rand(#list)] end

-- ---- typed values: { t = "S", v = ... } -------------------------------------------------
local S_POOL = { "a", "ab", "abc", "b", "ba", "é", "Z", "a b" }
-- numbers exactly representable as doubles, in several spellings of one value
local N_POOL = { "-2", "-1", "-0.5", "0", "-0", "0.5", "1", "1.0", "1.50", "1.5", "2", "10",
                 "1e2", "100", "0.25" }
-- dynalite compares N (and NS members, and N elements of lists in contains) by their text,
-- so "1" = "1.0" is false there (a dynalite bug; the service and moto compare numerically).
-- On dynalite every number has one spelling; the evaluator still compares numerically.
if backend == "dynalite" then
  N_POOL = { "-2", "-1", "-0.5", "0", "0.5", "1", "1.5", "2", "10", "100", "0.25" }
end
local B_POOL = { "\0", "\0\1", "\1", "\255", "a", "ab", "\0\0" }
local KEYS = { "a", "b", "c" }
local ATTRS = { "w", "x", "y", "z" }

local function distinct(pool, n, key)
  local out, seen = {}, {}
  for _ = 1, n do
    local v = pick(pool)
    local k = key and key(v) or v
    if not seen[k] then
      seen[k] = true
      out[#out + 1] = v
    end
  end
  return out
end

local gen_value
-- kinds: which types may appear (scalars only when `scalar`); no M/L where `no_doc`.
local function gen_scalar(types)
  local t = pick(types)
  if t == "S" then return { t = "S", v = pick(S_POOL) } end
  if t == "N" then return { t = "N", v = pick(N_POOL) } end
  if t == "B" then return { t = "B", v = pick(B_POOL) } end
  if t == "BOOL" then return { t = "BOOL", v = chance(0.5) } end
  if t == "NULL" then return { t = "NULL" } end
  error(t)
end

function gen_value(depth, no_doc)
  local kinds = { "S", "N", "B", "BOOL", "NULL", "SS", "NS", "BS" }
  if not no_doc and depth < 3 then
    kinds[#kinds + 1] = "L"
    kinds[#kinds + 1] = "M"
    kinds[#kinds + 1] = "L"
    kinds[#kinds + 1] = "M"
  end
  local t = pick(kinds)
  if t == "SS" then return { t = "SS", v = distinct(S_POOL, rand(3)) } end
  if t == "NS" then return { t = "NS", v = distinct(N_POOL, rand(3), tonumber) } end
  if t == "BS" then return { t = "BS", v = distinct(B_POOL, rand(3)) } end
  if t == "L" then
    local l = {}
    for i = 1, rand(4) - 1 do l[i] = gen_value(depth + 1, no_doc) end
    return { t = "L", v = l }
  end
  if t == "M" then
    local m = {}
    for _, k in ipairs(KEYS) do if chance(0.5) then m[k] = gen_value(depth + 1, no_doc) end end
    return { t = "M", v = m }
  end
  return gen_scalar{ t }
end

-- ---- wire forms ------------------------------------------------------------------------
local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local function base64(s)
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = s:byte(i, i + 2)
    local n = (a << 16) | ((b or 0) << 8) | (c or 0)
    out[#out + 1] = B64:sub((n >> 18) + 1, (n >> 18) + 1) .. B64:sub(((n >> 12) & 63) + 1, ((n >> 12) & 63) + 1)
      .. (b and B64:sub(((n >> 6) & 63) + 1, ((n >> 6) & 63) + 1) or "=")
      .. (c and B64:sub((n & 63) + 1, (n & 63) + 1) or "=")
  end
  return table.concat(out)
end

-- raw: B as raw bytes (bloop's wire form for operands); json: B base64 (the client's JSON).
local function encode(tv, json)
  local t = tv.t
  if t == "S" or t == "N" then return { [t] = tv.v } end
  if t == "B" then return { B = json and base64(tv.v) or tv.v } end
  if t == "BOOL" then return { BOOL = tv.v } end
  if t == "NULL" then return { NULL = true } end
  if t == "SS" or t == "NS" then return { [t] = { table.unpack(tv.v) } } end
  if t == "BS" then
    local l = {}
    for i, b in ipairs(tv.v) do l[i] = json and base64(b) or b end
    return { BS = l }
  end
  if t == "L" then
    local l = {}
    for i, e in ipairs(tv.v) do l[i] = encode(e, json) end
    return { L = l }
  end
  local m = {}
  for k, e in pairs(tv.v) do m[k] = encode(e, json) end
  return { M = m }
end

local function show(tv)
  if tv == nil then return "absent" end
  local t = tv.t
  if t == "S" then return ("S%q"):format(tv.v) end
  if t == "N" then return "N" .. tv.v end
  if t == "B" then return ("B%q"):format(tv.v) end
  if t == "BOOL" then return tostring(tv.v) end
  if t == "NULL" then return "NULL" end
  local parts = {}
  if t == "M" then
    for _, k in ipairs(KEYS) do if tv.v[k] then parts[#parts + 1] = k .. "=" .. show(tv.v[k]) end end
  elseif t == "L" then
    for i, e in ipairs(tv.v) do parts[i] = show(e) end
  else
    for i, e in ipairs(tv.v) do parts[i] = t == "BS" and ("%q"):format(e) or ("%q"):format(e) end
  end
  return t .. "{" .. table.concat(parts, ", ") .. "}"
end

-- ---- the independent evaluator ---------------------------------------------------------
local function bytes_cmp(a, b)   -- bytewise, no locale
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = a:byte(i), b:byte(i)
    if x ~= y then return x < y and -1 or 1 end
  end
  return #a < #b and -1 or (#a > #b and 1 or 0)
end

local function cmp(a, b)   -- a, b same scalar type S/N/B
  if a.t == "N" then
    local x, y = tonumber(a.v), tonumber(b.v)
    return x < y and -1 or (x > y and 1 or 0)
  end
  return bytes_cmp(a.v, b.v)
end

local equal
local function set_equal(a, b, same)
  if #a ~= #b then return false end
  for _, x in ipairs(a) do
    local found = false
    for _, y in ipairs(b) do if same(x, y) then found = true end end
    if not found then return false end
  end
  return true
end

function equal(a, b)
  if a == nil or b == nil or a.t ~= b.t then return false end
  local t = a.t
  if t == "S" or t == "B" then return a.v == b.v end
  if t == "N" then return tonumber(a.v) == tonumber(b.v) end
  if t == "BOOL" then return a.v == b.v end
  if t == "NULL" then return true end
  if t == "SS" or t == "BS" then return set_equal(a.v, b.v, function(x, y) return x == y end) end
  if t == "NS" then return set_equal(a.v, b.v, function(x, y) return tonumber(x) == tonumber(y) end) end
  if t == "L" then
    if #a.v ~= #b.v then return false end
    for i = 1, #a.v do if not equal(a.v[i], b.v[i]) then return false end end
    return true
  end
  for _, k in ipairs(KEYS) do
    if (a.v[k] == nil) ~= (b.v[k] == nil) then return false end
    if a.v[k] and not equal(a.v[k], b.v[k]) then return false end
  end
  return true
end

local function resolve(item, path)
  local v = item[path[1]]
  for i = 2, #path do
    if v == nil then return nil end
    local e = path[i]
    if type(e) == "string" then
      v = v.t == "M" and v.v[e] or nil
    else
      v = v.t == "L" and v.v[e + 1] or nil
    end
  end
  return v
end

local ORDERED = { S = true, N = true, B = true }

local function evaluate(node, item)
  local k = node.kind
  if k == "and" then
    for _, c in ipairs(node.children) do if not evaluate(c, item) then return false end end
    return true
  elseif k == "or" then
    for _, c in ipairs(node.children) do if evaluate(c, item) then return true end end
    return false
  elseif k == "not" then
    return not evaluate(node.child, item)
  end
  local a = resolve(item, node.path)
  local ops = {}
  for i, o in ipairs(node.operands or {}) do
    if o.path then ops[i] = resolve(item, o.path) else ops[i] = o.value end
  end
  if k == "exists" then return a ~= nil end
  if k == "not_exists" then return a == nil end
  if k == "eq" then return equal(a, ops[1]) end
  if k == "ne" then return not equal(a, ops[1]) end
  if k == "in" then
    for _, o in ipairs(ops) do if equal(a, o) then return true end end
    return false
  end
  if k == "lt" or k == "le" or k == "gt" or k == "ge" then
    local b = ops[1]
    if a == nil or b == nil or a.t ~= b.t or not ORDERED[a.t] then return false end
    local c = cmp(a, b)
    if k == "lt" then return c < 0 elseif k == "le" then return c <= 0
    elseif k == "gt" then return c > 0 else return c >= 0 end
  end
  if k == "between" then
    local lo, hi = ops[1], ops[2]
    if a == nil or lo == nil or hi == nil or a.t ~= lo.t or a.t ~= hi.t or not ORDERED[a.t] then
      return false
    end
    return cmp(lo, a) <= 0 and cmp(a, hi) <= 0
  end
  if k == "begins_with" then
    local b = ops[1]
    if a == nil or b == nil or a.t ~= b.t or (a.t ~= "S" and a.t ~= "B") then return false end
    return a.v:sub(1, #b.v) == b.v
  end
  if k == "contains" then
    local b = ops[1]
    if a == nil or b == nil then return false end
    if (a.t == "S" and b.t == "S") or (a.t == "B" and b.t == "B") then
      return a.v:find(b.v, 1, true) ~= nil
    end
    if a.t == "SS" or a.t == "NS" or a.t == "BS" then
      if b.t ~= a.t:sub(1, 1) then return false end
      for _, m in ipairs(a.v) do if equal({ t = b.t, v = m }, b) then return true end end
      return false
    end
    if a.t == "L" then
      for _, e in ipairs(a.v) do if equal(e, b) then return true end end
      return false
    end
    return false
  end
  error("unknown kind " .. tostring(k))
end

-- ---- random trees ----------------------------------------------------------------------
local LEAVES = { "eq", "ne", "lt", "le", "gt", "ge", "between", "begins_with", "contains",
                 "in", "exists", "not_exists" }
local DOC_EQUALITY = backend ~= "dynalite"
-- dynalite judges a path operand (`a = b`, `a >= b`, `a IN (b)`) wrongly: two absent
-- attributes compare equal and ordered (`x >= y` holds when both are absent), maps and lists
-- compare by reference, ordered comparisons of two M values are not refused, and an IN list
-- holding an absent path crashes the server process (TypeError in db/index.js compare()).
-- So on dynalite every operand is a value; moto gets path operands.
local PATHS = backend ~= "dynalite" and 0.15 or 0

local function gen_path()
  local p = { pick(ATTRS) }
  for _ = 1, rand(3) - 1 do
    if chance(0.5) then p[#p + 1] = pick(KEYS) else p[#p + 1] = rand(3) - 1 end
  end
  return p
end

-- dynalite compares M and L by reference (= is always false, <> always true; see
-- servers.md), so on dynalite no =, <> or IN value is an M or an L. moto compares deeply
-- and keeps them. The evaluator is the same for both.
local function equality_value()
  return gen_value(0, not DOC_EQUALITY)
end

-- moto's evaluator (moto/dynamodb/comparisons.py) compares Python-cast values without type
-- checks: an absent attribute equals NULL and another absent attribute (`None == None`),
-- `<`/`BETWEEN` across types answers HTTP 500 (TypeError: list <= Decimal) or compares
-- BOOL as an integer, begins_with is false on B, contains is false on a B attribute. On moto
-- the generator therefore looks at the stored item: ordered comparisons, begins_with and
-- contains get a value of the attribute's own type (or any S/N/B type when the attribute is
-- absent) and are not generated against attributes of other types; = <> IN use no NULL value
-- and no BOOL, NULL, or 0/1 number anywhere inside (moto finds N 1.0 = true, since Python's
-- Decimal(1) == True, also inside lists) and a path operand only
-- when both sides exist and are not NULL. The evaluator is unchanged.
local MOTO = backend == "moto"

local function gen_leaf(item)
  local kind = pick(LEAVES)
  local node = { kind = kind, path = gen_path(), operands = {} }
  local ops = node.operands
  local attr = resolve(item, node.path)
  local function path_ok(p)
    if not MOTO then return true end
    local a, b = attr, resolve(item, p)
    return a ~= nil and b ~= nil and a.t ~= "NULL" and b.t ~= "NULL"
  end
  -- moto: Python finds True == Decimal(1) and False == Decimal(0), at any depth of a list
  local function bool_like(v)
    if v.t == "BOOL" or v.t == "NULL" then return true end
    if v.t == "N" and (tonumber(v.v) == 0 or tonumber(v.v) == 1) then return true end
    if v.t == "NS" then for _, n in ipairs(v.v) do if tonumber(n) == 0 or tonumber(n) == 1 then return true end end end
    if v.t == "L" then for _, e in ipairs(v.v) do if bool_like(e) then return true end end end
    if v.t == "M" then for _, e in pairs(v.v) do if bool_like(e) then return true end end end
    return false
  end
  local function eqv()
    local v = equality_value()
    while MOTO and bool_like(v) do v = equality_value() end
    return v
  end
  local function ordered_types(allowed)
    if not MOTO or attr == nil then return allowed end
    for _, t in ipairs(allowed) do if t == attr.t then return { t } end end
    return nil
  end
  if kind == "eq" or kind == "ne" then
    local p = gen_path()
    if chance(PATHS) and path_ok(p) then ops[1] = { path = p } else ops[1] = { value = eqv() } end
  elseif kind == "in" then
    -- dynalite's IN starts with `if (!attrVal) return false` (db/index.js), so an attribute
    -- holding BOOL false, or an empty S or B, is never IN anything there (seed 611249, tree
    -- 421: `w IN (false)` refused with w = false). Not generated against such attributes.
    if not MOTO and attr ~= nil and ((attr.t == "BOOL" and attr.v == false)
        or ((attr.t == "S" or attr.t == "B") and attr.v == "")) then
      return { kind = "exists", path = node.path, operands = {} }
    end
    for i = 1, rand(4) do
      local p = gen_path()
      if chance(PATHS) and path_ok(p) then ops[i] = { path = p } else ops[i] = { value = eqv() } end
    end
  elseif kind == "lt" or kind == "le" or kind == "gt" or kind == "ge" then
    local ts = ordered_types{ "S", "N", "B" }
    if not ts then return { kind = "exists", path = node.path, operands = {} } end
    if chance(PATHS) and not MOTO then ops[1] = { path = gen_path() }
    else ops[1] = { value = gen_scalar(ts) } end
  elseif kind == "between" then
    local ts = ordered_types{ "S", "N", "B" }
    -- moto's BETWEEN tests the attribute's truthiness: an attribute holding 0 is never between
    if MOTO and attr and attr.t == "N" and tonumber(attr.v) == 0 then ts = nil end
    if not ts then return { kind = "not_exists", path = node.path, operands = {} } end
    local t = pick(ts)
    local lo, hi = gen_scalar{ t }, gen_scalar{ t }
    if cmp(lo, hi) > 0 then lo, hi = hi, lo end
    ops[1], ops[2] = { value = lo }, { value = hi }
  elseif kind == "begins_with" then
    local ts = { "S", "B" }
    if MOTO then ts = ordered_types{ "S" } end
    if not ts then return { kind = "exists", path = node.path, operands = {} } end
    ops[1] = { value = gen_scalar(ts) }
  elseif kind == "contains" then
    local ts = { "S", "N", "B" }
    if MOTO and attr ~= nil then
      if attr.t == "S" or attr.t == "SS" then ts = { "S" }
      elseif attr.t == "NS" then ts = { "N" }
      elseif attr.t == "BS" then ts = { "B" }
      elseif attr.t == "L" then ts = { "S", "N" }
      else return { kind = "not_exists", path = node.path, operands = {} } end
    end
    ops[1] = { value = gen_scalar(ts) }
  end
  return node
end

local function gen_tree(depth, item)
  if depth < 4 and chance(depth == 1 and 0.7 or 0.4) then
    local r = rand(3)
    if r == 3 then return { kind = "not", child = gen_tree(depth + 1, item) } end
    local children = {}
    for i = 1, rand(2) + 1 do children[i] = gen_tree(depth + 1, item) end
    return { kind = r == 1 and "and" or "or", children = children }
  end
  return gen_leaf(item)
end

local function spec_path(p)
  local s = {}
  for i, e in ipairs(p) do s[i] = e end
  return s
end

-- The same tree through bloop: core.condition leaves with wire operands, & | ~ combinators,
-- sometimes with the empty condition mixed in (it must change nothing).
local function build(node)
  local k = node.kind
  if k == "and" or k == "or" then
    local c = chance(0.2) and bloop.Condition() or nil
    for _, child in ipairs(node.children) do
      local b = build(child)
      if c == nil then c = b elseif k == "and" then c = c & b else c = c | b end
    end
    return c
  elseif k == "not" then
    return ~build(node.child)
  end
  local ops = {}
  for i, o in ipairs(node.operands) do
    if o.path then ops[i] = { path = spec_path(o.path) } else ops[i] = { wire = encode(o.value, false) } end
  end
  return core.condition(k, spec_path(node.path), ops)
end

local function show_path(p)
  local s = p[1]
  for i = 2, #p do s = s .. (type(p[i]) == "string" and ("." .. p[i]) or ("[" .. p[i] .. "]")) end
  return s
end

local function show_tree(node)
  local k = node.kind
  if k == "and" or k == "or" then
    local parts = {}
    for i, c in ipairs(node.children) do parts[i] = show_tree(c) end
    return "(" .. table.concat(parts, " " .. k:upper() .. " ") .. ")"
  elseif k == "not" then
    return "(NOT " .. show_tree(node.child) .. ")"
  end
  local parts = {}
  for i, o in ipairs(node.operands) do parts[i] = o.path and show_path(o.path) or show(o.value) end
  return ("%s(%s%s%s)"):format(k, show_path(node.path), #parts > 0 and ", " or "", table.concat(parts, ", "))
end

local function gen_item()
  local item = {}
  if chance(0.08) then return item end    -- no attributes at all besides the key
  for _, a in ipairs(ATTRS) do
    if chance(0.75) then item[a] = gen_value(0, false) end
  end
  return item
end

local function item_json(pk, item)
  local j = { pk = { S = pk } }
  for k, v in pairs(item) do j[k] = encode(v, true) end
  return j
end

local function show_item(item)
  local parts = {}
  for _, a in ipairs(ATTRS) do if item[a] then parts[#parts + 1] = a .. "=" .. show(item[a]) end end
  return "{" .. table.concat(parts, ", ") .. "}"
end

describe("conditions against " .. backend .. " #integration", function()
  local client, name

  setup(function()
    client = helpers.client("dynamodb")
    name = helpers.table_name("cond")
    helpers.create_table(client, name)
  end)

  teardown(function()
    if client then pcall(client.delete_table, client, { TableName = name }) end
  end)

  it("accept exactly the writes an independent evaluator accepts", function()
    print(("\nconditions differential: backend=%s seed=%d trees=%d (BLOOP_SPEC_SEED=%d replays)")
      :format(backend, seed, trees, seed))
    local stats = { accepted = 0, rejected = 0, mismatches = 0, leaves = 0 }
    local ops_seen = {}
    local item, pk
    for i = 1, trees do
      if (i - 1) % per_item == 0 then
        item = gen_item()
        pk = "item-" .. i
        client:put_item{ TableName = name, Item = item_json(pk, item) }
      end
      local tree = gen_tree(1, item)
      local cond = build(tree)
      stats.leaves = stats.leaves + #cond
      local function count(n)
        ops_seen[n.kind] = (ops_seen[n.kind] or 0) + 1
        for _, c in ipairs(n.children or {}) do count(c) end
        if n.child then count(n.child) end
      end
      count(tree)
      local req = core.render{ condition = cond }
      req.TableName = name
      req.Item = item_json(pk, item)
      local ok, err = pcall(client.put_item, client, req)
      local got
      if ok then
        got = true
      elseif type(err) == "table" and err.code == "ConditionalCheckFailedException" then
        got = false
      else
        error(("tree %d: unexpected error %s\n  tree: %s\n  expression: %s\n  item: %s\n  seed: %d")
          :format(i, tostring(err), show_tree(tree), tostring(req.ConditionExpression), show_item(item), seed))
      end
      local want = evaluate(tree, item)
      if got then stats.accepted = stats.accepted + 1 else stats.rejected = stats.rejected + 1 end
      if got ~= want then
        stats.mismatches = stats.mismatches + 1
        print(("MISMATCH tree %d (seed %d): server %s, evaluator %s\n  tree: %s\n  bloop: %s\n  expression: %s\n  item: %s")
          :format(i, seed, got and "accepted" or "rejected", want and "accepts" or "rejects",
            show_tree(tree), tostring(cond), req.ConditionExpression, show_item(item)))
      end
    end
    local kinds = {}
    for k, n in pairs(ops_seen) do kinds[#kinds + 1] = k .. "=" .. n end
    table.sort(kinds)
    print(("trees=%d leaves=%d accepted=%d rejected=%d mismatches=%d\nnodes: %s")
      :format(trees, stats.leaves, stats.accepted, stats.rejected, stats.mismatches, table.concat(kinds, " ")))
    assert.equal(0, stats.mismatches)
    -- the generator is worth something only if both outcomes happen often
    assert.is_true(stats.accepted > trees / 10 and stats.rejected > trees / 10)
    for _, k in ipairs(LEAVES) do assert.is_true((ops_seen[k] or 0) > 0, k .. " never generated") end
  end)
end)
