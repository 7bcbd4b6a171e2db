/*
 * threadpool.c -- keralite's parallel-for thread pool (C11 / gnu11, pthreads).
 *
 * Design
 *  - One global pool. Worker threads are created lazily, at the first loop that
 *    actually needs them, and live until the process exits or
 *    kl_shutdown_workers() stops them.
 *  - A loop is split into k <= num_threads contiguous chunks of near-equal size.
 *    Chunks are claimed dynamically through one 64-bit atomic word
 *    (generation | k | next chunk) with compare-and-swap: the caller claims
 *    chunk 0, wakes k-1 workers, then keeps claiming until none are left. So a
 *    worker that is slow to wake up (asleep on an idle CPU, descheduled) never
 *    holds the caller up: the caller simply runs that chunk itself, and the
 *    late worker finds nothing left. The generation in the word makes a stale
 *    claim for a finished loop fail.
 *  - Completion: an atomic `done` counter of finished chunks; the caller waits
 *    for it to reach k (only for chunks that others claimed and still run).
 *  - Every wait spins for a short while (KERALITE_SPIN_US, default 100 us) and
 *    then blocks on a futex (Linux) or a condition variable (elsewhere). A
 *    `sleeping` flag next to each waited-on word lets the signalling side skip
 *    the wake-up system call when the other side is still spinning, so
 *    back-to-back loops cost a few cache-line transfers, not system calls.
 *  - Nested loops (a body calling kl_parallel_for) run inline. A loop issued
 *    while another thread's loop owns the pool also runs inline (trylock), so
 *    concurrent callers never wait on each other.
 *  - fork(): the child gets a fresh, empty pool (pthread_atfork).
 */
#define _GNU_SOURCE
#include "keralite_runtime.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef __linux__
#include <linux/futex.h>
#include <sys/syscall.h>
#endif

#define KL_MAX_THREADS 256
#define KL_CACHELINE 64
#define KL_DEFAULT_SPIN_US 100

/* ------------------------------------------------------------------------ */
/* Low-level helpers                                                         */
/* ------------------------------------------------------------------------ */

static inline void kl_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
    __asm__ __volatile__("yield" ::: "memory");
#else
    __asm__ __volatile__("" ::: "memory");
#endif
}

static inline int64_t kl_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

#ifdef __linux__
/* Block while *addr == expected (may return spuriously). */
static void kl_block_while(_Atomic uint32_t *addr, uint32_t expected)
{
    syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
}
static void kl_wake(_Atomic uint32_t *addr)
{
    syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}
static void kl_wait_reinit(void) {}
#else
/* Portable fallback: one process-wide mutex + condvar. The waker takes the
 * mutex before broadcasting, and the waiter re-checks the word under it, so no
 * wake-up can be lost. */
static pthread_mutex_t kl_wait_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t kl_wait_cv = PTHREAD_COND_INITIALIZER;
static void kl_block_while(_Atomic uint32_t *addr, uint32_t expected)
{
    pthread_mutex_lock(&kl_wait_mu);
    while (atomic_load(addr) == expected)
        pthread_cond_wait(&kl_wait_cv, &kl_wait_mu);
    pthread_mutex_unlock(&kl_wait_mu);
}
static void kl_wake(_Atomic uint32_t *addr)
{
    (void)addr;
    pthread_mutex_lock(&kl_wait_mu);
    pthread_cond_broadcast(&kl_wait_cv);
    pthread_mutex_unlock(&kl_wait_mu);
}
static void kl_wait_reinit(void)
{
    pthread_mutex_init(&kl_wait_mu, NULL);
    pthread_cond_init(&kl_wait_cv, NULL);
}
#endif

/* ------------------------------------------------------------------------ */
/* Pool state                                                                */
/* ------------------------------------------------------------------------ */

typedef struct kl_worker {
    _Alignas(KL_CACHELINE) _Atomic uint32_t seq; /* bumped to wake the worker when asleep */
    _Atomic uint32_t sleeping;                   /* 1 while blocked (or about to) on seq */
    int index;
    pthread_t thread;
} kl_worker;

/* Claim word: generation (32 bits) | chunk count k (16) | next chunk (16). */
#define KL_NEXT(s) ((uint32_t)((s) & 0xffffu))
#define KL_K(s) ((uint32_t)(((s) >> 16) & 0xffffu))

static struct {
    pthread_mutex_t lock; /* owned by the thread dispatching a loop */
    int nworkers;
    kl_worker *workers[KL_MAX_THREADS];
    uint32_t gen; /* generation of the last loop (under lock) */

