#!/usr/bin/env python3
"""A fault-injecting DynamoDB-ish HTTP server for the client tests (loopback only).

Each request's JSON body names a script in its "TableName":

    "<tag>|<action>,<action>,..."

The action for attempt N (from the amz-sdk-request header, so libcurl's own replays of a
request on a fresh connection repeat the same action) is the N-th in the list; the last one
repeats. Actions:

    ok            200 with a JSON body echoing what the server saw, and a good x-amz-crc32
    throttle      400 ProvisionedThroughputExceededException
    t429          429 ThrottlingException
    e500          500 JSON InternalServerError
    html500       500 text/html
    badcrc        200 with a wrong x-amz-crc32
    ra<ms>        400 ThrottlingException with x-amz-retry-after: <ms>
    skew          the server's clock runs 1 hour ahead: 400 InvalidSignatureException with
                  that Date unless X-Amz-Date is within 5 min of it, then like ok
    stall         headers and 10 of 100 body bytes, then silence for 5 s
    short         Content-Length 100, 50 bytes, close
    reset         close the connection with RST, no answer
    skewbad       400 InvalidSignatureException with a Date 1 hour ahead, whatever was sent
    ccf           400 ConditionalCheckFailedException (never retried)
    validation    400 ValidationException with "Message" (capital M) and a long __type
    slow<ms>      sleep, then like ok
    big           200 announcing a 100 MB body (Content-Length), then sending it
    endless       200 with a chunked body that never ends (until the client goes away)
    bighdr        200 after a 1 MB header block (2,000 headers of 500 bytes), then like ok
    echo          400 ValidationException whose message repeats the request's
                  Authorization and X-Amz-Security-Token headers, as a careless proxy might
    batch         BatchWriteItem / BatchGetItem answered entry by entry from markers in
                  the entries (see Handler.batch): ~r<N>, ~rinf, ~miss, ~x<action>, ~bogus.
                  A batch request's script comes from its first RequestItems table name.
                  With ReturnConsumedCapacity it answers ConsumedCapacity per table: 1 unit
                  a processed write, 0.5 a processed get (found or not).

Every request is recorded; GET /__log?tag=<tag> returns them as a JSON list of
{"attempt", "sdk_request", "invocation", "amz_date", "target", "content_type", "t"}.
Starts on a free port and prints "PORT <n>" on stdout. Idle kept-alive connections close
after --idle seconds (dynalite does after 5). Stops by itself after --lifetime seconds.
"""
import argparse
import email.utils
import http.server
import json
import socket
import socketserver
import struct
import sys
import threading
import time
import urllib.parse
import zlib

LOG = []
LOG_LOCK = threading.Lock()
SEEN = {}   # (tag, table, entry) -> times a batch request carried it
SKEW_S = 3600


def crc(body):
    return str(zlib.crc32(body) & 0xFFFFFFFF)


