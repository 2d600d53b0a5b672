-- spec/unit/host/bloop_spec.lua: the `bloop` binary behaves like the stand-alone lua 5.4
-- (options, `arg`, exit codes, messages), with bloop available without LUA_PATH.
-- Runs the built binary: $BLOOP_BIN, default <repo>/build/bin/bloop (build/bloop is the
-- directory of the C module build/bloop/core.so). Where lua5.4 is installed, outputs are
-- compared with it, its "lua5.4:" prefix read as "bloop:".

local repo = debug.getinfo(1, "S").source:match("^@(.*)/spec/unit/host/[^/]*$") or "."
if repo:sub(1, 1) ~= "/" then
  repo = assert(io.popen("pwd")):read("l") .. "/" .. repo
end
local BIN = os.getenv("BLOOP_BIN") or (repo .. "/build/bin/bloop")
local LUA = "lua5.4"

local function q(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

local tmpdir = assert(io.popen("mktemp -d")):read("l")

local function write(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
  return path
end

local read = require("spec.helpers").read_file

-- Runs `prog args...` through the shell (cmd is already quoted); env is a prefix such as
-- "LUA_INIT=x ". Returns stdout, stderr, exit code.
local function run(prog, cmd, opts)
  opts = opts or {}
  local errfile = tmpdir .. "/stderr"
  local line = (opts.env or "") .. q(prog) .. " " .. (cmd or "") .. " 2>" .. q(errfile)
  if opts.stdin then line = line .. " <" .. q(write(tmpdir .. "/stdin", opts.stdin)) end
  if opts.cd then line = "cd " .. q(opts.cd) .. " && " .. line end
  local p = assert(io.popen(line, "r"))
  local out = p:read("a")
  local _, _, code = p:close()
  return out, read(errfile) or "", code
end

local function bloop(cmd, opts) return run(BIN, cmd, opts) end

local have_lua = os.execute("command -v " .. LUA .. " >/dev/null 2>&1")

-- Runs the same arguments under bloop and lua5.4 and expects the same stdout, stderr
-- (program name aside) and exit code.
local function same_as_lua(cmd, opts)
  local out, err, code = bloop(cmd, opts)
  if not have_lua then return out, err, code end
  local lout, lerr, lcode = run(LUA, cmd, opts)
  lerr = lerr:gsub("%f[%w]lua5%.4: ", "bloop: "):gsub("usage: lua5%.4 ", "usage: bloop ")
  assert.are.equal(lout, out)
  assert.are.equal(lerr, err)
  assert.are.equal(lcode, code)
  return out, err, code
end

describe("bloop host", function()
  setup(function()
    local f = io.open(BIN, "rb")
    assert(f, "bloop binary not found at " .. BIN .. " (set BLOOP_BIN)")
    f:close()
  end)

  teardown(function()
    os.execute("rm -rf " .. q(tmpdir))
  end)

  describe("bloop modules", function()
    it("finds require('bloop') without LUA_PATH", function()
      local out, err, code = bloop("-e " .. q('print(require("bloop").version)'),
                                   { env = "LUA_PATH= LUA_PATH_5_4= " })
      assert.are.equal("", err)
      assert.are.equal(0, code)
      assert.matches("^%d+%.%d+%.%d+\n$", out)
    end)

    it("preloads bloop.core into package.preload", function()
      local out = bloop("-e " .. q('print(type(package.preload["bloop.core"]))'))
      assert.are.equal("function\n", out)
    end)

    it("honours BLOOP_LUA_DIR, and -E ignores it", function()
      local dir = tmpdir .. "/mods"
      os.execute("mkdir -p " .. q(dir .. "/bloop"))
      write(dir .. "/bloop/init.lua", 'return { version = "from-override" }\n')
      local prog = q('print(require("bloop").version)')
      local out = bloop("-e " .. prog, { env = "BLOOP_LUA_DIR=" .. q(dir) .. " " })
      assert.are.equal("from-override\n", out)
      out = bloop("-E -e " .. prog, { env = "BLOOP_LUA_DIR=" .. q(dir) .. " " })
      assert.matches("^%d+%.%d+%.%d+\n$", out)
    end)

    describe("precompiled chunks", function()
      -- package.searchers[2] is the runtime's precompiled searcher (src/lua/runtime.c); it
      -- answers (function, file) only when a chunk made from that very source exists.
      local probe = q([[
        local f, file = package.searchers[2]("bloop.pretty")
        print(type(f), file)
        if type(f) == "function" then
          local ok, m = pcall(f, "bloop.pretty", file)
          print(ok and type(m.format) or m)
        end]])
      local copy = tmpdir .. "/copy"

      setup(function()
        os.execute("rm -rf " .. q(copy) .. " && cp -r " .. q(repo .. "/lua") .. " " .. q(copy))
      end)

      it("loads a module from its chunk while the source is the one it was made from",
        function()
        local out, err = bloop("-e " .. probe, { env = "BLOOP_LUA_DIR=" .. q(copy) .. " " })
        assert.are.equal("", err)
        assert.are.equal("function\t" .. copy .. "/bloop/pretty.lua\nfunction\n", out)
      end)

      it("keeps the source's file name and line numbers, as a parsed module would", function()
        local out = bloop("-e " .. q([[
          local f, file = package.searchers[2]("bloop.pretty")
          local m = f("bloop.pretty", file)
          local info = debug.getinfo(m.format, "S")
          print(info.source, info.linedefined > 0)
          ]]), { env = "BLOOP_LUA_DIR=" .. q(copy) .. " " })
        assert.are.equal("@" .. copy .. "/bloop/pretty.lua\ttrue\n", out:match("^[^\n]*\n"))
        assert.is_nil(out:find("=bloop", 1, true))
      end)

      it("parses an edited module instead of its stale chunk, without a rebuild", function()
        local path = copy .. "/bloop/pretty.lua"
        write(path, read(path) .. "\n-- edited\n")
        local out = bloop("-e " .. probe, { env = "BLOOP_LUA_DIR=" .. q(copy) .. " " })
        assert.are.equal("nil\tnil\n", out)
        out = bloop("-e " .. q('print(#package.searchers, type(require("bloop.pretty").format))'),
          { env = "BLOOP_LUA_DIR=" .. q(copy) .. " " })
        assert.are.equal("5\tfunction\n", out)
      end)

      it("uses no chunk for a module outside bloop", function()
        write(copy .. "/other.lua", "return 1\n")
        local out = bloop("-e " .. q('print(package.searchers[2]("other"))'))
        assert.are.equal("\n", out)
      end)
    end)

    it("offers the pretty printer as bloop.pretty", function()
      local out = bloop("-e " .. q('print(require("bloop.pretty").format({b = 1, a = {2}}))'))
      assert.are.equal("{ a = { 2 }, b = 1 }\n", out)
    end)
  end)

  describe("standard input", function()
    it("runs stdin with '-'", function()
      local out, err, code = same_as_lua("-", { stdin = "print(1+1)\n" })
      assert.are.equal("2\n", out)
      assert.are.equal("", err)
      assert.are.equal(0, code)
    end)

    it("runs stdin as a script when it is not a terminal and there is no script", function()
      local out = same_as_lua("", { stdin = "print(1+1, select('#', ...))\n" })
      assert.are.equal("2\t0\n", out)
    end)

    it("passes arguments after '-' to the chunk", function()
      local out = same_as_lua("- a b", { stdin = "print(...)\n" })
      assert.are.equal("a\tb\n", out)
    end)

    it("shows prompts and results with -i when stdin is not a terminal", function()
      local out, _, code = bloop("-i", { stdin = "x = 20\nx * 2 + 2\n" })
      assert.are.equal(0, code)
      assert.matches("^bloop %S+ %(Lua 5%.4[.%d]*%)\n", out)
      assert.matches("\n?> > 42\n> \n$", out)
    end)
  end)

  describe("scripts", function()
    local script
    setup(function()
      script = write(tmpdir .. "/args.lua", [[
print(select("#", ...), ...)
print(arg[0], arg[1], arg[2], #arg)
for i = -1, -3, -1 do io.write(tostring(arg[i]), " ") end
print()
]])
    end)

    it("gets its arguments as ... and in arg", function()
      local out, err, code = bloop(q(script) .. " one 'two words'")
      assert.are.equal("", err)
      assert.are.equal(0, code)
      assert.are.equal(
        "2\tone\ttwo words\n" ..
        script .. "\tone\ttwo words\t2\n" ..
        BIN .. " nil nil \n", out)
    end)

    it("puts options before the script at negative indices", function()
      local out = bloop("-e 'x=1' " .. q(script) .. " a")
      assert.are.equal("1\ta\n" .. script .. "\ta\tnil\t1\n" .. "x=1 -e " .. BIN .. " \n", out)
    end)

    it("matches lua5.4 for the same script and arguments", function()
      local plain = write(tmpdir .. "/plain.lua", "print(select('#', ...), ..., arg[0], #arg)\n")
      same_as_lua(q(plain) .. " 1 2 3")
    end)

    it("returns the script's os.exit code", function()
      local _, _, code = bloop("-e 'os.exit(7)'")
      assert.are.equal(7, code)
    end)
  end)

  describe("errors", function()
    it("reports a syntax error in -e like lua, exit 1", function()
      local out, err, code = same_as_lua("-e 'x='")
      assert.are.equal("", out)
      assert.are.equal("bloop: (command line):1: unexpected symbol near <eof>\n", err)
      assert.are.equal(1, code)
    end)

    it("reports a syntax error in a script like lua", function()
      local bad = write(tmpdir .. "/bad.lua", "local x = 1\nx = = 2\n")
      local _, err, code = same_as_lua(q(bad))
      assert.are.equal("bloop: " .. bad .. ":2: unexpected symbol near '='\n", err)
      assert.are.equal(1, code)
    end)

    it("reports a run-time error with a traceback like lua", function()
      local _, err, code = same_as_lua("-e 'error(\"boom\")'")
      assert.are.equal(1, code)
      assert.matches("^bloop: %(command line%):1: boom\nstack traceback:\n", err)
    end)

    it("reports a non-string error object like lua", function()
      local _, err = same_as_lua("-e 'error({})'")
      assert.matches("^bloop: %(error object is a table value%)\n", err)
    end)

    it("shows an error object through its __tostring", function()
      local _, err, code = same_as_lua(
        "-e 'error(setmetatable({}, {__tostring = function() return \"E!\" end}))'")
      assert.are.equal("bloop: E!\n", err)
      assert.are.equal(1, code)
    end)

    describe("a bloop error", function()
      it("is shown at the line of the user's code that raised it, not bloop's", function()
        local script = write(tmpdir .. "/raise.lua", table.concat({
          "local function make()",
          "  return bloop.Engine({ region = 'us-east-1', endpoint = 'http://127.0.0.1:1',",
          "    credentials = { access_key_id = 'AKID', secret_access_key = 'x' } })",
          "end",
          "local engine = make()",
          "engine:save(42)",
          "",
        }, "\n"))
        local _, err, code = bloop(q(script))
        assert.are.equal(1, code)
        -- an InvalidArgument names the caller's line in its message: not twice
        assert.matches("^bloop: InvalidArgument: " .. tmpdir:gsub("%p", "%%%0") ..
          "/raise%.lua:6: engine:save", err)
        assert.not_matches("stack traceback", err)
      end)

      it("gets the file:line before its name where its message has none", function()
        write(tmpdir .. "/raise2.lua", table.concat({
          "local errors = require('bloop.errors')",
          "local function check()",
          "  errors.raise(errors.classes.ConstraintViolation, 'Note save: refused')",
          "end",
          "check()",
          "",
        }, "\n"))
        local _, err, code = bloop(q("raise2.lua"), { cd = tmpdir })
        assert.are.equal(1, code)
        assert.are.equal("bloop: raise2.lua:3: ConstraintViolation: Note save: refused\n", err)
        -- one caught through pcall (a C caller: no position in its message) and raised
        -- again: the line of the script's error() call
        _, err = bloop([[-e 'local ok, e = pcall(bloop.Model.extend, bloop.Model)
error(e)']])
        assert.are.equal("bloop: (command line):2: InvalidArgument: Model:extend(name, meta): " ..
          "a model name is required (argument 1)\n", err)
      end)

      it("gets a full traceback with BLOOP_TRACEBACK=1", function()
        local script = "raise2.lua"
        local _, err = bloop(q(script), { cd = tmpdir, env = "BLOOP_TRACEBACK=1 " })
        assert.matches("^bloop: raise2.lua:3: ConstraintViolation: Note save: refused\n" ..
          "stack traceback:\n", err)
        assert.matches("\n%s*raise2%.lua:3: in local 'check'\n%s*raise2%.lua:5: in main chunk", err)
        _, err = bloop(q(script), { cd = tmpdir, env = "BLOOP_TRACEBACK=0 " })
        assert.are.equal("bloop: raise2.lua:3: ConstraintViolation: Note save: refused\n", err)
      end)
    end)

    it("reports a missing script like lua", function()
      local _, err, code = same_as_lua(q(tmpdir .. "/nope.lua"))
      assert.are.equal("bloop: cannot open " .. tmpdir .. "/nope.lua: No such file or directory\n",
                       err)
      assert.are.equal(1, code)
    end)

    it("answers --help and --version on stdout and exits 0, running nothing", function()
      local out, err, code = bloop("--help -e 'print(1)'")
      assert.are.equal(0, code)
      assert.are.equal("", err)
      assert.matches("^usage: bloop %[options%] %[script %[args%]%]\n", out)
      assert.matches("\n  %-%-help    show this text and exit\n  %-%-version show the version and exit\n" ..
        "Environment: BLOOP_TRACEBACK=1 shows a traceback with a bloop error\n", out)
      assert.matches("\nCommands:\n  bloop local start %[%-%-server dynalite|moto%] %[%-%-port P%]\n" ..
        ".*  bloop local stop|status|env\n.*\n$", out)
      out, err, code = bloop("--version")
      assert.are.equal(0, code)
      assert.matches("^bloop %d+%.%d+%.%d+ %(Lua 5%.4", out)
      -- after the script they are the script's arguments
      out = bloop("-e 'print(arg[1])' - --help", { stdin = "" })
      assert.are.equal("--help\n", out)
    end)

    it("rejects an unknown option with the usage text", function()
      local _, err, code = same_as_lua("-x")
      assert.are.equal(1, code)
      assert.matches("^bloop: unrecognized option '%-x'\nusage: bloop %[options%] %[script %[args%]%]\n", err)
    end)

    it("says when -e or -l lacks its argument", function()
      local _, err, code = same_as_lua("-e")
      assert.are.equal(1, code)
      assert.matches("^bloop: '%-e' needs argument\n", err)
      _, err = same_as_lua("-l")
      assert.matches("^bloop: '%-l' needs argument\n", err)
    end)

    it("stops at the first failing -e", function()
      local out, _, code = same_as_lua("-e 'print(1)' -e 'error(\"x\")' -e 'print(3)'")
      assert.are.equal("1\n", out)
      assert.are.equal(1, code)
    end)
  end)

  describe("the global bloop", function()
    it("is require('bloop') in -e, scripts, stdin and the REPL alike", function()
      local script = write(tmpdir .. "/global.lua", "print(bloop == require('bloop'))\n")
      assert.are.equal("true\n", (bloop("-e 'print(bloop == require(\"bloop\"))'")))
      assert.are.equal("true\n", (bloop(q(script))))
      assert.are.equal("true\n", (bloop("-", { stdin = "print(bloop == require('bloop'))" })))
      local out = bloop("-i", { stdin = "bloop == require('bloop')\n" })
      assert.matches("\n> true\n", out)
    end)

    it("gives way to -l bloop=mod", function()
      assert.are.equal("1\n", (bloop("-l bloop=string -e 'print(bloop.format(\"%d\", 1))'")))
    end)
  end)

  describe("options", function()
    it("-v prints bloop's and Lua's versions", function()
      local out, err, code = bloop("-v")
      assert.are.equal("", err)
      assert.are.equal(0, code)
      local version = out:match("^bloop (%d+%.%d+%.%d+) %(Lua 5%.4%.%d+%)\n$")
      assert.is_not_nil(version, out)
      if have_lua then
        local lv = run(LUA, "-v"):match("^(Lua 5%.4%.%d+)")
        assert.is_truthy(out:find("(" .. lv .. ")", 1, true), out)
      end
    end)

    it("-e runs code in order", function()
      local out = same_as_lua("-e 'x = 1' -e 'print(x + 1)'")
      assert.are.equal("2\n", out)
    end)

    it("-l mod requires into a global of the same name", function()
      local mods = tmpdir .. "/lmods"
      os.execute("mkdir -p " .. q(mods))
      write(mods .. "/greet.lua", "return { hi = 'hello' }\n")
      local env = { env = "LUA_PATH=" .. q(mods .. "/?.lua") .. " " }
      local out = same_as_lua("-l greet -e 'print(greet.hi)'", env)
      assert.are.equal("hello\n", out)
    end)

    it("-l g=mod requires into global g", function()
      local out = bloop("-l pp=bloop.pretty -e 'print(pp.format({1}))'")
      assert.are.equal("{ 1 }\n", out)
      out = same_as_lua("-l s=string -e 'print(s.rep(\"ab\", 2))'")
      assert.are.equal("abab\n", out)
    end)

    it("-l with a missing module fails like lua", function()
      local _, err, code = bloop("-l no_such_module_x")
      assert.are.equal(1, code)
      assert.matches("^bloop: module 'no_such_module_x' not found:\n", err)
    end)

    it("-- stops option handling", function()
      local s = write(tmpdir .. "/dd.lua", "print(arg[0], ...)\n")
      local out = same_as_lua("-- " .. q(s) .. " -e x")
      assert.are.equal(s .. "\t-e\tx\n", out)
    end)

    it("after --, '-' is a file name, not stdin", function()
      local dir = tmpdir .. "/dash"
      os.execute("mkdir -p " .. q(dir))
      write(dir .. "/-", "print('from the file named -')\n")
      local out = same_as_lua("-- -", { cd = dir, stdin = "print('from stdin')\n" })
      assert.are.equal("from the file named -\n", out)
    end)

    it("-W turns warnings on", function()
      local _, err = same_as_lua("-W -e 'warn(\"careful\")'")
      assert.are.equal("Lua warning: careful\n", err)
      _, err = same_as_lua("-e 'warn(\"careful\")'")
      assert.are.equal("", err)
    end)
  end)

  describe("LUA_INIT", function()
    it("runs LUA_INIT first", function()
      local out = same_as_lua("-e 'print(x)'", { env = "LUA_INIT='x = 5' " })
      assert.are.equal("5\n", out)
    end)

    it("prefers LUA_INIT_5_4", function()
      local out = same_as_lua("-e 'print(x)'", { env = "LUA_INIT='x = 5' LUA_INIT_5_4='x = 6' " })
      assert.are.equal("6\n", out)
    end)

    it("runs a file with LUA_INIT=@file", function()
      local f = write(tmpdir .. "/init.lua", "y = 'from init file'\n")
      local out = same_as_lua("-e 'print(y)'", { env = "LUA_INIT=@" .. q(f) .. " " })
      assert.are.equal("from init file\n", out)
    end)

    it("reports an error in LUA_INIT and stops", function()
      local out, err, code = same_as_lua("-e 'print(1)'", { env = "LUA_INIT='error(\"init\")' " })
      assert.are.equal("", out)
      assert.matches("^bloop: LUA_INIT:1: init\n", err)
      assert.are.equal(1, code)
    end)

    it("-E ignores LUA_INIT and LUA_PATH", function()
      local out = same_as_lua("-E -e 'print(x, package.path:find(\"/nowhere/\", 1, true))'",
                              { env = "LUA_INIT='x = 5' LUA_PATH='/nowhere/?.lua' " })
      assert.are.equal("nil\tnil\n", out)
    end)
  end)
  describe("SIGINT and SIGTERM as a flag (bloop.catch_interrupts, bloop.interrupted)", function()
    it("sets the flag while a script catches, and clears it when catching starts again", function()
      local script = write(tmpdir .. "/catch.lua", [[
local bloop = require("bloop")
print(bloop.interrupted(), bloop.catch_interrupts(true))
os.execute("kill -TERM $PPID")
print(bloop.interrupted())
print(bloop.catch_interrupts(false), bloop.catch_interrupts(true), bloop.interrupted())
io.popen("kill -INT $PPID"):close()  -- system() ignores SIGINT while it waits
print(bloop.interrupted())
]])
      local out, err, code = bloop(q(script))
      assert.are.equal("false\tfalse\nSIGTERM\ntrue\tfalse\tfalse\nSIGINT\n", out)
      assert.are.equal("", err)
      assert.are.equal(0, code)
    end)

    it("lets a second signal end the process", function()
      local script = write(tmpdir .. "/twice.lua", [[
require("bloop").catch_interrupts(true)
os.execute("kill -TERM $PPID")
os.execute("kill -TERM $PPID")
print("survived")
]])
      local out, _, code = bloop(q(script))
      assert.are.equal("", out)
      assert.is_true(code == 143 or code == 15)
    end)

    it("raises \"interrupted!\" on SIGINT again once catching stops", function()
      local out, err, code = bloop("-e " .. q([[
local bloop = require("bloop")
bloop.catch_interrupts(true)
bloop.catch_interrupts(false)
io.popen("kill -INT $PPID"):close()  -- system() ignores SIGINT while it waits
while true do end]]))
      assert.are.equal("", out)
      assert.matches("interrupted!", err)
      assert.are.equal(1, code)
    end)
  end)
end)
