-- The benchmark models, shared by bloop_bench.lua and first_object_engine.lua:
--   User  on TABLE:   id (String, hash key), n (Number), ok (Boolean), tags (Set(String)),
--                     info (Map{city = String, zip = Number}), name (String)
--   QItem on TABLE-q: pk (String, hash key), sk (Number, range key) and the same six.
--   SItem on TABLE-s: the same six as User (the scan rows' table).
-- The boto3 peer (peer_boto3.py) writes and reads the very same attributes.
local bloop = require("bloop")
local Column = bloop.Column

local function six(M, id_opts)
  M.id = Column(bloop.String, id_opts)
  M.n = Column(bloop.Number)
  M.ok = Column(bloop.Boolean)
  M.tags = Column(bloop.Set(bloop.String))
  M.info = Column(bloop.Map{ city = bloop.String, zip = bloop.Number })
  M.name = Column(bloop.String)
  return M
end

return function(tbl)
  local User = six(bloop.Model:extend("User", { table_name = tbl }), { hash_key = true })
  local QItem = bloop.Model:extend("QItem", { table_name = tbl .. "-q" })
  QItem.pk = Column(bloop.String, { hash_key = true })
  QItem.sk = Column(bloop.Number, { range_key = true })
  six(QItem)
  local SItem = six(bloop.Model:extend("SItem", { table_name = tbl .. "-s" }), { hash_key = true })
  return User, QItem, SItem
end
