#ifndef RATEBOOK_CZSTD_SHIM_H
#define RATEBOOK_CZSTD_SHIM_H
#include <zstd.h>
#endif
