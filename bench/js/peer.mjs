// The JavaScript SDK v3 as a peer in bloop's benchmarks (bench/run): the same operations as
// bench/peer_boto3.py against the same local server, through DynamoDBClient with
// marshall / unmarshall from @aws-sdk/util-dynamodb:
//   save_us        UpdateItem with a SET expression over the five non-key attributes
//   increment_us   UpdateItem ADD #n0 :v0 on an item's key (a counter; bench/peer_boto3.py's)
//   put_us         PutItem of the whole item
//   get_us         GetItem, the item unmarshalled into JavaScript values
//   query_item_us  per item of a Query over every page, each item unmarshalled
// Client CPU is process.cpuUsage() (user + system of this process). Prints one JSON object.
// Usage: node bench/js/peer.mjs ENDPOINT TABLE ROUNDS OPS QUERY_ITEMS
import { readFileSync } from "node:fs";
import {
  DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand, UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";

const [endpoint, table] = process.argv.slice(2, 4);
const [rounds, ops, queryItems] = process.argv.slice(4, 7).map(Number);
const client = new DynamoDBClient({
  endpoint, region: "us-east-1", maxAttempts: 1,
  credentials: { accessKeyId: "bench", secretAccessKey: "bench" },
});

const item = (i) => ({
  id: `user-${i}`, n: 1000 + i, ok: i % 2 === 0, tags: new Set(["a", "b", "c"]),
  info: { city: "Oslo", zip: 1234 }, name: `name ${i}`,
});

async function save(obj) {
  const names = {}, values = {}, sets = [];
  let j = 0;
  for (const [k, v] of Object.entries(obj)) {
    if (k === "id") continue;
    names[`#n${j}`] = k;
    values[`:v${j}`] = marshall({ v }).v;
    sets.push(`#n${j} = :v${j}`);
    j++;
  }
  await client.send(new UpdateItemCommand({
    TableName: table, Key: marshall({ id: obj.id }), UpdateExpression: "SET " + sets.join(", "),
    ExpressionAttributeNames: names, ExpressionAttributeValues: values,
  }));
}

const increment = (i) => client.send(new UpdateItemCommand({
  TableName: table, Key: { id: { S: `user-${i}` } }, UpdateExpression: "ADD #n0 :v0",
  ExpressionAttributeNames: { "#n0": "n" }, ExpressionAttributeValues: marshall({ ":v0": 1 }),
}));

const put = (i) => client.send(new PutItemCommand({ TableName: table, Item: marshall(item(i)) }));

async function get(i) {
  const r = await client.send(new GetItemCommand({ TableName: table, Key: { id: { S: `user-${i}` } } }));
  return unmarshall(r.Item);
}

async function queryAll() {
  let n = 0, start;
  do {
    const page = await client.send(new QueryCommand({
      TableName: `${table}-q`, KeyConditionExpression: "pk = :p",
      ExpressionAttributeValues: { ":p": { S: "q" } }, ExclusiveStartKey: start,
    }));
    for (const raw of page.Items) { unmarshall(raw); n++; }
    start = page.LastEvaluatedKey;
  } while (start);
  return n;
}

const cpuUs = () => { const u = process.cpuUsage(); return u.user + u.system; };
const median = (a) => {
  const s = [...a].sort((x, y) => x - y), m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const allRounds = [];

async function perOp(fn) {
  const samples = [];
  for (let r = 0; r < rounds; r++) {
    if (global.gc) global.gc();
    const c0 = cpuUs();
    for (let i = 1; i <= ops; i++) await fn(i);
    samples.push((cpuUs() - c0) / ops);
  }
  allRounds.push(samples);
  return median(samples);
}

for (let i = 0; i < 300; i++) await save(item(i % ops));   // warm: JIT, the pooled connection
if ((await get(1)).name !== "name 1") throw new Error("GetItem returned an unexpected item");

const version = JSON.parse(readFileSync(new URL(
  "./node_modules/@aws-sdk/client-dynamodb/package.json", import.meta.url))).version;
const out = { peer: `JavaScript SDK ${version} (Node.js ${process.versions.node})` };
out.save_us = await perOp((i) => save(item(i)));
out.increment_us = await perOp(increment);
out.put_us = await perOp(put);
out.get_us = await perOp(get);
const q = [];
for (let r = 0; r < rounds; r++) {
  if (global.gc) global.gc();
  const c0 = cpuUs();
  const n = await queryAll();
  if (n !== queryItems) throw new Error(`query returned ${n} items, expected ${queryItems}`);
  q.push((cpuUs() - c0) / n);
}
allRounds.push(q);
out.query_item_us = median(q);
out.rounds = allRounds;
console.log(JSON.stringify(out));
