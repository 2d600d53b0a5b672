-- bloop.patterns: Python bloop's "Patterns" page as modules (local, conditions, float), and its
-- Cross-Region Replication (replication).
return {
  ["local"] = require("bloop.patterns.local"),
  conditions = require("bloop.patterns.conditions"),
  float = require("bloop.patterns.float"),
  if_not_exist = require("bloop.patterns.conditions").if_not_exist,
  snapshot = require("bloop.patterns.conditions").snapshot,
  patch_engine = require("bloop.patterns.local").patch_engine,
  Float = require("bloop.patterns.float").Float,
  replication = require("bloop.patterns.replication"),
  replicate = require("bloop.patterns.replication").replicate,
}
