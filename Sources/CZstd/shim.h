#ifndef RATEBOOK_CZSTD_SHIM_H
#define RATEBOOK_CZSTD_SHIM_H
#include <zstd.h>
// ZSTD_getErrorCode and the error codes, to tell a checksum mismatch from other damage.
#include <zstd_errors.h>
#endif
