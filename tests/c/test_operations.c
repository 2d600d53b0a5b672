/* test_operations.c: the operation table (include/bloop/operations.h): every operation is
 * found by its service and name (bloop_operation_find searches the DynamoDB ones by
 * halves, so their order matters), and nothing else is. */
#include "bloop/operations.h"

#include <string.h>

#include "tap.h"

int main(void) {
  size_t n = bloop_operation_count(), dynamodb = 0;
  int all_found = 1, in_order = 1;
  for (size_t i = 0; i < n; i++) {
    const bloop_operation *o = bloop_operation_at(i);
    all_found &= bloop_operation_find(o->service, o->name) == o;
    if (o->service == BLOOP_SERVICE_DYNAMODB) {
      in_order &= dynamodb == i;   /* the DynamoDB ones first */
      in_order &= i == 0 || strcmp(bloop_operation_at(i - 1)->name, o->name) < 0;
      dynamodb++;
    }
  }
  CHECK(n > 60);
  CHECK(all_found);
  CHECK(in_order);
  CHECK(bloop_operation_find(BLOOP_SERVICE_DYNAMODB, "UpdateItem") != NULL);
  CHECK(strcmp(bloop_operation_find(BLOOP_SERVICE_DYNAMODB, "GetItem")->snake_name,
               "get_item") == 0);
  CHECK(bloop_operation_find(BLOOP_SERVICE_DYNAMODB, "GetRecords") == NULL);   /* streams' */
  CHECK(bloop_operation_find(BLOOP_SERVICE_STREAMS, "GetRecords") != NULL);
  CHECK(bloop_operation_find(BLOOP_SERVICE_STREAMS, "GetItem") == NULL);
  CHECK(bloop_operation_find(BLOOP_SERVICE_DYNAMODB, "") == NULL);
  CHECK(bloop_operation_find(BLOOP_SERVICE_DYNAMODB, "Aaa") == NULL);
  CHECK(bloop_operation_find(BLOOP_SERVICE_DYNAMODB, "Zzz") == NULL);
  CHECK(bloop_operation_find(BLOOP_SERVICE_DYNAMODB, "updateitem") == NULL);
  return tap_done();
}
