/*
 * operations.c: the one table of operation names for DynamoDB and DynamoDB Streams
 * (API version 2012-08-10), with their snake_case method names for the bindings.
 * Regenerate from the service model when AWS adds an operation; nothing else lists them.
 */
#include "bloop/operations.h"

#include <string.h>

static const bloop_operation operations[] = {
  {"BatchExecuteStatement", "batch_execute_statement", BLOOP_SERVICE_DYNAMODB},
  {"BatchGetItem", "batch_get_item", BLOOP_SERVICE_DYNAMODB},
  {"BatchWriteItem", "batch_write_item", BLOOP_SERVICE_DYNAMODB},
  {"CreateBackup", "create_backup", BLOOP_SERVICE_DYNAMODB},
  {"CreateGlobalTable", "create_global_table", BLOOP_SERVICE_DYNAMODB},
  {"CreateTable", "create_table", BLOOP_SERVICE_DYNAMODB},
  {"DeleteBackup", "delete_backup", BLOOP_SERVICE_DYNAMODB},
  {"DeleteItem", "delete_item", BLOOP_SERVICE_DYNAMODB},
  {"DeleteResourcePolicy", "delete_resource_policy", BLOOP_SERVICE_DYNAMODB},
  {"DeleteTable", "delete_table", BLOOP_SERVICE_DYNAMODB},
  {"DescribeBackup", "describe_backup", BLOOP_SERVICE_DYNAMODB},
  {"DescribeContinuousBackups", "describe_continuous_backups", BLOOP_SERVICE_DYNAMODB},
  {"DescribeContributorInsights", "describe_contributor_insights", BLOOP_SERVICE_DYNAMODB},
  {"DescribeEndpoints", "describe_endpoints", BLOOP_SERVICE_DYNAMODB},
  {"DescribeExport", "describe_export", BLOOP_SERVICE_DYNAMODB},
  {"DescribeGlobalTable", "describe_global_table", BLOOP_SERVICE_DYNAMODB},
  {"DescribeGlobalTableSettings", "describe_global_table_settings", BLOOP_SERVICE_DYNAMODB},
  {"DescribeImport", "describe_import", BLOOP_SERVICE_DYNAMODB},
  {"DescribeKinesisStreamingDestination", "describe_kinesis_streaming_destination", BLOOP_SERVICE_DYNAMODB},
  {"DescribeLimits", "describe_limits", BLOOP_SERVICE_DYNAMODB},
  {"DescribeTable", "describe_table", BLOOP_SERVICE_DYNAMODB},
  {"DescribeTableReplicaAutoScaling", "describe_table_replica_auto_scaling", BLOOP_SERVICE_DYNAMODB},
  {"DescribeTimeToLive", "describe_time_to_live", BLOOP_SERVICE_DYNAMODB},
  {"DisableKinesisStreamingDestination", "disable_kinesis_streaming_destination", BLOOP_SERVICE_DYNAMODB},
  {"EnableKinesisStreamingDestination", "enable_kinesis_streaming_destination", BLOOP_SERVICE_DYNAMODB},
  {"ExecuteStatement", "execute_statement", BLOOP_SERVICE_DYNAMODB},
  {"ExecuteTransaction", "execute_transaction", BLOOP_SERVICE_DYNAMODB},
  {"ExportTableToPointInTime", "export_table_to_point_in_time", BLOOP_SERVICE_DYNAMODB},
  {"GetItem", "get_item", BLOOP_SERVICE_DYNAMODB},
  {"GetResourcePolicy", "get_resource_policy", BLOOP_SERVICE_DYNAMODB},
  {"ImportTable", "import_table", BLOOP_SERVICE_DYNAMODB},
  {"ListBackups", "list_backups", BLOOP_SERVICE_DYNAMODB},
  {"ListContributorInsights", "list_contributor_insights", BLOOP_SERVICE_DYNAMODB},
  {"ListExports", "list_exports", BLOOP_SERVICE_DYNAMODB},
  {"ListGlobalTables", "list_global_tables", BLOOP_SERVICE_DYNAMODB},
  {"ListImports", "list_imports", BLOOP_SERVICE_DYNAMODB},
  {"ListTables", "list_tables", BLOOP_SERVICE_DYNAMODB},
  {"ListTagsOfResource", "list_tags_of_resource", BLOOP_SERVICE_DYNAMODB},
  {"PutItem", "put_item", BLOOP_SERVICE_DYNAMODB},
  {"PutResourcePolicy", "put_resource_policy", BLOOP_SERVICE_DYNAMODB},
  {"Query", "query", BLOOP_SERVICE_DYNAMODB},
  {"RestoreTableFromBackup", "restore_table_from_backup", BLOOP_SERVICE_DYNAMODB},
  {"RestoreTableToPointInTime", "restore_table_to_point_in_time", BLOOP_SERVICE_DYNAMODB},
  {"Scan", "scan", BLOOP_SERVICE_DYNAMODB},
  {"TagResource", "tag_resource", BLOOP_SERVICE_DYNAMODB},
  {"TransactGetItems", "transact_get_items", BLOOP_SERVICE_DYNAMODB},
  {"TransactWriteItems", "transact_write_items", BLOOP_SERVICE_DYNAMODB},
  {"UntagResource", "untag_resource", BLOOP_SERVICE_DYNAMODB},
  {"UpdateContinuousBackups", "update_continuous_backups", BLOOP_SERVICE_DYNAMODB},
  {"UpdateContributorInsights", "update_contributor_insights", BLOOP_SERVICE_DYNAMODB},
  {"UpdateGlobalTable", "update_global_table", BLOOP_SERVICE_DYNAMODB},
  {"UpdateGlobalTableSettings", "update_global_table_settings", BLOOP_SERVICE_DYNAMODB},
  {"UpdateItem", "update_item", BLOOP_SERVICE_DYNAMODB},
  {"UpdateKinesisStreamingDestination", "update_kinesis_streaming_destination", BLOOP_SERVICE_DYNAMODB},
  {"UpdateTable", "update_table", BLOOP_SERVICE_DYNAMODB},
  {"UpdateTableReplicaAutoScaling", "update_table_replica_auto_scaling", BLOOP_SERVICE_DYNAMODB},
  {"UpdateTimeToLive", "update_time_to_live", BLOOP_SERVICE_DYNAMODB},
  {"DescribeStream", "describe_stream", BLOOP_SERVICE_STREAMS},
  {"GetRecords", "get_records", BLOOP_SERVICE_STREAMS},
  {"GetShardIterator", "get_shard_iterator", BLOOP_SERVICE_STREAMS},
  {"ListStreams", "list_streams", BLOOP_SERVICE_STREAMS},
};

#define NOPS (sizeof operations / sizeof operations[0])

const bloop_operation *bloop_operation_at(size_t i) {
  return i < NOPS ? &operations[i] : NULL;
}

size_t bloop_operation_count(void) { return NOPS; }

/* The DynamoDB operations come first, in strcmp order: a binary search finds one (every
 * request looks its operation up, twice); anything else, and a name it misses, is looked
 * for one by one, so the table stays right even if an entry lands out of order. */
#define NDYNAMODB 57

const bloop_operation *bloop_operation_find(bloop_service service, const char *name) {
  if (service == BLOOP_SERVICE_DYNAMODB) {
    size_t lo = 0, hi = NDYNAMODB;
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      int c = strcmp(operations[mid].name, name);
      if (c == 0 && operations[mid].service == service) return &operations[mid];
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
  }
  for (size_t i = 0; i < NOPS; i++)
    if (operations[i].service == service && strcmp(operations[i].name, name) == 0)
      return &operations[i];
  return NULL;
}

const char *bloop_service_target_prefix(bloop_service service) {
  return service == BLOOP_SERVICE_STREAMS ? "DynamoDBStreams_20120810" : "DynamoDB_20120810";
}