def amz_date_epoch(v):
    try:
        return time.mktime(time.strptime(v, "%Y%m%dT%H%M%SZ")) - time.timezone
    except (TypeError, ValueError):
        return None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body, ctype="application/x-amz-json-1.0", headers=None,
             crc_value=None, date=None):
        if isinstance(body, str):
            body = body.encode()
        self.send_response_only(status)
        self.send_header("Date", date or email.utils.formatdate(usegmt=True))
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", "req-%d" % (time.monotonic_ns() % 10**9))
        self.send_header("x-amz-crc32", crc_value if crc_value is not None else crc(body))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def stream_until_gone(self, piece, times):
        """Writes piece up to times times, stopping when the client hangs up."""
        try:
            for _ in range(times):
                self.wfile.write(piece)
            self.wfile.flush()
        except OSError:
            pass
        self.close_connection = True

    def error(self, status, typ, msg, headers=None, key="message", date=None):
        self.send(status, json.dumps({"__type": typ, key: msg}), headers=headers, date=date)

    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        if u.path != "/__log":
            self.send(404, "{}")
            return
        tag = urllib.parse.parse_qs(u.query).get("tag", [""])[0]
        with LOG_LOCK:
            rows = [r for r in LOG if r["tag"] == tag]
        self.send(200, json.dumps(rows))

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(n)
        try:
            self.req = json.loads(raw or b"{}")
            table = self.req.get("TableName", "")
            if not table and isinstance(self.req.get("RequestItems"), dict):
                table = next(iter(self.req["RequestItems"]), "")
        except (ValueError, AttributeError):
            self.req, table = {}, ""
        tag, _, script = table.partition("|")
        actions = [a for a in script.split(",") if a] or ["ok"]
        sdk = self.headers.get("amz-sdk-request", "")
        attempt = 1
        if sdk.startswith("attempt="):
            attempt = int(sdk.split(";")[0].split("=")[1])
        action = actions[min(attempt, len(actions)) - 1]
        seen = {
            "tag": tag,
            "attempt": attempt,
            "sdk_request": sdk,
            "invocation": self.headers.get("amz-sdk-invocation-id", ""),
            "amz_date": self.headers.get("X-Amz-Date", ""),
            "target": self.headers.get("X-Amz-Target", ""),
            "content_type": self.headers.get("Content-Type", ""),
            "authorization": "Authorization" in self.headers,
            # how many times each header came (a duplicate is a bug on the wire)
            "dup_headers": sorted({k for k in self.headers.keys()
                                   if len(self.headers.get_all(k) or []) > 1}),
            "action": action,
            "t": time.time(),
        }
        if action == "batch":
            self.batch(seen)   # logs itself: the log row says what was left unprocessed
            return
        with LOG_LOCK:
            LOG.append(seen)
        self.act(action, seen)

    def batch(self, seen):
        """BatchWriteItem / BatchGetItem with per-entry behaviour from markers in the
        entry's string values: ~r<N> unprocessed the first N times the server sees that
        entry (~rinf: never processed), ~miss (get) no such item, ~x<action> the whole
        request answers as <action>, ~bogus UnprocessedItems/Keys also name an entry that
        was not in the request. Get answers list found items in reverse order, so callers
        must match by key. Logs "sent" (each entry's "pk" or first string) and
        "unprocessed" (count). ConsumedCapacity when asked: only processed entries count."""
        is_get = seen["target"].endswith("BatchGetItem")
        out_resp, out_un, sent, n_un = {}, {}, [], 0
        units = {}   # table -> capacity units of the entries processed (as the service charges)
        whole = None
        bogus = False
        for table, spec in self.req.get("RequestItems", {}).items():
            entries = spec.get("Keys", []) if is_get else spec
            for e in entries:
                body = e if is_get else (e.get("PutRequest", {}).get("Item") or
                                         e.get("DeleteRequest", {}).get("Key") or {})
                strs = [v["S"] for v in body.values() if isinstance(v, dict) and "S" in v]
                label = body.get("pk", {}).get("S") if isinstance(body.get("pk"), dict) else None
                label = label or (strs[0] if strs else "?")
                sent.append(label)
                marks = "".join(strs)
                if "~x" in marks:
                    whole = marks.split("~x", 1)[1].split("~")[0]
                if "~bogus" in marks:
                    bogus = True
                ident = (seen["tag"], table, json.dumps(e, sort_keys=True))
                with LOG_LOCK:
                    SEEN[ident] = SEEN.get(ident, 0) + 1
                    count = SEEN[ident]
                bounce = 0
                if "~r" in marks:
                    r = marks.split("~r", 1)[1].split("~")[0]
                    bounce = 10**9 if r.startswith("inf") else int("".join(
                        ch for ch in r if ch.isdigit()) or "0")
                if count <= bounce:
                    n_un += 1
                    if is_get:
                        out_un.setdefault(table, {"Keys": []})["Keys"].append(e)
                    else:
                        out_un.setdefault(table, []).append(e)
                else:
                    # a small item: one write unit, half a read unit (eventually consistent)
                    units[table] = units.get(table, 0) + (0.5 if is_get else 1)
                    if is_get and "~miss" not in marks:
                        item = dict(e)
                        item["seen"] = {"N": str(count)}
                        out_resp.setdefault(table, []).insert(0, item)
        if bogus:
            first = next(iter(self.req.get("RequestItems", {})), "x")
            alien = {"pk": {"S": "not-sent"}}
            if is_get:
                out_un.setdefault(first, {"Keys": []})["Keys"].append(alien)
            else:
                out_un.setdefault(first, []).append({"DeleteRequest": {"Key": alien}})
        seen["sent"] = sent
        seen["unprocessed"] = n_un
        if whole:
            seen["action"] = whole
            with LOG_LOCK:
                LOG.append(seen)
            self.act(whole, seen)
            return
        with LOG_LOCK:
            LOG.append(seen)
        answer = {"Responses": out_resp, "UnprocessedKeys": out_un} if is_get else \
            {"UnprocessedItems": out_un}
        if self.req.get("ReturnConsumedCapacity") in ("TOTAL", "INDEXES"):
            answer["ConsumedCapacity"] = [{"TableName": t, "CapacityUnits": u}
                                          for t, u in units.items()]
        self.send(200, json.dumps(answer))

    def ok(self, seen):
        self.send(200, json.dumps(seen))

    def act(self, action, seen):
        if action == "ok":
            self.ok(seen)
        elif action == "throttle":
            self.error(400, "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                       "The level of configured provisioned throughput for the table was exceeded.")
        elif action == "t429":
            self.error(429, "ThrottlingException", "Rate exceeded")
        elif action == "e500":
            self.error(500, "com.amazonaws.dynamodb.v20120810#InternalServerError",
                       "Internal server error")
        elif action == "html500":
            self.send(500, "<!DOCTYPE html><html><head><title>500 Internal Server Error</title>"
                      "</head><body><h1>Internal Server Error</h1></body></html>",
                      ctype="text/html; charset=utf-8")
        elif action == "badcrc":
            body = json.dumps(seen).encode()
            self.send(200, body, crc_value=str((zlib.crc32(body) + 1) & 0xFFFFFFFF))
        elif action.startswith("ra"):
            self.error(400, "ThrottlingException", "slow down",
                       headers={"x-amz-retry-after": action[2:]})
        elif action == "skew":
            server_now = time.time() + SKEW_S
            sent = amz_date_epoch(seen["amz_date"])
            if sent is not None and abs(sent - server_now) <= 300:
                self.ok(seen)
            else:
                self.error(400, "com.amazon.coral.service#InvalidSignatureException",
                           "Signature expired: %s is now earlier than the server's time" %
                           seen["amz_date"],
                           date=email.utils.formatdate(server_now, usegmt=True))
        elif action == "skewbad":
            self.error(400, "InvalidSignatureException", "The request signature is wrong",
                       date=email.utils.formatdate(time.time() + SKEW_S, usegmt=True))
        elif action == "stall":
            self.send_response_only(200)
            self.send_header("Content-Type", "application/x-amz-json-1.0")
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"{" + b" " * 9)
            self.wfile.flush()
            time.sleep(5)
            self.close_connection = True
        elif action == "short":
            self.send_response_only(200)
            self.send_header("Content-Type", "application/x-amz-json-1.0")
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"{" + b" " * 49)
            self.wfile.flush()
            self.close_connection = True
        elif action == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
        elif action == "ccf":
            self.error(400, "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
                       "The conditional request failed")
        elif action == "validation":
            self.error(400, "com.amazon.coral.validate#ValidationException:http://internal/x",
                       "One or more parameter values were invalid", key="Message")
        elif action == "big":
            self.send_response_only(200)
            self.send_header("Content-Type", "application/x-amz-json-1.0")
            self.send_header("Content-Length", str(100 << 20))
            self.end_headers()
            self.stream_until_gone(b" " * 65536, 1600)
        elif action == "endless":
            self.send_response_only(200)
            self.send_header("Content-Type", "application/x-amz-json-1.0")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b" " * 65536
            self.stream_until_gone(b"%x\r\n%s\r\n" % (len(chunk), chunk), 1 << 20)
        elif action == "bighdr":
            self.send_response_only(200)
            for i in range(2000):
                self.send_header("X-Filler-%d" % i, "f" * 500)
            body = json.dumps({"seen": seen}).encode()
            self.send_header("Content-Type", "application/x-amz-json-1.0")
            self.send_header("Content-Length", str(len(body)))
            try:
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass
            self.close_connection = True
        elif action == "echo":
            self.error(400, "ValidationException", "bad request: Authorization was %s; token %s"
                       % (self.headers.get("Authorization", ""),
                          self.headers.get("X-Amz-Security-Token", "")))
        elif action.startswith("slow"):
            time.sleep(int(action[4:]) / 1000.0)
            self.ok(seen)
        else:
            self.error(400, "UnknownScenario", "no such action: " + action)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128   # the default 5 drops SYNs when many calls connect at once

    def handle_error(self, request, client_address):
        pass   # clients that time out or cancel leave broken pipes behind: expected here


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--idle", type=float, default=1.0)
    ap.add_argument("--lifetime", type=float, default=300.0)
    args = ap.parse_args()
    Handler.timeout = args.idle
    srv = Server(("127.0.0.1", 0), Handler)
    print("PORT %d" % srv.server_address[1], flush=True)
    t = threading.Timer(args.lifetime, srv.shutdown)
    t.daemon = True
    t.start()
    srv.serve_forever()


if __name__ == "__main__":
    main()
