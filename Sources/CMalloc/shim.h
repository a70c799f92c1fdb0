#ifndef CMALLOC_SHIM_H
#define CMALLOC_SHIM_H

#include <malloc.h>

/*
 * Caps how many arenas glibc's malloc keeps (by default 8 per core). Each thread that allocates
 * may get its own arena, which keeps what it once held; few arenas keep a process with many
 * threads (one per database connection here) from holding memory it no longer uses.
 * Returns 1 on success, 0 on failure (mallopt's convention).
 */
static inline int cmalloc_set_arena_max(int arenas) {
    return mallopt(M_ARENA_MAX, arenas);
}

/*
 * Hands the pages malloc holds free (at the top of its heaps and inside them) back to the
 * system. Returns 1 when some memory was released.
 */
static inline int cmalloc_release_free_memory(void) {
    return malloc_trim(0);
}

#endif
