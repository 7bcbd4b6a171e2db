/*
 * keralite_runtime.h -- the C ABI of keralite's small native runtime.
 *
 * JIT-compiled graphs and exported shared libraries call these functions.
 * The runtime is built from the csrc C sources by keralite.runtime.native on first use.
 *
 * The declarations between the KL_CDEF_BEGIN and KL_CDEF_END markers are also
 * read verbatim by keralite/runtime/native.py and handed to cffi's cdef(), so
 * that region must stay plain C declarations: no preprocessor lines, no macros,
 * no attributes (comments are fine).
 */
#ifndef KERALITE_RUNTIME_H
#define KERALITE_RUNTIME_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#pragma GCC visibility push(default)
#endif

/* KL_CDEF_BEGIN */

/* Body of a parallel loop: process items [lo, hi). */
typedef void (*kl_body_fn)(void *ctx, int64_t lo, int64_t hi);

/*
 * Run body over [0, n), split into at most kl_get_num_threads() contiguous
 * chunks of at least `grain` items each (grain <= 0 counts as 1), on the pool's
 * worker threads plus the calling thread. Returns when every chunk is done.
 * When only one chunk fits (n < 2 * grain, one thread, a nested call from inside
 * a body, or the pool busy with another caller's loop), body(ctx, 0, n) is run
 * inline on the caller without any synchronisation. n <= 0 does nothing.
 */
void kl_parallel_for(kl_body_fn body, void *ctx, int64_t n, int64_t grain);

/* Number of threads (workers + caller) a parallel loop may use. */
int kl_get_num_threads(void);

/* Set it; n <= 0 restores the default (env KERALITE_NUM_THREADS, else the
 * number of CPUs this process may run on). */
void kl_set_num_threads(int n);

/* Threads that loops started by the calling thread may use, instead of
 * kl_get_num_threads(), for this thread only (n <= 0: no override). Returns the
 * previous override, so a caller can restore it (an exported model's context
 * sets its own thread count around each run this way). */
int kl_set_local_num_threads(int n);

/* Stop and join the pool's worker threads (the next loop that needs workers
 * starts them again). Returns 0, or -1 without waiting when another thread is
 * running a loop. An exported model calls it when it is unloaded (and at exit),
 * so no thread of the library outlives its code. */
int kl_shutdown_workers(void);

/* 64-byte aligned allocation (size rounded up to a multiple of 64; bytes == 0
 * still returns a unique pointer); NULL on failure or bytes < 0.
 * Release with kl_aligned_free (NULL is accepted). */
void *kl_aligned_alloc(int64_t bytes);
void kl_aligned_free(void *p);

/* KL_CDEF_END */

#if defined(__GNUC__) || defined(__clang__)
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif

#endif /* KERALITE_RUNTIME_H */
