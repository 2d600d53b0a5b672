#!/usr/bin/env bash
# tests/rest/check.sh: starts examples/rest_api.lua against DynamoDB (dynalite) on a free
# port, drives every route with curl (status, headers, JSON bodies), and stops it.
#   BLOOP_ENDPOINT (or BLOOP_DYNALITE_ENDPOINT) names the DynamoDB endpoint; BLOOP_BIN the
#   host (default build/bin/bloop). Exit status 0 when every check passes.
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN=${BLOOP_BIN:-build/bin/bloop}
export BLOOP_ENDPOINT=${BLOOP_ENDPOINT:-${BLOOP_DYNALITE_ENDPOINT:?set BLOOP_ENDPOINT or BLOOP_DYNALITE_ENDPOINT}}
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
TABLE="rest-check-$$-$RANDOM"
WORK=$(mktemp -d)
BASE="http://127.0.0.1:$PORT"

"$BIN" examples/rest_api.lua --port "$PORT" --table "$TABLE" >"$WORK/out" 2>"$WORK/err" &
SERVER=$!
cleanup() { kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

for _ in $(seq 100); do
  grep -q "listening on $BASE" "$WORK/out" 2>/dev/null && break
  kill -0 "$SERVER" 2>/dev/null || break
  sleep 0.1
done
if ! grep -q "listening on $BASE" "$WORK/out"; then
  echo "rest: the server did not start"; cat "$WORK/out" "$WORK/err"; exit 1
fi

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# req METHOD PATH [BODY]: sets STATUS, BODY, HEADERS (lower-cased header lines)
req() {
  local args=(-s -S -o "$WORK/body" -D "$WORK/headers" -w '%{http_code}' -X "$1" "$BASE$2")
  [ $# -ge 3 ] && args+=(-H 'Content-Type: application/json' --data-binary "$3")
  STATUS=$(curl "${args[@]}") || STATUS=000
  BODY=$(cat "$WORK/body")
  HEADERS=$(tr -d '\r' <"$WORK/headers" | tr 'A-Z' 'a-z')
}
# expect NAME STATUS: the status, and a JSON body with its Content-Type (none for 204)
expect() {
  local name=$1 want=$2
  [ "$STATUS" = "$want" ] || { fail "$name: status $STATUS, expected $want (body: $BODY)"; return; }
  if [ "$want" = 204 ]; then
    [ -z "$BODY" ] || fail "$name: 204 with a body: $BODY"
    return
  fi
  grep -q '^content-type: application/json' <<<"$HEADERS" || fail "$name: no JSON Content-Type"
  python3 -c 'import json,sys; json.loads(sys.argv[1])' "$BODY" 2>/dev/null || fail "$name: body is not JSON: $BODY"
}
# has NAME PYTHON_EXPR: the expression holds of the parsed body `b`
has() {
  python3 -c 'import json,sys; b=json.loads(sys.argv[2]); sys.exit(0 if eval(sys.argv[1]) else 1)' "$2" "$BODY" 2>/dev/null ||
    fail "$1: $2 does not hold of $BODY"
}

req GET /api/users/
expect "list (empty)" 200; has "list (empty)" 'b == {"items": [], "next": None}'

req POST /api/users/ '{"email":"ada@example.com","password":"correct horse"}'
expect "create" 201
has "create" 'b["email"] == "ada@example.com" and "password" not in b and "date_created" in b'
has "create" 'b["_links"] == {"self": "/api/users/ada%40example.com", "collection": "/api/users/"}'
grep -q '^location: /api/users/ada%40example.com$' <<<"$HEADERS" || fail "create: Location header: $HEADERS"
grep -q 'correct horse' <<<"$BODY" && fail "create: the password is in the body"

req POST /api/users/ '{"email":"bob@example.com","password":"battery staple"}'
expect "create another" 201

req POST /api/users/ '{"email":"ada@example.com","password":"something else"}'
expect "create existing" 409; has "create existing" '"error" in b'

req POST /api/users/ '{"password":"correct horse"}'
expect "missing field" 400; has "missing field" 'b["fields"] == {"email": "missing required field"}'

req POST /api/users/ '{"email":5,"password":"correct horse"}'
expect "mistyped field" 400; has "mistyped field" 'list(b["fields"]) == ["email"]'

req POST /api/users/ '{"email":"x@y.z","password":"correct horse","admin":true}'
expect "unknown field" 400; has "unknown field" 'list(b["fields"]) == ["admin"]'

req POST /api/users/ '{"email":'
expect "malformed JSON" 400; has "malformed JSON" '"malformed JSON" in b["fields"]["_schema"]'

req GET /api/users/
expect "list" 200
has "list" 'sorted(u["email"] for u in b["items"]) == ["ada@example.com", "bob@example.com"]'
has "list" 'b["next"] is None'
has "list" 'all("password" not in u and u["_links"]["collection"] == "/api/users/" for u in b["items"])'
has "list" '{u["email"]: u["_links"]["self"] for u in b["items"]}["bob@example.com"] == "/api/users/bob%40example.com"'

# a page at a time: 7 users, 2 a page; the walk sees each once and ends on "next": null
for n in 1 2 3 4 5; do
  req POST /api/users/ "{\"email\":\"u$n@example.com\",\"password\":\"long enough\"}"
  expect "create u$n" 201
done
seen="$WORK/seen"; : >"$seen"
cursor=""; pages=0; first_cursor=""
while :; do
  req GET "/api/users/?limit=2${cursor:+&cursor=$cursor}"
  expect "page $pages" 200
  has "page $pages" 'len(b["items"]) <= 2 and set(b) == {"items", "next"}'
  python3 -c 'import json,sys; [print(u["email"]) for u in json.loads(sys.argv[1])["items"]]' "$BODY" >>"$seen"
  cursor=$(python3 -c 'import json,sys; n=json.loads(sys.argv[1])["next"]; print(n or "")' "$BODY")
  pages=$((pages + 1))
  [ -n "$first_cursor" ] || first_cursor=$cursor
  [ -n "$cursor" ] && [ "$pages" -lt 10 ] || break
done
[ "$(sort "$seen" | tr '\n' ' ')" = "ada@example.com bob@example.com u1@example.com u2@example.com u3@example.com u4@example.com u5@example.com " ] ||
  fail "page walk: saw $(sort "$seen" | tr '\n' ' ')"
[ "$pages" -ge 4 ] && [ "$pages" -le 5 ] || fail "page walk: $pages pages for 7 users, 2 a page"
[ -n "$first_cursor" ] || fail "page walk: the first page had no next"
# a cursor with one character changed, cut short, or made up: 400, never 500
i=$(( ${#first_cursor} / 2 )); c=${first_cursor:$i:1}; [ "$c" = A ] && r=B || r=A
req GET "/api/users/?limit=2&cursor=${first_cursor:0:$i}$r${first_cursor:$((i + 1))}"
expect "tampered cursor" 400; has "tampered cursor" 'b["fields"] == {"cursor": "not a cursor this API gave"}'
req GET "/api/users/?limit=2&cursor=${first_cursor:0:$(( ${#first_cursor} - 4 ))}"
expect "truncated cursor" 400
req GET "/api/users/?limit=2&cursor=hello"
expect "made-up cursor" 400
req GET "/api/users/?limit=0"
expect "bad limit" 400; has "bad limit" '"limit" in b["fields"]'
for n in 1 2 3 4 5; do req DELETE "/api/users/u$n%40example.com"; expect "delete u$n" 204; done

req GET /api/users/ada%40example.com
expect "get" 200; has "get" 'b["email"] == "ada@example.com" and "password" not in b'

req GET /api/users/nobody%40example.com
expect "get missing" 404; has "get missing" '"error" in b'

req DELETE /api/users/ada%40example.com
expect "delete" 204
req DELETE /api/users/ada%40example.com
expect "delete missing" 404; has "delete missing" '"error" in b'
req GET /api/users/ada%40example.com
expect "get deleted" 404

req GET /nowhere
expect "other route" 404; has "other route" '"error" in b'
req GET /api/users/a/b
expect "other route (deeper)" 404
req PUT /api/users/bob%40example.com '{}'
expect "other method" 404

grep -v '^$' "$WORK/err" | grep -q . && { echo "rest: server stderr:"; cat "$WORK/err"; }
if [ "$failures" -gt 0 ]; then echo "rest: $failures check(s) failed"; exit 1; fi
echo "rest: every route checked"
