"""boto3 as the peer in bloop's benchmarks: the same operations, the same local server.

Measures client CPU (process time: the server runs in another process) per operation:
PutItem and GetItem of a six-attribute item (string, number, boolean, string set, map)
through boto3's low-level client with TypeSerializer / TypeDeserializer, and per item of a
query page loaded into Python values. Prints one JSON object.

Usage: python3 bench/peer_boto3.py ENDPOINT TABLE ROUNDS OPS QUERY_ITEMS
"""
import json
import statistics
import sys
import time

t_start = time.perf_counter()
import boto3  # noqa: E402  (import time is part of the cold start)
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer  # noqa: E402

endpoint, table, rounds, ops, query_items = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
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


# whole-process time to the first loaded object
client.put_item(TableName=table, Item=dump(item(0)))
first = load(client.get_item(TableName=table, Key={"id": {"S": "user-0"}})["Item"])
cold_ms = (time.perf_counter() - t_start) * 1000
assert first["id"] == "user-0"

def per_op(fn):
    samples = []
    for _ in range(rounds):
        c0 = time.process_time()
        for i in range(ops):
            fn(i)
        samples.append((time.process_time() - c0) / ops * 1e6)
    return statistics.median(samples)

# warm the server and the client before timing
for i in range(500):
    client.put_item(TableName=table, Item=dump(item(i % ops)))
put_us = per_op(lambda i: client.put_item(TableName=table, Item=dump(item(i))))
get_us = per_op(lambda i: load(client.get_item(TableName=table, Key={"id": {"S": "user-%d" % i}})["Item"]))

# a query over QUERY_ITEMS items under one hash key of the query table
qsamples = []
for _ in range(rounds):
    c0 = time.process_time()
    n = 0
    kwargs = dict(TableName=table + "-q", KeyConditionExpression="pk = :p",
                  ExpressionAttributeValues={":p": {"S": "q"}})
    while True:
        page = client.query(**kwargs)
        for raw in page["Items"]:
            load(raw)
            n += 1
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    assert n == query_items, n
    qsamples.append((time.process_time() - c0) / n * 1e6)

print(json.dumps({"peer": "boto3 " + boto3.__version__, "put_us": put_us, "get_us": get_us,
                  "query_item_us": statistics.median(qsamples), "cold_ms": cold_ms}))
