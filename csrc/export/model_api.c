/*
 * model_api.c -- the C API of an exported keralite model, written once for every model.
 *
 * `keralite compile` generates NAME_model.c, which defines the tables of one model (below:
 * "What the including file defines") and then includes this file. The functions defined
 * here are named NAME_create, NAME_run, ... through KL_API(); NAME.h declares them and
 * documents each one.
 *
 * How a call runs: the compiled graph is one function, KL_ENTRY(buffers, dims, NULL)
 * (see keralite/compiler/codegen/module.py). `buffers` holds, in order, the inputs, the
 * outputs, the variables and constants (the weights), then ONE scratch arena; `dims` holds
 * the value of every size symbol of the graph. In an export every symbol is the batch
 * size, and the arena's size is a sum of terms coef * batch^power, each rounded up to
 * 64 bytes. A context owns its buffers table, its arena and its own copies of the
 * variables that the graph updates (e.g. random-number counters); weights that are only
 * read point straight into the library's read-only data.
 *
 * What the including file defines:
 *   KL_MODEL                 the model name (a C identifier)
 *   KL_ENTRY                 the graph's entry function (declared)
 *   KL_WEIGHTS               the read-only weights blob (declared)
 *   KL_NUM_INPUTS, KL_NUM_OUTPUTS, KL_NUM_FIXED (variables + constants),
 *   KL_NUM_SYMBOLS, KL_NUM_ARENA_TERMS, KL_NUM_ERRORS
 *   KL_BATCH                 the batch size, or -1 for a dynamic batch
 *   kl_inputs[], kl_outputs[]                       kl_tensor_info per input / output
 *   kl_fixed_offset[], kl_fixed_bytes[], kl_fixed_writable[]   per variable / constant
 *   kl_arena_coef[], kl_arena_power[]               the arena's size terms
 *   kl_error_codes[], kl_error_messages[]           the graph's own error codes
 * Every table has one spare entry at its end, so none is ever empty.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "keralite_runtime.h"

#define KL_CAT_(a, b) a##_##b
#define KL_CAT(a, b) KL_CAT_(a, b)
#define KL_API(fn) KL_CAT(KL_MODEL, fn)
#define KL_STR_(x) #x
#define KL_STR(x) KL_STR_(x)
#define KL_PUBLIC __attribute__((visibility("default")))

#define KL_NUM_SLOTS (KL_NUM_INPUTS + KL_NUM_OUTPUTS + KL_NUM_FIXED + 1)
#define KL_ARENA_SLOT (KL_NUM_SLOTS - 1)
#define KL_ALIGN 64

struct KL_API(context) {
    atomic_int busy;             /* 1 while a call runs: a context serves one call at a time */
    int num_threads;             /* threads for this context's loops (0: the pool default) */
    int64_t arena_batch;         /* the batch the arena is sized for (-1: none yet) */
    int64_t arena_bytes;
    void *arena;
    void *state[KL_NUM_FIXED + 1];   /* copies of the updated variables, else NULL */
    void *buffers[KL_NUM_SLOTS];
    int64_t dims[KL_NUM_SYMBOLS + 1];
};

/* ------------------------------------------------------------------------ */
/* Errors                                                                    */
/* ------------------------------------------------------------------------ */

static __thread char kl_message[512];

__attribute__((format(printf, 2, 3))) static int kl_fail(int status, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    int n = snprintf(kl_message, sizeof kl_message, "%s_", KL_STR(KL_MODEL));
    if (n < 0 || (size_t)n >= sizeof kl_message)
        n = 0;
    vsnprintf(kl_message + n, sizeof kl_message - (size_t)n, format, args);
    va_end(args);
    return status;
}

KL_PUBLIC const char *KL_API(last_error)(void)
{
    return kl_message;
}

/* ------------------------------------------------------------------------ */
/* Sizes                                                                     */
/* ------------------------------------------------------------------------ */

/* *out = coef * batch^power; 0 on overflow. */
static int kl_monomial(int64_t coef, int power, int64_t batch, int64_t *out)
{
    int64_t value = coef;
    for (int i = 0; i < power; i++)
        if (__builtin_mul_overflow(value, batch, &value))
            return 0;
    *out = value;
    return 1;
}

/* Bytes of the arena for `batch` (each term rounded up to 64 bytes); 0 on overflow. */
static int kl_arena_size(int64_t batch, int64_t *out)
{
    int64_t total = 0;
    for (int i = 0; i < KL_NUM_ARENA_TERMS; i++) {
        int64_t term;
        if (!kl_monomial(kl_arena_coef[i], kl_arena_power[i], batch, &term) || term > INT64_MAX - KL_ALIGN)
            return 0;
        term = (term + KL_ALIGN - 1) / KL_ALIGN * KL_ALIGN;
        if (__builtin_add_overflow(total, term, &total))
            return 0;
    }
    *out = total;
    return 1;
}