    /* The current loop: parameters written under `lock` before `claim` is
     * published; on one cache line, which spinning workers watch. */
    _Alignas(KL_CACHELINE) _Atomic uint64_t claim;
    kl_body_fn body;
    void *ctx;
    int64_t n;

    /* Completion. */
    _Alignas(KL_CACHELINE) _Atomic uint32_t done;
    _Atomic uint32_t caller_sleeping;

    /* Set by kl_shutdown_workers (under `lock`) to make the workers return. */
    _Atomic uint32_t stopping;
} kl_pool = {.lock = PTHREAD_MUTEX_INITIALIZER};

static _Atomic int kl_nthreads = 1;
static int64_t kl_spin_ns = (int64_t)KL_DEFAULT_SPIN_US * 1000;
static pthread_once_t kl_once = PTHREAD_ONCE_INIT;

/* Set on pool workers for good, and on a caller while it runs its chunk. */
static __thread int kl_in_loop;

/* This thread's own thread count for the loops it starts (0: kl_nthreads). */
static __thread int kl_local_nthreads;

static int kl_clamp_threads(long n)
{
    if (n < 1)
        return 1;
    if (n > KL_MAX_THREADS)
        return KL_MAX_THREADS;
    return (int)n;
}

static int kl_parse_positive(const char *s, long *out)
{
    if (s == NULL || *s == '\0')
        return 0;
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s)
        return 0;
    while (*end == ' ' || *end == '\t' || *end == '\n')
        end++;
    if (*end != '\0' || v <= 0)
        return 0;
    *out = v;
    return 1;
}

static int kl_default_threads(void)
{
    long v;
    if (kl_parse_positive(getenv("KERALITE_NUM_THREADS"), &v))
        return kl_clamp_threads(v);
#ifdef __linux__
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int c = CPU_COUNT(&set);
        if (c > 0)
            return kl_clamp_threads(c);
    }
#endif
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    return kl_clamp_threads(c > 0 ? c : 1);
}

/* In a forked child none of the workers exist: start again from nothing (the
 * old worker structs are leaked on purpose; another thread of the parent may
 * have held the lock at fork time, so it is re-initialised rather than
 * unlocked). */
static void kl_atfork_child(void)
{
    pthread_mutex_init(&kl_pool.lock, NULL);
    kl_wait_reinit();
    kl_pool.nworkers = 0;
    for (int i = 0; i < KL_MAX_THREADS; i++)
        kl_pool.workers[i] = NULL;
    atomic_store(&kl_pool.claim, 0);
    atomic_store(&kl_pool.done, 0);
    atomic_store(&kl_pool.caller_sleeping, 0);
    atomic_store(&kl_pool.stopping, 0);
    kl_in_loop = 0;
}

static void kl_init(void)
{
    long us;
    const char *spin = getenv("KERALITE_SPIN_US");
    if (kl_parse_positive(spin, &us))
        kl_spin_ns = (int64_t)(us > 10000000 ? 10000000 : us) * 1000;
    else if (spin != NULL && strcmp(spin, "0") == 0)
        kl_spin_ns = 0; /* never spin: block right away */
    atomic_store(&kl_nthreads, kl_default_threads());
    pthread_atfork(NULL, NULL, kl_atfork_child);
}

/* Bounds of chunk i of k over [0, n): sizes differ by at most one. */
static inline void kl_chunk(int64_t n, int64_t k, int64_t i, int64_t *lo, int64_t *hi)
{
    int64_t base = n / k, rem = n % k;
    *lo = i * base + (i < rem ? i : rem);
    *hi = *lo + base + (i < rem ? 1 : 0);
}

/* ------------------------------------------------------------------------ */
/* Workers                                                                   */
/* ------------------------------------------------------------------------ */

static inline int kl_work_available(void)
{
    uint64_t s = atomic_load_explicit(&kl_pool.claim, memory_order_relaxed);
    return KL_NEXT(s) < KL_K(s);
}

/* Wait until a live loop has unclaimed chunks (or a dispatcher bumped seq;
 * *seen tracks the last seq value observed). */
