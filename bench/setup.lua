-- Creates the benchmark tables and warms the server:
--   TABLE   (hash key id): users user-0 .. user-OPS with the six attributes
--   TABLE-q (pk + sk):     QUERY_ITEMS items under pk "q", the same six attributes each
--   TABLE-s (hash key id): QUERY_ITEMS items s-1 .. s-QUERY_ITEMS, the same six attributes
--                          each: what the scan rows read (one hash key would be one segment)
--   TABLE-b (hash key id): empty; the batch_save rows write 20,000 small items into it
-- then sends WARM more requests (UpdateItem, GetItem, PutItem, BatchGetItem, Query pages),
-- 16 in flight: dynalite is about 4x slower over its first 1,000 requests and settles by
-- about 10,000 (its V8 JIT; shared/design/servers.md), so nothing is timed before this.
-- Usage: bloop bench/setup.lua ENDPOINT TABLE QUERY_ITEMS OPS [WARM]
local bloop = require("bloop")
local endpoint, tbl, n, ops = arg[1], arg[2], tonumber(arg[3]), tonumber(arg[4])
local warm = tonumber(arg[5] or 10000)
local c = bloop.client("dynamodb", { endpoint = endpoint, region = "us-east-1",
  credentials = { access_key_id = "bench", secret_access_key = "bench" } })
c:create_table{ TableName = tbl, BillingMode = "PAY_PER_REQUEST",
  AttributeDefinitions = { { AttributeName = "id", AttributeType = "S" } },
  KeySchema = { { AttributeName = "id", KeyType = "HASH" } } }
c:create_table{ TableName = tbl .. "-s", BillingMode = "PAY_PER_REQUEST",
  AttributeDefinitions = { { AttributeName = "id", AttributeType = "S" } },
  KeySchema = { { AttributeName = "id", KeyType = "HASH" } } }
c:create_table{ TableName = tbl .. "-b", BillingMode = "PAY_PER_REQUEST",
  AttributeDefinitions = { { AttributeName = "id", AttributeType = "S" } },
  KeySchema = { { AttributeName = "id", KeyType = "HASH" } } }
c:create_table{ TableName = tbl .. "-q", BillingMode = "PAY_PER_REQUEST",
  AttributeDefinitions = { { AttributeName = "pk", AttributeType = "S" },
                           { AttributeName = "sk", AttributeType = "N" } },
  KeySchema = { { AttributeName = "pk", KeyType = "HASH" }, { AttributeName = "sk", KeyType = "RANGE" } } }

local function six(i)
  return { id = { S = "user-" .. i }, n = { N = tostring(1000 + i) }, ok = { BOOL = i % 2 == 0 },
    tags = { SS = { "a", "b", "c" } }, info = { M = { city = { S = "Oslo" }, zip = { N = "1234" } } },
    name = { S = "name " .. i } }
end

local function send(calls)
  for i = 1, #calls, 16 do
    local slice = table.move(calls, i, math.min(i + 15, #calls), 1, {})
    for _, r in ipairs(c:call_many(slice)) do
      assert(r.response, r.error and tostring(r.error))
      assert(next(r.response.UnprocessedItems or {}) == nil, "unprocessed items (dynalite never throttles)")
    end
  end
end

local calls, batch = {}, {}
local function flush(t)
  if #batch > 0 then calls[#calls + 1] = { "BatchWriteItem", { RequestItems = { [t] = batch } } } end
  batch = {}
end
for i = 0, ops do
  batch[#batch + 1] = { PutRequest = { Item = six(i) } }
  if #batch == 25 then flush(tbl) end
end
flush(tbl)
for i = 1, n do
  local item = six(i)
  item.pk, item.sk = { S = "q" }, { N = tostring(i) }
  batch[#batch + 1] = { PutRequest = { Item = item } }
  if #batch == 25 then flush(tbl .. "-q") end
end
flush(tbl .. "-q")
for i = 1, n do
  local item = six(i)
  item.id = { S = "s-" .. i }
  batch[#batch + 1] = { PutRequest = { Item = item } }
  if #batch == 25 then flush(tbl .. "-s") end
end
flush(tbl .. "-s")
send(calls)

-- warm-up: the request kinds the benchmarks send, in proportion
calls = {}
for i = 1, warm do
  local id = { S = "user-" .. (i % ops) }
  local k = i % 10
  if k < 4 then
    calls[#calls + 1] = { "UpdateItem", { TableName = tbl, Key = { id = id },
      UpdateExpression = "SET #n0 = :v0, #n1 = :v1, #n2 = :v2",
      ExpressionAttributeNames = { ["#n0"] = "n", ["#n1"] = "ok", ["#n2"] = "tags" },
      ExpressionAttributeValues = { [":v0"] = { N = tostring(1000 + i % ops) },
        [":v1"] = { BOOL = (i % ops) % 2 == 0 }, [":v2"] = { SS = { "a", "b", "c" } } } } }
  elseif k < 6 then
    calls[#calls + 1] = { "GetItem", { TableName = tbl, Key = { id = id } } }
  elseif k < 8 then
    calls[#calls + 1] = { "BatchGetItem", { RequestItems = { [tbl] = { Keys = { { id = id } } } } } }
  elseif k < 9 then
    calls[#calls + 1] = { "PutItem", { TableName = tbl, Item = six(i % ops) } }
  else
    calls[#calls + 1] = { "Query", { TableName = tbl .. "-q", KeyConditionExpression = "pk = :p",
      ExpressionAttributeValues = { [":p"] = { S = "q" } }, Limit = 100 } }
  end
end
send(calls)
