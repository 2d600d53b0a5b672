"""boto3 as the peer in bloop's benchmarks: the same operations, the same local server.

Measures client CPU (process time: the server runs in another process) through boto3's
low-level client with TypeSerializer / TypeDeserializer, on the six attributes the bloop
side uses (string hash key, number, boolean, string set, map, string):
  save_us        UpdateItem with a SET expression over the five non-key attributes, built
                 from the Python values per call (what engine:save sends)
  increment_us   UpdateItem ADD n :1 on an item's key (an atomic counter; what
                 engine:save sends for a never-loaded object holding bloop.actions.add(1))
  put_us         PutItem of the whole item (the client-level row)
  get_us         GetItem, the item deserialized into Python values
  query_item_us  per item of a query over every page, each item deserialized
  scan4_*        a parallel scan of TABLE-s: 4 threads, one segment each, each with its own
                 client, each item deserialized
  batch_save_*   Table.batch_writer() putting 20,000 small items (id, n, ok) into TABLE-b
The throughput rows report client CPU per item (all threads), items per second (wall),
the sockets the measure opened and, with BENCH_SERVER_PID set, the server's CPU over the
run (cores busy, from /proc/PID/stat).
Prints one JSON object.

Usage: python3 bench/peer_boto3.py ENDPOINT TABLE ROUNDS OPS QUERY_ITEMS
"""
import gc
import json
import os
import statistics
import sys
import threading
import time

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

endpoint, table = sys.argv[1], sys.argv[2]
rounds, ops, query_items = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
client = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                      aws_access_key_id="bench", aws_secret_access_key="bench")
ser, de = TypeSerializer(), TypeDeserializer()


def item(i):
    return {"id": "user-%d" % i, "n": 1000 + i, "ok": i % 2 == 0, "tags": {"a", "b", "c"},
            "info": {"city": "Oslo", "zip": 1234}, "name": "name %d" % i}


def dump(obj):
    return {k: ser.serialize(v) for k, v in obj.items()}


def load(raw):
    return {k: de.deserialize(v) for k, v in raw.items()}


def save(obj):
    names, values, sets = {}, {}, []
    for j, (k, v) in enumerate((k, v) for k, v in obj.items() if k != "id"):
        names["#n%d" % j] = k
        values[":v%d" % j] = ser.serialize(v)
        sets.append("#n%d = :v%d" % (j, j))
    client.update_item(TableName=table, Key={"id": ser.serialize(obj["id"])},
                       UpdateExpression="SET " + ", ".join(sets),
                       ExpressionAttributeNames=names, ExpressionAttributeValues=values)


def per_op(fn):
    samples = []
    for _ in range(rounds):
        gc.collect()
        c0 = time.process_time()
        for i in range(1, ops + 1):
            fn(i)
        samples.append((time.process_time() - c0) / ops * 1e6)
    return statistics.median(samples)


def query_all():
    n = 0
    kwargs = dict(TableName=table + "-q", KeyConditionExpression="pk = :p",
                  ExpressionAttributeValues={":p": {"S": "q"}})
    while True:
        page = client.query(**kwargs)
        for raw in page["Items"]:
            load(raw)
            n += 1
        if "LastEvaluatedKey" not in page:
            return n
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


# warm this process (imports done lazily by botocore, the pooled connection) before timing
for i in range(300):
    save(item(i % ops))
assert load(client.get_item(TableName=table, Key={"id": {"S": "user-1"}})["Item"])["name"] == "name 1"

out = {"peer": "boto3 " + boto3.__version__}
out["save_us"] = per_op(lambda i: save(item(i)))
out["increment_us"] = per_op(lambda i: client.update_item(
    TableName=table, Key={"id": ser.serialize("user-%d" % i)}, UpdateExpression="ADD #n0 :v0",
    ExpressionAttributeNames={"#n0": "n"}, ExpressionAttributeValues={":v0": ser.serialize(1)}))