static void kl_worker_wait(kl_worker *w, uint32_t *seen)
{
    uint32_t v;
    if (kl_work_available())
        return;
    if (kl_spin_ns > 0) {
        int64_t deadline = kl_now_ns() + kl_spin_ns;
        for (unsigned i = 1;; i++) {
            kl_cpu_relax();
            if (kl_work_available())
                return;
            if ((i & 63) == 0 && kl_now_ns() >= deadline)
                break;
        }
    }
    /* Announce the sleep, then re-check for work. This pairs with the
     * dispatcher's "store claim; load sleeping" (all sequentially consistent):
     * either we see its loop, or it sees our flag and bumps seq + wakes us. */
    atomic_store(&w->sleeping, 1);
    while (!kl_work_available() && (v = atomic_load(&w->seq)) == *seen)
        kl_block_while(&w->seq, v);
    *seen = atomic_load(&w->seq);
    atomic_store(&w->sleeping, 0);
}

/* Claim and run chunks of the live loop until none is left. Safe to call at
 * any time: with no loop live, or all its chunks claimed, it does nothing. */
static void kl_run_chunks(void)
{
    uint64_t s = atomic_load_explicit(&kl_pool.claim, memory_order_acquire);
    for (;;) {
        uint32_t next = KL_NEXT(s), k = KL_K(s);
        if (next >= k)
            return;
        if (!atomic_compare_exchange_weak_explicit(&kl_pool.claim, &s, s + 1, memory_order_acq_rel,
                                                   memory_order_acquire))
            continue; /* s reloaded */
        /* Chunk `next` is ours and unfinished, so the loop (and its parameters,
         * published before `claim`) stays live until we report it done. */
        int64_t lo, hi;
        kl_chunk(kl_pool.n, k, next, &lo, &hi);
        kl_pool.body(kl_pool.ctx, lo, hi);
        /* The one finishing the last chunk wakes the caller if it went to sleep. */
        if (atomic_fetch_add(&kl_pool.done, 1) + 1 == k && atomic_load(&kl_pool.caller_sleeping))
            kl_wake(&kl_pool.done);
        s = atomic_load_explicit(&kl_pool.claim, memory_order_acquire);
    }
}

static void *kl_worker_main(void *arg)
{
    kl_worker *w = (kl_worker *)arg;
    kl_in_loop = 1; /* loops started from inside a body run inline */
    uint32_t seen = 0;
    for (;;) {
        kl_worker_wait(w, &seen);
        if (atomic_load(&kl_pool.stopping))
            return NULL;
        kl_run_chunks();
    }
}

/* Make sure at least `want` workers exist (called with the lock held).
 * Returns how many exist, which can be fewer if thread creation failed. */
static int kl_ensure_workers(int want)
{
    if (kl_pool.nworkers >= want)
        return kl_pool.nworkers;
    /* Workers block all signals: they belong to the threads of the program. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    while (kl_pool.nworkers < want) {
        void *mem = NULL;
        if (posix_memalign(&mem, KL_CACHELINE, sizeof(kl_worker)) != 0)
            break;
        kl_worker *w = (kl_worker *)mem;
        memset(w, 0, sizeof *w);
        atomic_init(&w->seq, 0);
        atomic_init(&w->sleeping, 0);
        w->index = kl_pool.nworkers;
        if (pthread_create(&w->thread, NULL, kl_worker_main, w) != 0) {
            free(w);
            break;
        }
        /* joinable: kl_shutdown_workers joins them (until then they never exit) */
#if defined(__linux__) && defined(__GLIBC__)
        char name[32];
        snprintf(name, sizeof name, "keralite-%d", (w->index + 1) % 1000);
        name[15] = 0;
        pthread_setname_np(w->thread, name);
#endif
        kl_pool.workers[kl_pool.nworkers++] = w;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return kl_pool.nworkers;
}

/* ------------------------------------------------------------------------ */
/* Public API                                                                */
/* ------------------------------------------------------------------------ */