/* Make the arena fit `batch` (it only grows). */
static int kl_reserve(struct KL_API(context) *ctx, int64_t batch, const char *fn)
{
    if (ctx->arena_batch == batch)
        return KL_OK;
    int64_t bytes;
    if (!kl_arena_size(batch, &bytes))
        return kl_fail(KL_ERROR_BATCH_SIZE, "%s: batch size %lld is too large for this model", fn,
                       (long long)batch);
    if (ctx->arena == NULL || bytes > ctx->arena_bytes) {
        void *arena = kl_aligned_alloc(bytes);
        if (arena == NULL)
            return kl_fail(KL_ERROR_OUT_OF_MEMORY,
                           "%s: cannot allocate %lld bytes of scratch memory for batch size %lld", fn,
                           (long long)bytes, (long long)batch);
        kl_aligned_free(ctx->arena);
        ctx->arena = arena;
        ctx->arena_bytes = bytes;
        ctx->buffers[KL_ARENA_SLOT] = arena;
    }
    for (int i = 0; i < KL_NUM_SYMBOLS; i++)
        ctx->dims[i] = batch;
    ctx->arena_batch = batch;
    return KL_OK;
}

/* ------------------------------------------------------------------------ */
/* Contexts                                                                  */
/* ------------------------------------------------------------------------ */

KL_PUBLIC void KL_API(destroy)(struct KL_API(context) *ctx)
{
    if (ctx == NULL)
        return;
    for (int i = 0; i < KL_NUM_FIXED; i++)
        kl_aligned_free(ctx->state[i]);
    kl_aligned_free(ctx->arena);
    kl_aligned_free(ctx);
}

KL_PUBLIC int KL_API(create)(struct KL_API(context) **out, int num_threads)
{
    if (out == NULL)
        return kl_fail(KL_ERROR_NULL_ARGUMENT, "create: the pointer to store the context in is NULL");
    *out = NULL;
    struct KL_API(context) *ctx = kl_aligned_alloc(sizeof *ctx);
    if (ctx == NULL)
        return kl_fail(KL_ERROR_OUT_OF_MEMORY, "create: cannot allocate a context");
    memset(ctx, 0, sizeof *ctx);
    atomic_init(&ctx->busy, 0);
    ctx->num_threads = num_threads > 0 ? num_threads : 0;
    ctx->arena_batch = -1;
    const int base = KL_NUM_INPUTS + KL_NUM_OUTPUTS;
    for (int i = 0; i < KL_NUM_FIXED; i++) {
        const unsigned char *data = KL_WEIGHTS + kl_fixed_offset[i];
        if (kl_fixed_writable[i]) {
            ctx->state[i] = kl_aligned_alloc(kl_fixed_bytes[i]);
            if (ctx->state[i] == NULL) {
                KL_API(destroy)(ctx);
                return kl_fail(KL_ERROR_OUT_OF_MEMORY, "create: cannot allocate %lld bytes of model state",
                               (long long)kl_fixed_bytes[i]);
            }
            memcpy(ctx->state[i], data, (size_t)kl_fixed_bytes[i]);
            ctx->buffers[base + i] = ctx->state[i];
        } else {
            ctx->buffers[base + i] = (void *)data; /* the graph never writes these */
        }
    }
    if (KL_BATCH >= 0) {
        int status = kl_reserve(ctx, KL_BATCH, "create");
        if (status != KL_OK) {
            KL_API(destroy)(ctx);
            return status;
        }
    }
    *out = ctx;
    return KL_OK;
}

/* The library's thread pool is its own (the runtime is linked in, hidden): stop its
 * workers when the library is unloaded or the program exits, so no thread runs on after
 * the code is gone and leak checkers see every thread joined. */
__attribute__((destructor)) static void kl_unload(void)
{
    kl_shutdown_workers();
}

/* ------------------------------------------------------------------------ */
/* Running                                                                   */
/* ------------------------------------------------------------------------ */

static const char *kl_graph_error(int32_t code)
{
    for (int i = 0; i < KL_NUM_ERRORS; i++)
        if (kl_error_codes[i] == code)
            return kl_error_messages[i];
    return "unknown error";
}

