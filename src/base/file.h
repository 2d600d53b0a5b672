/*
 * file.h: replacing a file's contents so that a crash leaves the old contents or the new,
 * never a mix (internal).
 * Owns: the temporary file beside the target, fsync of the data and of the directory
 * entry, the rename.
 * Does not own: what the text means (a stream token, for the replication pattern).
 */
#ifndef BLOOPI_FILE_H
#define BLOOPI_FILE_H

#include <stddef.h>

#include "base/bloopi.h"

/* Writes data to "<path>.tmp.<pid>", fsyncs it, renames it over path and fsyncs path's
 * directory. Returns 0, or -1 with errno set (the temporary file is removed; path is left
 * as it was, unless only the directory fsync failed). */
BLOOPI_FUNC int bloopi_file_write_atomic(const char *path, const void *data, size_t len);

#endif