void kl_parallel_for(kl_body_fn body, void *ctx, int64_t n, int64_t grain)
{
    if (n <= 0)
        return;
    if (grain < 1)
        grain = 1;
    int64_t maxchunks = n / grain;
    if (maxchunks < 2 || kl_in_loop) {
        body(ctx, 0, n);
        return;
    }
    pthread_once(&kl_once, kl_init);
    int64_t nchunks = kl_local_nthreads > 0 ? kl_local_nthreads
                                            : atomic_load_explicit(&kl_nthreads, memory_order_relaxed);
    if (maxchunks < nchunks)
        nchunks = maxchunks;
    if (nchunks < 2 || pthread_mutex_trylock(&kl_pool.lock) != 0) {
        body(ctx, 0, n);
        return;
    }
    int have = kl_ensure_workers((int)nchunks - 1);
    if (nchunks > (int64_t)have + 1)
        nchunks = (int64_t)have + 1;
    if (nchunks < 2) {
        pthread_mutex_unlock(&kl_pool.lock);
        body(ctx, 0, n);
        return;
    }

    uint32_t k = (uint32_t)nchunks;
    kl_pool.body = body;
    kl_pool.ctx = ctx;
    kl_pool.n = n;
    kl_pool.gen++;
    atomic_store_explicit(&kl_pool.done, 0, memory_order_relaxed);
    /* Publish with chunk 0 already claimed by us. */
    atomic_store(&kl_pool.claim, ((uint64_t)kl_pool.gen << 32) | ((uint64_t)k << 16) | 1u);
    for (uint32_t i = 0; i + 1 < k; i++) {
        kl_worker *w = kl_pool.workers[i];
        /* Spinning workers see `claim` by themselves; only a sleeping one
         * needs its seq bumped and a wake-up call. */
        if (atomic_load(&w->sleeping)) {
            atomic_fetch_add(&w->seq, 1);
            kl_wake(&w->seq);
        }
    }

    int64_t lo, hi;
    kl_chunk(n, k, 0, &lo, &hi);
    kl_in_loop = 1;
    body(ctx, lo, hi);
    atomic_fetch_add(&kl_pool.done, 1);
    kl_run_chunks(); /* take whatever the workers have not started */
    kl_in_loop = 0;

    /* Wait for chunks still running on workers: spin, then sleep on `done`. */
    if (atomic_load_explicit(&kl_pool.done, memory_order_acquire) != k) {
        int finished = 0;
        if (kl_spin_ns > 0) {
            int64_t deadline = kl_now_ns() + kl_spin_ns;
            for (unsigned i = 1;; i++) {
                kl_cpu_relax();
                if (atomic_load_explicit(&kl_pool.done, memory_order_acquire) == k) {
                    finished = 1;
                    break;
                }
                if ((i & 63) == 0 && kl_now_ns() >= deadline)
                    break;
            }
        }
        if (!finished) {
            atomic_store(&kl_pool.caller_sleeping, 1);
            uint32_t d;
            while ((d = atomic_load(&kl_pool.done)) != k)
                kl_block_while(&kl_pool.done, d);
            atomic_store(&kl_pool.caller_sleeping, 0);
        }
    }
    pthread_mutex_unlock(&kl_pool.lock);
}

int kl_get_num_threads(void)
{
    pthread_once(&kl_once, kl_init);
    return atomic_load(&kl_nthreads);
}

void kl_set_num_threads(int n)
{
    pthread_once(&kl_once, kl_init);
    atomic_store(&kl_nthreads, n <= 0 ? kl_default_threads() : kl_clamp_threads(n));
}

int kl_shutdown_workers(void)
{
    if (pthread_mutex_trylock(&kl_pool.lock) != 0)
        return -1;
    /* No loop is live while we hold the lock, so every worker is in kl_worker_wait or on
     * its way there: bumping seq makes it return (after its spin, at the latest). */
    atomic_store(&kl_pool.stopping, 1);
    for (int i = 0; i < kl_pool.nworkers; i++) {
        kl_worker *w = kl_pool.workers[i];
        atomic_fetch_add(&w->seq, 1);
        kl_wake(&w->seq);
    }
    for (int i = 0; i < kl_pool.nworkers; i++) {
        kl_worker *w = kl_pool.workers[i];
        pthread_join(w->thread, NULL);
        free(w);
        kl_pool.workers[i] = NULL;
    }
    kl_pool.nworkers = 0;
    atomic_store(&kl_pool.stopping, 0);
    pthread_mutex_unlock(&kl_pool.lock);
    return 0;
}

int kl_set_local_num_threads(int n)
{
    int previous = kl_local_nthreads;
    kl_local_nthreads = n <= 0 ? 0 : kl_clamp_threads(n);
    return previous;
}

void *kl_aligned_alloc(int64_t bytes)
{
    if (bytes < 0)
        return NULL;
    size_t size = bytes == 0 ? KL_CACHELINE
                             : (((size_t)bytes + (KL_CACHELINE - 1)) & ~(size_t)(KL_CACHELINE - 1));
    void *p = NULL;
    if (posix_memalign(&p, KL_CACHELINE, size) != 0)
        return NULL;
    return p;
}

void kl_aligned_free(void *p)
{
    free(p);
}