static int kl_run(struct KL_API(context) *ctx, int64_t batch, const void *const *inputs,
                  void *const *outputs, const char *fn)
{
    if (ctx == NULL)
        return kl_fail(KL_ERROR_NULL_ARGUMENT, "%s: the context is NULL", fn);
    if (inputs == NULL && KL_NUM_INPUTS > 0)
        return kl_fail(KL_ERROR_NULL_ARGUMENT, "%s: the array of input pointers is NULL", fn);
    if (outputs == NULL && KL_NUM_OUTPUTS > 0)
        return kl_fail(KL_ERROR_NULL_ARGUMENT, "%s: the array of output pointers is NULL", fn);
    for (int i = 0; i < KL_NUM_INPUTS; i++)
        if (inputs[i] == NULL)
            return kl_fail(KL_ERROR_NULL_ARGUMENT, "%s: input %d (%s) is NULL", fn, i, kl_inputs[i].name);
    for (int i = 0; i < KL_NUM_OUTPUTS; i++)
        if (outputs[i] == NULL)
            return kl_fail(KL_ERROR_NULL_ARGUMENT, "%s: output %d (%s) is NULL", fn, i, kl_outputs[i].name);
    if (KL_BATCH >= 0 && batch != KL_BATCH)
        return kl_fail(KL_ERROR_BATCH_SIZE, "%s: batch size %lld, but this model was compiled for batch size %lld",
                       fn, (long long)batch, (long long)KL_BATCH);
    if (batch < 1)
        return kl_fail(KL_ERROR_BATCH_SIZE, "%s: batch size %lld, it must be at least 1", fn, (long long)batch);
    if (atomic_exchange(&ctx->busy, 1) != 0)
        return kl_fail(KL_ERROR_BUSY, "%s: the context is running a call on another thread; "
                       "give each thread its own context", fn);
    int status = kl_reserve(ctx, batch, fn);
    if (status == KL_OK) {
        for (int i = 0; i < KL_NUM_INPUTS; i++)
            ctx->buffers[i] = (void *)inputs[i]; /* the graph never writes its inputs */
        for (int i = 0; i < KL_NUM_OUTPUTS; i++)
            ctx->buffers[KL_NUM_INPUTS + i] = outputs[i];
        int previous = kl_set_local_num_threads(ctx->num_threads);
        int32_t code = KL_ENTRY(ctx->buffers, ctx->dims, NULL);
        kl_set_local_num_threads(previous);
        if (code != 0)
            status = kl_fail(KL_ERROR_COMPUTE, "%s: %s", fn, kl_graph_error(code));
    }
    atomic_store(&ctx->busy, 0);
    return status;
}

KL_PUBLIC int KL_API(run)(struct KL_API(context) *ctx, const void *const *inputs, void *const *outputs)
{
    if (KL_BATCH < 0)
        return kl_fail(KL_ERROR_BATCH_SIZE, "run: this model was compiled with a dynamic batch size; "
                       "call %s_run_batch with the batch size", KL_STR(KL_MODEL));
    return kl_run(ctx, KL_BATCH, inputs, outputs, "run");
}

KL_PUBLIC int KL_API(run_batch)(struct KL_API(context) *ctx, int64_t batch, const void *const *inputs,
                                void *const *outputs)
{
    return kl_run(ctx, batch, inputs, outputs, "run_batch");
}

/* ------------------------------------------------------------------------ */
/* Introspection                                                             */
/* ------------------------------------------------------------------------ */

KL_PUBLIC int KL_API(num_inputs)(void)
{
    return KL_NUM_INPUTS;
}

KL_PUBLIC int KL_API(num_outputs)(void)
{
    return KL_NUM_OUTPUTS;
}

KL_PUBLIC int64_t KL_API(batch_size)(void)
{
    return KL_BATCH;
}

KL_PUBLIC const kl_tensor_info *KL_API(input_info)(int index)
{
    if (index < 0 || index >= KL_NUM_INPUTS) {
        kl_fail(KL_ERROR_INDEX, "input_info: no input %d (the model has %d)", index, KL_NUM_INPUTS);
        return NULL;
    }
    return &kl_inputs[index];
}

KL_PUBLIC const kl_tensor_info *KL_API(output_info)(int index)
{
    if (index < 0 || index >= KL_NUM_OUTPUTS) {
        kl_fail(KL_ERROR_INDEX, "output_info: no output %d (the model has %d)", index, KL_NUM_OUTPUTS);
        return NULL;
    }
    return &kl_outputs[index];
}

static int kl_find(const kl_tensor_info *infos, int count, const char *name, int *index, const char *what)
{
    if (name == NULL)
        return kl_fail(KL_ERROR_NULL_ARGUMENT, "find_%s: the name is NULL", what);
    if (index == NULL)
        return kl_fail(KL_ERROR_NULL_ARGUMENT, "find_%s: the pointer to store the index in is NULL", what);
    for (int i = 0; i < count; i++) {
        if (strcmp(infos[i].name, name) == 0) {
            *index = i;
            return KL_OK;
        }
    }
    char known[256] = "";
    size_t used = 0;
    for (int i = 0; i < count && used < sizeof known; i++) {
        int n = snprintf(known + used, sizeof known - used, "%s%s", i ? ", " : "", infos[i].name);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    *index = -1;
    return kl_fail(KL_ERROR_UNKNOWN_NAME, "find_%s: no %s is named \"%.64s\" (the model's %ss: %s)", what, what,
                   name, what, known);
}

KL_PUBLIC int KL_API(find_input)(const char *name, int *index)
{
    return kl_find(kl_inputs, KL_NUM_INPUTS, name, index, "input");
}

KL_PUBLIC int KL_API(find_output)(const char *name, int *index)
{
    return kl_find(kl_outputs, KL_NUM_OUTPUTS, name, index, "output");
}
