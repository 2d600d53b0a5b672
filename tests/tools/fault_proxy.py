#!/usr/bin/env python3
"""fault_proxy.py: an HTTP proxy in front of a real DynamoDB-compatible server (dynalite)
that injects faults into a seeded share of the requests. Stdlib only (asyncio).

    python3 fault_proxy.py --upstream http://127.0.0.1:8000 [--port 0] [--rate 0.3]
                           [--seed N] [--slow 1.0] [--lifetime 300]

Prints "PORT <n>" on stdout once it listens. Each request (except the control endpoint) is
either forwarded untouched or, with probability --rate, given one fault, the kinds in turn
chosen uniformly by a random.Random(seed):

    http500, http503      answered here with that status; never forwarded
    throttling            400 ThrottlingException; never forwarded
    provisioned           400 ProvisionedThroughputExceededException; never forwarded
    reset_before          the connection is reset (RST) before forwarding
    reset_after           forwarded (the server applied it), then the connection is reset
    flip                  forwarded; one byte of the answer's body flipped, x-amz-crc32
                          left as the server sent it (dynalite sends it; if an upstream
                          does not, the proxy sets the CRC32 of the original body), so only
                          the client's CRC check can catch it
    truncate              forwarded; the headers promise the whole body, half of it is sent,
                          then the connection is closed
    slow                  forwarded; the answer is held --slow seconds (longer than the
                          client's attempt timeout), then sent

Control endpoint (never faulted): GET /__faults -> {"requests": n, "forwarded": n,
"faults": {kind: n}, "rate": r, "seed": s, "queued": [[op, kind], ...], "ops": {op: n}};
GET /__faults?rate=R&seed=S sets the rate and restarts the random source from seed S (the
counts go on adding up, so a spec can prove every kind happened over all its schedules).
GET /__faults?next=KIND[&op=OP][&times=N] queues KIND (or "none": forwarded untouched) for
the next N requests (default 1) whose X-Amz-Target is OP ("UpdateItem"; no op: any
request); a queued fault goes before the random choice, which the request then does not
draw, and queues keep their order. GET /__faults?next=clear empties the queue. "ops" counts
the requests by operation. A control request with "Connection: close" is answered and
the connection closed (so `bash` with /dev/tcp can read to EOF). The proxy exits by itself
after --lifetime seconds.
"""
import argparse
import asyncio
import json
import random
import socket
import struct
import sys
import urllib.parse
import zlib

KINDS = ["http500", "http503", "throttling", "provisioned", "reset_before", "reset_after",
         "flip", "truncate", "slow"]


class State:
    def __init__(self, rate, seed):
        self.reset(rate, seed)
        self.requests = 0
        self.forwarded = 0
        self.faults = {k: 0 for k in KINDS}

        self.queue = []   # [op or "", kind or None], taken by the first request of op
        self.ops = {}

    def reset(self, rate, seed):
        self.rate, self.seed = rate, seed
        self.rng = random.Random(seed)

    def pick(self, op):
        self.ops[op] = self.ops.get(op, 0) + 1
        for i, (want, kind) in enumerate(self.queue):
            if want in ("", op):
                del self.queue[i]
                return kind
        if self.rng.random() >= self.rate:
            return None
        return self.rng.choice(KINDS)

    def report(self):
        return {"requests": self.requests, "forwarded": self.forwarded,
                "faults": self.faults, "rate": self.rate, "seed": self.seed,
                "queued": [[op, kind or "none"] for op, kind in self.queue], "ops": self.ops}


async def read_message(reader, first_line=True):
    """Reads one HTTP/1.1 message: (start line, [(name, value)], body) or None at EOF."""
    line = await reader.readline()
    if not line:
        return None
    headers = []
    while True:
        h = await reader.readline()
        if not h:
            return None
        if h in (b"\r\n", b"\n"):
            break
        name, _, value = h.decode("latin-1").partition(":")
        headers.append((name.strip(), value.strip()))
    length = 0
    for name, value in headers:
        if name.lower() == "content-length":
            length = int(value)
    body = await reader.readexactly(length) if length else b""
    return line.decode("latin-1").rstrip("\r\n"), headers, body


