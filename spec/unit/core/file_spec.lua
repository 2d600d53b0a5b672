-- core.write_file_atomic (src/lua/lfile.c over src/base/file.c): a file's contents replaced
-- through a temporary file, fsync and rename; failures answered like io.open.
local core = require("bloop.core")
local read = require("spec.helpers").read_file

describe("core.write_file_atomic", function()
  local dir
  before_each(function() dir = assert(io.popen("mktemp -d")):read("l") end)
  after_each(function() os.execute("rm -rf '" .. dir .. "'") end)

  local function listing()
    local names = {}
    for name in assert(io.popen("ls -A '" .. dir .. "'")):lines() do names[#names + 1] = name end
    return names
  end

  it("creates a file, then replaces it whole, leaving no temporary file", function()
    local path = dir .. "/token"
    assert.is_true(core.write_file_atomic(path, "first, and longer\n"))
    assert.equal("first, and longer\n", read(path))
    assert.is_true(core.write_file_atomic(path, "second"))
    assert.equal("second", read(path))
    assert.is_true(core.write_file_atomic(path, "bin\0ary"))
    assert.equal("bin\0ary", read(path))
    assert.same({ "token" }, listing())
  end)

  it("answers nil, a message and errno when it cannot write, and leaves nothing", function()
    local ok, msg, code = core.write_file_atomic(dir .. "/missing/token", "x")
    assert.is_nil(ok)
    assert.equal(dir .. "/missing/token: No such file or directory", msg)
    assert.equal(2, code)
    os.execute("mkdir '" .. dir .. "/target'")   -- a directory cannot be renamed over
    ok, msg = core.write_file_atomic(dir .. "/target", "x")
    assert.is_nil(ok)
    assert.matches("^" .. dir:gsub("%p", "%%%0") .. "/target: ", msg)
    assert.same({ "target" }, listing())
  end)

  it("raises on misuse", function()
    assert.has_error(function() core.write_file_atomic(nil, "x") end)
    assert.has_error(function() core.write_file_atomic("/tmp/x", {}) end)
  end)
end)
