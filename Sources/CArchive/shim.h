#ifndef RATEBOOK_CARCHIVE_SHIM_H
#define RATEBOOK_CARCHIVE_SHIM_H
#include <archive.h>
#include <archive_entry.h>
#endif