def render(start, headers, body, length=None):
    out = [start]
    seen_len = False
    for name, value in headers:
        if name.lower() == "content-length":
            value = str(len(body) if length is None else length)
            seen_len = True
        out.append("%s: %s" % (name, value))
    if not seen_len:
        out.append("Content-Length: %d" % (len(body) if length is None else length))
    return ("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + body


def error_answer(status, reason, typ, message):
    body = json.dumps({"__type": typ, "message": message}).encode()
    headers = [("Content-Type", "application/x-amz-json-1.0"),
               ("x-amzn-RequestId", "FAULTPROXY"),
               ("x-amz-crc32", str(zlib.crc32(body) & 0xffffffff))]
    return render("HTTP/1.1 %d %s" % (status, reason), headers, body)


CANNED = {
    "http500": (500, "Internal Server Error",
                "com.amazonaws.dynamodb.v20120810#InternalServerError", "injected 500"),
    "http503": (503, "Service Unavailable",
                "com.amazonaws.dynamodb.v20120810#ServiceUnavailable", "injected 503"),
    "throttling": (400, "Bad Request", "com.amazon.coral.availability#ThrottlingException",
                   "Rate of requests exceeds the allowed throughput."),
    "provisioned": (400, "Bad Request",
                    "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                    "The level of configured provisioned throughput for the table was "
                    "exceeded. Consider increasing your provisioning level with the "
                    "UpdateTable API."),
}


def reset(writer):
    """Closes with RST (SO_LINGER 0), so the client sees a reset, not a clean close."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    writer.transport.abort()


async def forward(up_host, up_port, start, headers, body):
    """One request to the upstream on a fresh connection; returns (start, headers, body)."""
    r, w = await asyncio.open_connection(up_host, up_port)
    try:
        hs = [(n, v) for n, v in headers if n.lower() not in ("connection", "keep-alive")]
        hs.append(("Connection", "close"))
        w.write(render(start, hs, body))
        await w.drain()
        answer = await read_message(r)
        if answer is None:
            raise ConnectionError("upstream closed without an answer")
        return answer
    finally:
        w.close()


class Proxy:
    def __init__(self, args):
        u = urllib.parse.urlsplit(args.upstream)
        self.up_host, self.up_port = u.hostname, u.port or 80
        self.slow = args.slow
        self.state = State(args.rate, args.seed)

    def control(self, target):
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(target).query)
        if "rate" in q or "seed" in q:
            self.state.reset(float(q.get("rate", [self.state.rate])[0]),
                             int(q.get("seed", [self.state.seed])[0]))
        if "next" in q:
            kind = q["next"][0]
            if kind == "clear":
                self.state.queue.clear()
            elif kind in KINDS or kind == "none":
                for _ in range(int(q.get("times", ["1"])[0])):
                    self.state.queue.append([q.get("op", [""])[0],
                                             None if kind == "none" else kind])
            else:
                body = json.dumps({"error": "unknown fault kind " + kind}).encode()
                return render("HTTP/1.1 400 Bad Request",
                              [("Content-Type", "application/json")], body)
        body = json.dumps(self.state.report()).encode()
        return render("HTTP/1.1 200 OK", [("Content-Type", "application/json")], body)

    async def serve(self, reader, writer):
        try:
            while True:
                msg = await read_message(reader)
                if msg is None:
                    break
                start, headers, body = msg
                parts = start.split(" ")
                if len(parts) >= 2 and parts[0] == "GET" and parts[1].startswith("/__faults"):
                    writer.write(self.control(parts[1]))
                    await writer.drain()
                    # a shell reading until EOF asks for the close
                    if any(n.lower() == "connection" and v.lower() == "close"
                           for n, v in headers):
                        break
                    continue
                if not await self.one(writer, start, headers, body):
                    return
        except (ConnectionError, asyncio.IncompleteReadError, OSError):
            pass
        writer.close()

    async def one(self, writer, start, headers, body):
        """Answers one request; False when the connection was closed on purpose."""
        st = self.state
        st.requests += 1
        target = next((v for n, v in headers if n.lower() == "x-amz-target"), "")
        kind = st.pick(target.rpartition(".")[2])
        if kind:
            st.faults[kind] += 1
        if kind in CANNED:
            writer.write(error_answer(*CANNED[kind]))
            await writer.drain()
            return True
        if kind == "reset_before":
            reset(writer)
            return False
        try:
            a_start, a_headers, a_body = await forward(self.up_host, self.up_port, start,
                                                       headers, body)
        except (ConnectionError, OSError, asyncio.IncompleteReadError):
            # the upstream is down: the client sees its connection reset
            reset(writer)
            return False
        st.forwarded += 1
        a_headers = [(n, v) for n, v in a_headers
                     if n.lower() not in ("connection", "keep-alive")]
        if kind == "reset_after":
            reset(writer)
            return False
        if kind == "flip" and a_body:
            if not any(n.lower() == "x-amz-crc32" for n, _ in a_headers):
                a_headers.append(("x-amz-crc32", str(zlib.crc32(a_body) & 0xffffffff)))
            i = st.rng.randrange(len(a_body))
            a_body = a_body[:i] + bytes([a_body[i] ^ 0x01]) + a_body[i + 1:]
        if kind == "truncate" and a_body:
            writer.write(render(a_start, a_headers, a_body[:len(a_body) // 2], len(a_body)))
            await writer.drain()
            writer.close()
            return False
        if kind == "slow":
            await asyncio.sleep(self.slow)
        writer.write(render(a_start, a_headers, a_body))
        await writer.drain()
        return True


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--upstream", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--rate", type=float, default=0.3)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--slow", type=float, default=1.0)
    p.add_argument("--lifetime", type=float, default=300)
    args = p.parse_args()
    proxy = Proxy(args)
    server = await asyncio.start_server(proxy.serve, "127.0.0.1", args.port, reuse_address=True)
    print("PORT %d" % server.sockets[0].getsockname()[1], flush=True)
    async with server:
        try:
            await asyncio.wait_for(server.serve_forever(), args.lifetime)
        except asyncio.TimeoutError:
            pass


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