out["put_us"] = per_op(lambda i: client.put_item(TableName=table, Item=dump(item(i))))
out["get_us"] = per_op(lambda i: load(client.get_item(TableName=table, Key={"id": {"S": "user-%d" % i}})["Item"]))
qsamples = []
for _ in range(rounds):
    gc.collect()
    c0 = time.process_time()
    n = query_all()
    qsamples.append((time.process_time() - c0) / n * 1e6)
    assert n == query_items, n
out["query_item_us"] = statistics.median(qsamples)

# ---- throughput: a parallel scan with 4 threads, batch_writer ---------------------------

SERVER_PID = os.environ.get("BENCH_SERVER_PID")
TICKS = os.sysconf("SC_CLK_TCK")
CONN = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="bench",
            aws_secret_access_key="bench")


def server_cpu():
    if not SERVER_PID:
        return None
    try:
        with open("/proc/%s/stat" % SERVER_PID) as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS


SERVER_PORT = int(endpoint.rstrip("/").rsplit(":", 1)[1])


def sockets():
    """This process's established TCP connections to the server, as a set of inodes."""
    mine = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            link = os.readlink("/proc/self/fd/" + fd)
        except OSError:
            continue
        if link.startswith("socket:["):
            mine.add(link[8:-1])
    found = set()
    with open("/proc/self/net/tcp") as f:
        next(f)
        for line in f:
            cols = line.split()
            if int(cols[2].split(":")[1], 16) == SERVER_PORT and cols[3] == "01" and cols[9] in mine:
                found.add(cols[9])
    return found


def throughput(key, base, run, prepare=None):
    us, per_s, busy = [], [], []
    for r in range(rounds):
        if prepare:
            prepare(r + 1)
        gc.collect()
        s0, w0, c0 = server_cpu(), time.monotonic(), time.process_time()
        n = run()
        c1, w1, s1 = time.process_time(), time.monotonic(), server_cpu()
        us.append((c1 - c0) / n * 1e6)
        per_s.append(n / (w1 - w0))
        if s0 is not None and s1 is not None:
            busy.append((s1 - s0) / (w1 - w0))
        if r == 0:   # the connections the measure opened, open at the end of its first round
            out[key + "_sockets"] = len(sockets() - base)
    out[key + "_item_us"] = statistics.median(us)
    out[key + "_items_per_s"] = statistics.median(per_s)
    out[key + "_server_cores"] = statistics.median(busy) if len(busy) == rounds else None


# one client per thread, made once (as a program would keep them), each scanning its segment
scan_base = sockets()
scan_clients = [boto3.session.Session().client("dynamodb", **CONN) for _ in range(4)]


def scan4():
    counts = [0] * 4
    errors = []

    def segment(k):
        try:
            c = scan_clients[k]
            kwargs = dict(TableName=table + "-s", Segment=k, TotalSegments=4)
            while True:
                page = c.scan(**kwargs)
                for raw in page["Items"]:
                    load(raw)
                    counts[k] += 1
                if "LastEvaluatedKey" not in page:
                    return
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        except Exception as e:   # reported below: a thread's failure must fail the run
            errors.append(e)

    threads = [threading.Thread(target=segment, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert sum(counts) == query_items, counts
    return sum(counts)


for k in range(4):   # warm each thread's client (its imports and connection) untimed
    scan_clients[k].describe_table(TableName=table + "-s")
throughput("scan4", scan_base, scan4)

BATCH_ITEMS = 20000
batch_base = sockets()
small_table = boto3.resource("dynamodb", **CONN).Table(table + "-b")
small = []


def make_small(r):
    small[:] = [{"id": "b-%d" % i, "n": i * r, "ok": i % 2 == 0} for i in range(1, BATCH_ITEMS + 1)]


def batch_save():
    with small_table.batch_writer() as w:
        for item in small:
            w.put_item(Item=item)
    return BATCH_ITEMS


small_table.load()   # the resource's describe_table, untimed
throughput("batch_save", batch_base, batch_save, make_small)
print(json.dumps(out))
