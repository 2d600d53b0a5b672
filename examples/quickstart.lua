-- quickstart.lua: create a table, put items, get one back, query a range, print.
-- Run by `scripts/demo` against the local server it starts (BLOOP_ENDPOINT); point it at
-- AWS by leaving BLOOP_ENDPOINT unset and setting AWS_REGION and credentials as usual.
local bloop = require("bloop")

local endpoint = os.getenv("BLOOP_ENDPOINT")
local client = bloop.client("dynamodb", endpoint and {
  endpoint = endpoint,
  region = "us-east-1",
  -- local servers check no signature, but every request is signed
  credentials = { access_key_id = "local", secret_access_key = "local" },
} or nil)
-- the output leaves out what changes from run to run (the endpoint's port, the table name)
print("connected: " .. (endpoint and "the local server at $BLOOP_ENDPOINT" or "AWS"))

-- unique per run: a shared local server may still be deleting an earlier run's table
local table_name = "quickstart-" .. os.time() .. "-" .. math.random(1e6)
client:create_table{
  TableName = table_name,
  AttributeDefinitions = {
    { AttributeName = "user", AttributeType = "S" },
    { AttributeName = "ts", AttributeType = "N" },
  },
  KeySchema = {
    { AttributeName = "user", KeyType = "HASH" },
    { AttributeName = "ts", KeyType = "RANGE" },
  },
  BillingMode = "PAY_PER_REQUEST",
}
-- CreateTable answers while the table is still CREATING: wait for ACTIVE before writing
for _ = 1, 100 do
  if client:describe_table{ TableName = table_name }.Table.TableStatus == "ACTIVE" then break end
end
print("created table quickstart-<run>")

for i = 1, 5 do
  client:put_item{ TableName = table_name, Item = {
    user = { S = "ada" }, ts = { N = tostring(1700000000 + i) },
    text = { S = "note #" .. i }, tags = { SS = { "demo", "n" .. i } },
  } }
end
print("put 5 items")

local got = client:get_item{ TableName = table_name, ConsistentRead = true,
  Key = { user = { S = "ada" }, ts = { N = "1700000003" } } }
print("get: " .. got.Item.text.S)

local page = client:query{
  TableName = table_name,
  KeyConditionExpression = "#u = :u AND ts >= :from",
  ExpressionAttributeNames = { ["#u"] = "user" },
  ExpressionAttributeValues = { [":u"] = { S = "ada" }, [":from"] = { N = "1700000002" } },
}
print(("query: %d items"):format(page.Count))
for _, item in ipairs(page.Items) do print("  " .. item.ts.N .. "  " .. item.text.S) end

client:delete_table{ TableName = table_name }
print("deleted table quickstart-<run>")
