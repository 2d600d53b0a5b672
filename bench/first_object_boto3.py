"""Cold start: a fresh process that imports boto3, makes a client and loads one object."""
import sys

import boto3
from boto3.dynamodb.types import TypeDeserializer

c = boto3.client("dynamodb", endpoint_url=sys.argv[1], region_name="us-east-1",
                 aws_access_key_id="bench", aws_secret_access_key="bench")
raw = c.get_item(TableName=sys.argv[2], Key={"id": {"S": "user-0"}})["Item"]
de = TypeDeserializer()
assert {k: de.deserialize(v) for k, v in raw.items()}["name"] == "name 0"
