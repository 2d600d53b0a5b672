/*
 * operations.h: every operation of DynamoDB and DynamoDB Streams, by service, with the
 * snake_case name the Lua client uses for its method.
 *
 * Owns: the names and the X-Amz-Target prefixes. Does not own: request shapes (requests
 * and answers travel as the service's JSON, untouched).
 */
#ifndef BLOOP_OPERATIONS_H
#define BLOOP_OPERATIONS_H

#include <stddef.h>

#include "bloop/creds.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bloop_operation {
  const char *name;        /* "DescribeTimeToLive" */
  const char *snake_name;  /* "describe_time_to_live" */
  bloop_service service;
} bloop_operation;

size_t bloop_operation_count(void);
const bloop_operation *bloop_operation_at(size_t i);       /* NULL past the end */
const bloop_operation *bloop_operation_find(bloop_service service, const char *name);
/* "DynamoDB_20120810" or "DynamoDBStreams_20120810" */
const char *bloop_service_target_prefix(bloop_service service);

#ifdef __cplusplus
}
#endif

#endif
