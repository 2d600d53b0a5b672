-- Creates the benchmark tables: TABLE (hash key id) and TABLE-q (pk + sk) holding
-- QUERY_ITEMS items under pk "q", each with the six attributes the benchmarks use.
local bloop = require("bloop")
local endpoint, tbl, n = arg[1], arg[2], tonumber(arg[3])
local c = bloop.client("dynamodb", { endpoint = endpoint, region = "us-east-1",
  credentials = { access_key_id = "bench", secret_access_key = "bench" } })
c:create_table{ TableName = tbl, BillingMode = "PAY_PER_REQUEST",
  AttributeDefinitions = { { AttributeName = "id", AttributeType = "S" } },
  KeySchema = { { AttributeName = "id", KeyType = "HASH" } } }
c:create_table{ TableName = tbl .. "-q", BillingMode = "PAY_PER_REQUEST",
  AttributeDefinitions = { { AttributeName = "pk", AttributeType = "S" },
                           { AttributeName = "sk", AttributeType = "N" } },
  KeySchema = { { AttributeName = "pk", KeyType = "HASH" }, { AttributeName = "sk", KeyType = "RANGE" } } }
local calls, batch = {}, {}
for i = 1, n do
  batch[#batch + 1] = { PutRequest = { Item = {
    pk = { S = "q" }, sk = { N = tostring(i) }, id = { S = "user-" .. i },
    n = { N = tostring(1000 + i) }, ok = { BOOL = i % 2 == 0 }, tags = { SS = { "a", "b", "c" } },
    info = { M = { city = { S = "Oslo" }, zip = { N = "1234" } } }, name = { S = "name " .. i } } } }
  if #batch == 25 or i == n then
    calls[#calls + 1] = { "BatchWriteItem", { RequestItems = { [tbl .. "-q"] = batch } } }
    batch = {}
  end
end
for i = 1, #calls, 16 do
  local slice = table.move(calls, i, math.min(i + 15, #calls), 1, {})
  for _, r in ipairs(c:call_many(slice)) do
    assert(r.response, r.error and tostring(r.error))
    assert(next(r.response.UnprocessedItems or {}) == nil, "unprocessed items (dynalite never throttles)")
  end
end
