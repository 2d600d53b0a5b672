-- The low-level client against a real local server (dynalite or moto's server, chosen by
-- BLOOP_SPEC_BACKEND). Requests and answers are the service's JSON shapes, as Lua tables.
local helpers = require("spec.helpers")
local bloop = require("bloop")

describe("bloop.client #integration", function()
  local client, name

  setup(function()
    client = helpers.client("dynamodb")
    name = helpers.table_name("client")
    helpers.create_table(client, name, { range = true, stream = helpers.backend() == "moto" })
  end)

  teardown(function()
    if client then pcall(client.delete_table, client, { TableName = name }) end
  end)

  describe("tables", function()
    it("describes a created table with its key schema", function()
      local t = client:describe_table{ TableName = name }.Table
      assert.equal(name, t.TableName)
      assert.equal("ACTIVE", t.TableStatus)
      local keys = {}
      for _, k in ipairs(t.KeySchema) do keys[k.AttributeName] = k.KeyType end
      assert.same({ pk = "HASH", sk = "RANGE" }, keys)
    end)

    it("lists the table, page by page", function()
      local found, start = false, nil
      repeat
        local page = client:list_tables{ ExclusiveStartTableName = start, Limit = 10 }
        for _, n in ipairs(page.TableNames) do found = found or n == name end
        start = page.LastEvaluatedTableName
      until found or not start
      assert.is_true(found)
    end)

    it("answers DescribeTimeToLive", function()
      local d = client:describe_time_to_live{ TableName = name }
      assert.equal("DISABLED", d.TimeToLiveDescription.TimeToLiveStatus)
    end)
  end)

  describe("items", function()
    it("puts and gets an item with every attribute type, unchanged", function()
      local item = {
        pk = { S = "all-types" }, sk = { N = "1" },
        s = { S = "héllo \"quoted\" \n tab\t" }, n = { N = "-12.5e3" },
        b = { B = "AAEC/w==" }, t = { BOOL = true }, z = { NULL = true },
        ss = { SS = { "a", "b" } }, ns = { NS = { "1", "2" } }, bs = { BS = { "AQ==" } },
        l = { L = { { S = "x" }, { N = "2" }, { L = {} } } },
        m = { M = { inner = { M = { deep = { S = "y" } } }, empty = { M = {} } } },
      }
      client:put_item{ TableName = name, Item = item }
      local got = client:get_item{ TableName = name, Key = { pk = item.pk, sk = item.sk },
                                   ConsistentRead = true }.Item
      assert.equal(item.s.S, got.s.S)
      assert.equal(item.b.B, got.b.B)
      assert.is_true(got.t.BOOL)
      assert.is_true(got.z.NULL)
      assert.equal(3, #got.l.L)
      assert.equal(0, #got.l.L[3].L)
      assert.equal("y", got.m.M.inner.M.deep.S)
      assert.same({}, got.m.M.empty.M)
      table.sort(got.ss.SS)
      assert.same({ "a", "b" }, { got.ss.SS[1], got.ss.SS[2] })
      -- numbers come back as text; servers differ in normal form, the value is the same
      assert.equal(-12500, tonumber(got.n.N))
    end)

    it("answers an empty table for a missing item", function()
      local got = client:get_item{ TableName = name, Key = { pk = { S = "nope" }, sk = { N = "0" } } }
      assert.is_nil(got.Item)
    end)

    it("updates and deletes an item", function()
      local key = { pk = { S = "upd" }, sk = { N = "1" } }
      client:put_item{ TableName = name, Item = { pk = key.pk, sk = key.sk, n = { N = "1" } } }
      local r = client:update_item{
        TableName = name, Key = key,
        UpdateExpression = "SET #n = #n + :one, #s = :s",
        ExpressionAttributeNames = { ["#n"] = "n", ["#s"] = "s" },
        ExpressionAttributeValues = { [":one"] = { N = "1" }, [":s"] = { S = "set" } },
        ReturnValues = "ALL_NEW",
      }
      assert.equal(2, tonumber(r.Attributes.n.N))
      assert.equal("set", r.Attributes.s.S)
      local d = client:delete_item{ TableName = name, Key = key, ReturnValues = "ALL_OLD" }
      assert.equal("set", d.Attributes.s.S)
      assert.is_nil(client:get_item{ TableName = name, Key = key, ConsistentRead = true }.Item)
    end)

    it("raises ConditionalCheckFailedException as a ClientError with code and message", function()
      local item = { pk = { S = "cond" }, sk = { N = "1" } }
      client:put_item{ TableName = name, Item = item }
      local err = helpers.raises(client.put_item, client, {
        TableName = name, Item = item, ConditionExpression = "attribute_not_exists(pk)" })
      assert.is_true(bloop.is(err, bloop.ClientError))
      assert.equal("ClientError", err.name)
      assert.equal("ConditionalCheckFailedException", err.code)
      assert.equal(400, err.status)
      assert.is_string(err.message)
      assert.is_false(err.retried)
      assert.equal(1, err.attempts)
      assert.truthy(tostring(err):find("ConditionalCheckFailedException", 1, true))
    end)

    it("raises ValidationException for a key that does not match the schema", function()
      local err = helpers.raises(client.get_item, client, {
        TableName = name, Key = { pk = { S = "a" } } })  -- the range key is missing
      assert.equal("ValidationException", err.code)
      assert.equal(400, err.status)
      assert.truthy(#err.message > 0)
      assert.truthy(err.request_id and #err.request_id > 0)
      assert.is_nil(tostring(err):find(helpers.credentials.secret_access_key, 1, true))
    end)
  end)

  describe("answers", function()
    -- A runaway answer is cut off as it arrives, not read into memory: the cap is
    -- max_answer_bytes (a DynamoDB answer is at most a few MB; the default leaves room).
    it("refuses one larger than max_answer_bytes, naming the endpoint and the limit", function()
      local small = helpers.client("dynamodb", { max_answer_bytes = 8 })
      local err = helpers.raises(small.list_tables, small, {})
      assert.equal("ClientError", err.name)
      assert.equal("AnswerTooLarge", err.code)
      assert.matches(helpers.endpoint(helpers.backend()), err.message, 1, true)
      assert.matches("8 bytes of body, max_answer_bytes", err.message, 1, true)
      assert.equal(1, err.attempts)
      local engine = bloop.Engine{ dynamodb = small }
      assert.equal("table", type(engine))
    end)
  end)

  describe("query, scan and batches", function()
    local qpk = "q"
    setup(function()
      local writes = {}
      for i = 1, 20 do
        writes[#writes + 1] = { PutRequest = { Item = { pk = { S = qpk }, sk = { N = tostring(i) },
                                                         v = { S = "v" .. i } } } }
      end
      -- BatchWriteItem takes at most 25 requests; 20 fit one call
      local r = client:batch_write_item{ RequestItems = { [name] = writes } }
      assert.same({}, r.UnprocessedItems or {})
    end)

    it("queries a key range in order, both directions", function()
      local req = {
        TableName = name,
        KeyConditionExpression = "pk = :p AND sk BETWEEN :a AND :b",
        ExpressionAttributeValues = { [":p"] = { S = qpk }, [":a"] = { N = "5" }, [":b"] = { N = "9" } },
      }
      local r = client:query(req)
      assert.equal(5, r.Count)
      assert.equal("5", r.Items[1].sk.N)
      req.ScanIndexForward = false
      r = client:query(req)
      assert.equal("9", r.Items[1].sk.N)
    end)

    it("pages a query with Limit and ExclusiveStartKey", function()
      local seen, start = 0, nil
      repeat
        local r = client:query{
          TableName = name, Limit = 7, ExclusiveStartKey = start,
          KeyConditionExpression = "pk = :p",
          ExpressionAttributeValues = { [":p"] = { S = qpk } },
        }
        seen = seen + r.Count
        start = r.LastEvaluatedKey
      until not start
      assert.equal(20, seen)
    end)

    it("scans with a filter", function()
      local r = client:scan{
        TableName = name, FilterExpression = "v = :v",
        ExpressionAttributeValues = { [":v"] = { S = "v3" } },
      }
      assert.equal(1, r.Count)
      assert.equal("3", r.Items[1].sk.N)
    end)

    it("batch-gets items", function()
      local keys = {}
      for i = 1, 10 do keys[i] = { pk = { S = qpk }, sk = { N = tostring(i) } } end
      local r = client:batch_get_item{ RequestItems = { [name] = { Keys = keys } } }
      assert.equal(10, #r.Responses[name])
    end)

    it("keeps 50 requests in flight at once and returns each result in order", function()
      local calls = {}
      for i = 1, 50 do
        calls[i] = { "PutItem", { TableName = name,
                                  Item = { pk = { S = "many" }, sk = { N = tostring(i) } } } }
      end
      calls[51] = { "GetItem", { TableName = name, Key = { pk = { S = "a" } } } } -- no range key
      local results = client:call_many(calls)
      assert.equal(51, #results)
      for i = 1, 50 do assert.is_table(results[i].response, "call " .. i) end
      assert.equal("ValidationException", results[51].error.code)
      local r = client:query{ TableName = name, KeyConditionExpression = "pk = :p",
                              ExpressionAttributeValues = { [":p"] = { S = "many" } } }
      assert.equal(50, r.Count)
    end)
  end)

  describe("on dynalite #dynalite_only", function()
    -- moto validates no table names: it answers ResourceNotFoundException for "x"
    it("raises ValidationException for a bad table name", function()
      local err = helpers.raises(client.get_item, client, {
        TableName = "x", Key = { pk = { S = "a" } } })
      assert.is_true(bloop.is(err, bloop.ClientError))
      assert.equal("ValidationException", err.code)
      assert.equal(400, err.status)
      assert.truthy(err.message:find("tableName", 1, true), err.message)
    end)

    it("raises UnknownOperationException for DescribeContinuousBackups as a ClientError", function()
      local err = helpers.raises(client.describe_continuous_backups, client, { TableName = name })
      assert.is_true(bloop.is(err, bloop.ClientError))
      assert.equal("UnknownOperationException", err.code)
    end)
  end)

  describe("on moto #moto_only", function()
    it("commits TransactWriteItems", function()
      client:transact_write_items{ TransactItems = {
        { Put = { TableName = name, Item = { pk = { S = "tx" }, sk = { N = "1" } } } },
        { Put = { TableName = name, Item = { pk = { S = "tx" }, sk = { N = "2" } } } },
      } }
      local r = client:query{ TableName = name, KeyConditionExpression = "pk = :p",
                              ExpressionAttributeValues = { [":p"] = { S = "tx" } } }
      assert.equal(2, r.Count)
    end)

    it("reads the table's stream: ListStreams, DescribeStream, GetShardIterator, GetRecords", function()
      local streams = helpers.client("dynamodbstreams")
      client:put_item{ TableName = name, Item = { pk = { S = "streamed" }, sk = { N = "1" } } }
      local list = streams:list_streams{ TableName = name }
      assert.equal(1, #list.Streams)
      local arn = list.Streams[1].StreamArn
      local desc = streams:describe_stream{ StreamArn = arn }.StreamDescription
      assert.equal("NEW_AND_OLD_IMAGES", desc.StreamViewType)
      local shard = desc.Shards[1].ShardId
      local it = streams:get_shard_iterator{ StreamArn = arn, ShardId = shard,
                                             ShardIteratorType = "TRIM_HORIZON" }.ShardIterator
      local records = streams:get_records{ ShardIterator = it }.Records
      local found = false
      for _, rec in ipairs(records) do
        local keys = rec.dynamodb.Keys
        found = found or (keys.pk.S == "streamed" and rec.eventName == "INSERT")
      end
      assert.is_true(found)
    end)
  end)
end)
