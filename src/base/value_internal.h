/*
 * value_internal.h: what value.c, value_json.c and json_read.c share beyond their own
 * headers (not API): duplicate detection in sets and maps. It also brings utf8.h,
 * value_path.h and value_json.h, which the engine's files reach through it; new code
 * includes the header it needs instead.
 */
#ifndef BLOOP_VALUE_INTERNAL_H
#define BLOOP_VALUE_INTERNAL_H

#include <stddef.h>

#include "base/bloopi.h"
#include "base/utf8.h"
#include "base/value_json.h"
#include "base/value_path.h"
#include "bloop/value.h"

/* Index of the first member (in order) equal to an earlier one, or (size_t)-1 when all
 * differ; (size_t)-2 when out of memory. Sets compare members by type (NS numerically);
 * maps compare names. */
#define BLOOPI_NO_DUP ((size_t)-1)
#define BLOOPI_DUP_NOMEM ((size_t)-2)
BLOOPI_FUNC size_t bloopi_set_find_dup(const bloop_value *set);
BLOOPI_FUNC size_t bloopi_map_find_dup(const bloop_value *map);

#endif
