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
Prints one JSON object.

Usage: python3 bench/peer_boto3.py ENDPOINT TABLE ROUNDS OPS QUERY_ITEMS
"""
import gc
import json
import statistics
import sys
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
print(json.dumps(out))
