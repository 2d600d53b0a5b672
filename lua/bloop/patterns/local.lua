-- bloop.patterns.local: Python bloop's DynamoDB Local patch, for servers that lack TTL and
-- continuous backups (dynalite answers DescribeTimeToLive but knows neither
-- UpdateTimeToLive nor Describe/UpdateContinuousBackups).
--
--   local client = require("bloop.patterns.local").patch_engine(engine)
--   client.mock_ttl["MyTableName"] = true
--   client.mock_backups["MyTableName"] = false
--
-- By default both describe calls answer "DISABLED"; mock_ttl / mock_backups switch a table
-- to "ENABLED". Unlike Python bloop's pattern, the update calls are stubbed too (they record the request
-- into the mocks), so binding a model that asks for TTL or backups works on a fresh table
-- without setting the mocks first. Every other operation goes to the real client, natively.
local bloop = require("bloop")

local M = {}

function M.patch_engine(engine)
  local real = engine.session.dynamodb_client
  local client = { mock_ttl = {}, mock_backups = {} }
  function client:describe_time_to_live(req)
    return { TimeToLiveDescription = { TimeToLiveStatus =
      self.mock_ttl[req.TableName] and "ENABLED" or "DISABLED" } }
  end
  function client:describe_continuous_backups(req)
    return { ContinuousBackupsDescription = { ContinuousBackupsStatus =
      self.mock_backups[req.TableName] and "ENABLED" or "DISABLED" } }
  end
  function client:update_time_to_live(req)
    local spec = req.TimeToLiveSpecification or {}
    self.mock_ttl[req.TableName] = spec.Enabled and true or false
    return { TimeToLiveSpecification = spec }
  end
  function client:update_continuous_backups(req)
    local spec = req.PointInTimeRecoverySpecification or {}
    self.mock_backups[req.TableName] = spec.PointInTimeRecoveryEnabled and true or false
    return { ContinuousBackupsDescription = { ContinuousBackupsStatus =
      self.mock_backups[req.TableName] and "ENABLED" or "DISABLED" } }
  end
  engine.session.dynamodb_client = bloop.wrap_client(real, client) -- everything else: real
  return client
end

return M
