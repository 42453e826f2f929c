#ifndef RATEBOOK_CZLIB_SHIM_H
#define RATEBOOK_CZLIB_SHIM_H
#include <zlib.h>

// inflateInit2 is a macro (it passes ZLIB_VERSION and sizeof(z_stream)), which Swift cannot
// import; this wrapper is the only reason the shim has code. windowBits 15 + 16 accepts gzip
// members only (RFC 1952) and makes inflate check each member's CRC-32 and ISIZE trailer.
static inline int ratebook_inflate_init_gzip(z_stream *stream) {
    return inflateInit2(stream, 15 + 16);
}
#endif
