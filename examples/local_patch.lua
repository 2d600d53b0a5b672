-- local_patch.lua: Python bloop's "DynamoDB Local" pattern (bloop.patterns.local). dynalite
-- (like DynamoDB Local) answers DescribeTimeToLive but knows neither UpdateTimeToLive nor
-- the continuous-backups calls, so a model asking for TTL and backups binds only through
-- the patch.
-- Run: BLOOP_ENDPOINT=http://127.0.0.1:8000 build/bin/bloop examples/local_patch.lua
local bloop = require("bloop")
local patch_engine = require("bloop.patterns.local").patch_engine

local endpoint = os.getenv("BLOOP_ENDPOINT")
local opts = endpoint and { endpoint = endpoint, region = "us-east-1",
  credentials = { access_key_id = "local", secret_access_key = "local" } } or nil
local dynamodb = bloop.client("dynamodb", opts)
local dynamodbstreams = bloop.client("dynamodbstreams", opts)
local engine = bloop.Engine{ dynamodb = dynamodb, dynamodbstreams = dynamodbstreams }

local client = patch_engine(engine)

local table_name = "patch-local-" .. os.time() .. "-" .. math.random(1e6)
local Session = bloop.Model:extend("Session", {
  table_name = table_name,
  ttl = { column = "expires" },
  backups = { enabled = true },
})
Session.id = bloop.Column(bloop.String, { hash_key = true })
Session.expires = bloop.Column(bloop.Timestamp)

client.mock_ttl[table_name] = true
client.mock_backups[table_name] = true

engine:bind(Session)
print("bound Session with TTL and backups (mocked)")

local patched = engine.session.dynamodb_client
local ttl = patched:describe_time_to_live{ TableName = table_name }
local backups = patched:describe_continuous_backups{ TableName = table_name }
print("describe_time_to_live: " .. ttl.TimeToLiveDescription.TimeToLiveStatus)
print("describe_continuous_backups: "
  .. backups.ContinuousBackupsDescription.ContinuousBackupsStatus)

-- Timestamp stores whole seconds
local s = Session{ id = "s1", expires = bloop.datetime.parse("2030-01-01T00:00:00Z") }
engine:save(s)
local back = Session{ id = "s1" }
engine:load(back)
assert(back.expires == s.expires, "expires did not round-trip")
print("saved and loaded " .. tostring(back) .. ", expires " .. back.expires:isoformat())

-- everything the patch does not override still goes to the real client
local d = patched:describe_table{ TableName = table_name }
assert(d.Table.TableStatus == "ACTIVE")
print("describe_table went to the real client: " .. d.Table.TableStatus)
