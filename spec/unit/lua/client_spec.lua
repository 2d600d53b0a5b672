-- Building clients: options, methods and what a client shows of itself. No network: a
-- client resolves its configuration when built and connects on its first call.
local bloop = require("bloop")
local helpers = require("spec.helpers")
local core = require("bloop.core")

local creds = { access_key_id = "AKIDUNIT", secret_access_key = "unit-secret-xyz" }

describe("bloop.client", function()
  it("has one snake_case method per DynamoDB operation", function()
    local c = bloop.client("dynamodb", { endpoint = "http://127.0.0.1:1", region = "us-east-1",
                                         credentials = creds })
    local ops = core.operations("dynamodb")
    assert.truthy(#ops >= 57)
    for _, op in ipairs(ops) do assert.is_function(c[op.method], op.method) end
    assert.is_function(c.describe_time_to_live)
    assert.is_function(c.transact_write_items)
    assert.is_nil(c.get_records)
  end)

  it("has the four Streams methods on a streams client", function()
    local c = bloop.client("dynamodbstreams", { endpoint = "http://127.0.0.1:1",
                                                region = "us-east-1", credentials = creds })
    for _, m in ipairs({ "list_streams", "describe_stream", "get_shard_iterator", "get_records" }) do
      assert.is_function(c[m])
    end
    assert.is_nil(c.put_item)
    assert.equal("dynamodbstreams", c:service())
  end)

  it("shows service, endpoint and region, never credentials", function()
    local c = bloop.client("dynamodb", { endpoint = "http://127.0.0.1:1", region = "eu-west-1",
                                         credentials = creds })
    local s = tostring(c)
    assert.equal("bloop.Client(dynamodb, http://127.0.0.1:1, eu-west-1)", s)
    assert.is_nil(s:find("unit-secret", 1, true))
    assert.equal("eu-west-1", c:region())
  end)

  it("builds the endpoint from the region", function()
    local c = bloop.client("dynamodb", { region = "us-west-2", credentials = creds })
    assert.equal("https://dynamodb.us-west-2.amazonaws.com", c:endpoint())
    local s = bloop.client("dynamodbstreams", { region = "cn-north-1", credentials = creds })
    assert.equal("https://streams.dynamodb.cn-north-1.amazonaws.com.cn", s:endpoint())
  end)

  -- misuse is an InvalidArgument at the caller's line, as everywhere in bloop
  it("refuses an unknown service and unknown options", function()
    helpers.misuse(function() bloop.client("s3", {}) end)
    local err = helpers.misuse(function()
      bloop.client("dynamodb", { regoin = "us-east-1", credentials = creds })
    end, "bloop.client: unknown option 'regoin'")
    assert.matches("^spec/unit/lua/client_spec.lua:%d+: ", err.message)
  end)

  it("refuses half of a key pair", function()
    helpers.misuse(function()
      bloop.client("dynamodb", { region = "us-east-1", credentials = { access_key_id = "a" } })
    end, "bloop.client: credentials need both access_key_id and secret_access_key")
  end)

  it("refuses an option string holding NUL, and durations it cannot hold", function()
    helpers.misuse(function()
      bloop.client("dynamodb", { region = "us-east-1", credentials = creds,
        endpoint = "http://127.0.0.1:1\0.evil" })
    end, "bloop.client: option 'endpoint' holds a NUL byte")
    for _, v in ipairs{ 1e300, 0 / 0, 1 / 0 } do
      local err = helpers.misuse(function()
        bloop.client("dynamodb", { region = "us-east-1", credentials = creds, timeout = v })
      end)
      assert.matches("option 'timeout' must be at most 31622400 seconds %(a year%)", err.message)
    end
    helpers.misuse(function()
      bloop.client("dynamodb", { region = "us-east-1", credentials = creds, max_answer_bytes = -1 })
    end, "bloop.client: option 'max_answer_bytes' must be a non-negative integer")
    assert.equal("bloop.Client", bloop.typename(bloop.client("dynamodb",
      { region = "us-east-1", credentials = creds, max_answer_bytes = 1024 })))
  end)

  it("raises a ConfigurationError naming what was looked at when there is no region", function()
    local ok, err = pcall(bloop.client, "dynamodb", {
      credentials = creds, profile = "bloop-spec-no-such-profile-region" })
    if ok then return end -- a machine with a default region configured has nothing to show
    assert.equal("ConfigurationError", err.name)
    assert.is_true(bloop.is(err, bloop.ConfigurationError))
  end)

  it("raises InvalidRequest naming the field of a request that cannot be sent", function()
    local c = bloop.client("dynamodb", { endpoint = "http://127.0.0.1:1", region = "us-east-1",
                                         credentials = creds })
    local ok, err = pcall(c.put_item, c, { TableName = "t", Item = { n = { N = 0 / 0 } } })
    assert.is_false(ok)
    assert.equal("InvalidRequest", err.name)
    assert.equal("PutItem request: Item.n.N: number is NaN or infinite", err.message)
  end)

  it("raises a ClientError with a network code when nothing listens", function()
    local c = bloop.client("dynamodb", { endpoint = "http://127.0.0.1:1", region = "us-east-1",
                                         credentials = creds, max_attempts = 2,
                                         retry = { base_delay = 0.001 } })
    local ok, err = pcall(c.list_tables, c, {})
    assert.is_false(ok)
    assert.equal("ClientError", err.name)
    assert.equal("NetworkError", err.code)
    assert.equal(2, err.attempts)
    assert.is_true(err.retried)
  end)

  it("cannot be used once closed", function()
    local c = bloop.client("dynamodb", { endpoint = "http://127.0.0.1:1", region = "us-east-1",
                                         credentials = creds })
    c:close()
    assert.has_error(function() c:list_tables{} end, "attempt to use a closed bloop.Client")
    assert.equal("bloop.Client (closed)", tostring(c))
  end)
end)

describe("bloop.wrap_client", function()
  it("overrides some operations and sends every other one to the real client", function()
    local real = bloop.client("dynamodb", { endpoint = "http://127.0.0.1:1", region = "us-east-1",
                                            credentials = creds })
    local wrapper = { mock_ttl = { t = true } }
    function wrapper:describe_time_to_live(req)
      return { TimeToLiveDescription = {
        TimeToLiveStatus = self.mock_ttl[req.TableName] and "ENABLED" or "DISABLED" } }
    end
    local c = bloop.wrap_client(real, wrapper)
    assert.equal("ENABLED", c:describe_time_to_live{ TableName = "t" }.TimeToLiveDescription.TimeToLiveStatus)
    assert.equal("DISABLED", c:describe_time_to_live{ TableName = "u" }.TimeToLiveDescription.TimeToLiveStatus)
    assert.equal("us-east-1", c:region())
    -- list_tables is not overridden: it reaches the real client, which finds no server
    local ok, err = pcall(c.list_tables, c, {})
    assert.is_false(ok)
    assert.equal("NetworkError", err.code)
  end)
end)
