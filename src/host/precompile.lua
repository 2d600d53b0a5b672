-- Build step (CMakeLists.txt, target bloop_luac): precompiles the bloop Lua modules for the
-- runtime's searcher (src/lua/runtime.c, "Precompiled modules"), run by the built host so
-- that the bytecode is that of the linked liblua.
--   bloop precompile.lua SRCDIR OUTDIR REL...   writes OUTDIR/REL.."c" for each SRCDIR/REL
-- Each output is the line "bloop-luac 1 <FNV-1a 64 of the source, hex> <source size>\n"
-- followed by string.dump of the module, debug information kept, under the chunk name
-- "=bloop" (the runtime puts the source's path there when it loads the chunk).
local srcdir, outdir = arg[1], arg[2]

local function fnv1a64(s)
  local h = -3750763034362895579   -- 0xcbf29ce484222325; integers wrap, as the C does
  for i = 1, #s do
    h = (h ~ s:byte(i)) * 0x100000001b3
  end
  return h
end

for i = 3, #arg do
  local rel = arg[i]
  local f = assert(io.open(srcdir .. "/" .. rel, "rb"))
  local src = f:read("a")
  f:close()
  -- what luaL_loadfilex skips: a UTF-8 BOM and a first line starting with '#' (its newline
  -- kept, so line numbers stay right)
  local text = src:gsub("^\239\187\191", ""):gsub("^#[^\n]*", "")
  local path = outdir .. "/" .. rel .. "c"   -- its directory is made by the build
  local fn, err = load(text, "=bloop", "t")
  if fn then
    local out = assert(io.open(path .. ".tmp", "wb"))
    out:write(string.format("bloop-luac 1 %016x %d\n", fnv1a64(src), #src), string.dump(fn))
    assert(out:close())
    assert(os.rename(path .. ".tmp", path))
  else
    -- Not the build's business: the runtime parses the source and reports the error where
    -- it is used, as without precompiled chunks. An empty file is what the build expects.
    io.stderr:write("precompile: ", rel, ": ", err, " (left to be parsed at run time)\n")
    assert(io.open(path, "wb")):close()
  end
end
