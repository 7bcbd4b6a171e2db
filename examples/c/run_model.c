/*
 * run_model.c -- run an exported keralite model from C on inputs saved by NumPy.
 *
 * Build it for the model NAME exported into DIR (`keralite compile MODEL -o DIR --name NAME`):
 *
 *   cc -O2 -DMODEL=NAME -I DIR -I examples/c examples/c/run_model.c -L DIR -lNAME \
 *      -Wl,-rpath,DIR -o run_model              (or DIR/NAME.o -lm -pthread instead of -L/-l)
 *
 * then
 *
 *   run_model x.npy                      print every output, one batch item per line
 *   run_model x.npy --labels y.npy       print the accuracy of output 0's arg-max
 *   run_model x.npy --expect y.npy       compare with expected outputs (exit 1 if they differ)
 *   run_model x.npy --bench 1000         print the latency of one call on the whole batch
 *   run_model x.npy --two-threads        also run on two threads with two contexts, and check
 *
 * One .npy per model input, in the model's order. A fixed-batch export runs the items in
 * batches of its size (the last one padded with zeros).
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NPY_IMPLEMENTATION
#include "npy.h"

#ifndef MODEL
#error "compile with -DMODEL=NAME, the name the model was exported under"
#endif
#define STR_(x) #x
#define STR(x) STR_(x)
#include STR(MODEL.h)

/* MODEL_fn: the function `fn` of the exported model. */
#define CAT_(a, b) a##_##b
#define CAT(a, b) CAT_(a, b)
#define API(fn) CAT(MODEL, fn)
typedef API(context) model_context;

#define MAX_TENSORS 64

typedef struct {
    int count;                     /* batch items */
    void *inputs[MAX_TENSORS];     /* in the model's dtypes */
    void *outputs[MAX_TENSORS];
} job;

static int64_t batch_size; /* of the export: -1 for any */
static int n_inputs, n_outputs;

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "run_model: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(2);
}

/* Elements per batch item (every axis but the first). */
static int64_t item_elements(const kl_tensor_info *t)
{
    int64_t n = 1;
    for (int i = 1; i < t->rank; i++)
        n *= t->shape[i];
    return n;
}

static const char *npy_dtype_of(int dtype)
{
    switch (dtype) {
    case KL_FLOAT32: return "<f4";
    case KL_FLOAT64: return "<f8";
    case KL_INT32: return "<i4";
    case KL_INT64: return "<i8";
    default: return "|u1";
    }
}

static double get_value(const void *data, const char *dtype, int64_t i)
{
    if (strcmp(dtype + 1, "f4") == 0) return ((const float *)data)[i];
    if (strcmp(dtype + 1, "f8") == 0) return ((const double *)data)[i];
    if (strcmp(dtype + 1, "i4") == 0) return ((const int32_t *)data)[i];
    if (strcmp(dtype + 1, "i8") == 0) return (double)((const int64_t *)data)[i];
    if (strcmp(dtype + 1, "u1") == 0 || strcmp(dtype + 1, "b1") == 0) return ((const uint8_t *)data)[i];
    die("unsupported .npy dtype", dtype);
    return 0;
}

static void set_value(void *data, int dtype, int64_t i, double v)
{
    switch (dtype) {
    case KL_FLOAT32: ((float *)data)[i] = (float)v; break;
    case KL_FLOAT64: ((double *)data)[i] = v; break;
    case KL_INT32: ((int32_t *)data)[i] = (int32_t)v; break;
    case KL_INT64: ((int64_t *)data)[i] = (int64_t)v; break;
    default: ((uint8_t *)data)[i] = v != 0; break;
    }
}

/* The .npy's data in the input's dtype (copied, converting when the dtypes differ). */
static void *as_input(const npy_array *a, const kl_tensor_info *t)
{
    void *data = malloc((size_t)(a->count ? a->count : 1) * (size_t)t->itemsize);
    if (data == NULL)
        die("out of memory", NULL);
    if (strcmp(a->dtype, npy_dtype_of(t->dtype)) == 0) {
        memcpy(data, a->data, (size_t)a->count * (size_t)t->itemsize);
    } else {
        for (int64_t i = 0; i < a->count; i++)
            set_value(data, t->dtype, i, get_value(a->data, a->dtype, i));
    }
    return data;
}

/* Run a whole job on one context, in batches of the export's size if it has one. */
static int run_job(model_context *ctx, const job *j)
{
    if (batch_size < 0)
        return API(run_batch)(ctx, j->count, (const void *const *)j->inputs, j->outputs);
    int status = KL_OK;
    void *in[MAX_TENSORS], *out[MAX_TENSORS], *pad_in[MAX_TENSORS] = {0}, *pad_out[MAX_TENSORS] = {0};
    for (int start = 0; start < j->count && status == KL_OK; start += (int)batch_size) {
        int n = j->count - start < batch_size ? j->count - start : (int)batch_size;
        for (int k = 0; k < n_inputs; k++) {
            const kl_tensor_info *t = API(input_info)(k);
            size_t row = (size_t)item_elements(t) * (size_t)t->itemsize;
            in[k] = (char *)j->inputs[k] + (size_t)start * row;
            if (n < batch_size) { /* the last, partial batch: pad with zeros */
                pad_in[k] = calloc((size_t)batch_size, row);
                memcpy(pad_in[k], in[k], (size_t)n * row);
                in[k] = pad_in[k];
            }
        }
        for (int k = 0; k < n_outputs; k++) {
            const kl_tensor_info *t = API(output_info)(k);
            size_t row = (size_t)item_elements(t) * (size_t)t->itemsize;
            out[k] = (char *)j->outputs[k] + (size_t)start * row;
            if (n < batch_size)
                out[k] = pad_out[k] = malloc((size_t)batch_size * row);
        }
        status = API(run)(ctx, (const void *const *)in, out);
        for (int k = 0; k < n_outputs; k++) {
            if (pad_out[k] != NULL) {
                const kl_tensor_info *t = API(output_info)(k);
                size_t row = (size_t)item_elements(t) * (size_t)t->itemsize;
                memcpy((char *)j->outputs[k] + (size_t)start * row, pad_out[k], (size_t)n * row);
            }
        }
    }
    for (int k = 0; k < MAX_TENSORS; k++) {
        free(pad_in[k]);
        free(pad_out[k]);
    }
    return status;
}

static void alloc_outputs(job *j)
{
    for (int k = 0; k < n_outputs; k++) {
        const kl_tensor_info *t = API(output_info)(k);
        j->outputs[k] = calloc((size_t)(j->count ? j->count : 1) * (size_t)item_elements(t), (size_t)t->itemsize);
        if (j->outputs[k] == NULL)
            die("out of memory", NULL);
    }
}

static void free_outputs(job *j)
{
    for (int k = 0; k < n_outputs; k++)
        free(j->outputs[k]);
}

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- two threads, two contexts -------------------------------------------------- */

typedef struct {
    job work;
    int threads;
    int status;
    char message[256];
} thread_job;

static void *thread_main(void *arg)
{
    thread_job *t = arg;
    model_context *ctx = NULL;
    t->status = API(create)(&ctx, t->threads);
    for (int round = 0; round < 20 && t->status == KL_OK; round++)
        t->status = run_job(ctx, &t->work);
    if (t->status != KL_OK)
        snprintf(t->message, sizeof t->message, "%s", API(last_error)());
    API(destroy)(ctx);
    return NULL;
}

/* Run the job on two threads at once, each with its own context; 0 if both match `ref`. */
static int check_two_threads(const job *ref, int threads)
{
    thread_job t[2];
    pthread_t id[2];
    for (int i = 0; i < 2; i++) {
        memset(&t[i], 0, sizeof t[i]);
        t[i].work = *ref;
        t[i].threads = threads;
        alloc_outputs(&t[i].work);
        if (pthread_create(&id[i], NULL, thread_main, &t[i]) != 0)
            die("cannot start a thread", NULL);
    }
    int failed = 0;
    for (int i = 0; i < 2; i++) {
        pthread_join(id[i], NULL);
        if (t[i].status != KL_OK) {
            fprintf(stderr, "thread %d: %s\n", i, t[i].message);
            failed = 1;
            continue;
        }
        for (int k = 0; k < n_outputs; k++) {
            const kl_tensor_info *info = API(output_info)(k);
            size_t bytes = (size_t)ref->count * (size_t)item_elements(info) * (size_t)info->itemsize;
            if (memcmp(t[i].work.outputs[k], ref->outputs[k], bytes) != 0) {
                fprintf(stderr, "thread %d: output %d differs from the single-threaded run\n", i, k);
                failed = 1;
            }
        }
    }
    for (int i = 0; i < 2; i++)
        free_outputs(&t[i].work);
    printf("two threads, two contexts: %s\n", failed ? "MISMATCH" : "same outputs");
    return failed;
}

/* ---- output ------------------------------------------------------------------ */

static void print_outputs(const job *j)
{
    for (int k = 0; k < n_outputs; k++) {
        const kl_tensor_info *t = API(output_info)(k);
        int64_t row = item_elements(t);
        printf("output %d %s shape (%d", k, t->name, j->count);
        for (int a = 1; a < t->rank; a++)
            printf(", %lld", (long long)t->shape[a]);
        printf(")\n");
        for (int i = 0; i < j->count; i++) {
            for (int64_t e = 0; e < row; e++) {
                int64_t at = (int64_t)i * row + e;
                const char *sep = e ? " " : "";
                switch (t->dtype) {
                case KL_FLOAT32: printf("%s%.9g", sep, ((float *)j->outputs[k])[at]); break;
                case KL_FLOAT64: printf("%s%.17g", sep, ((double *)j->outputs[k])[at]); break;
                case KL_INT32: printf("%s%d", sep, ((int32_t *)j->outputs[k])[at]); break;
                case KL_INT64: printf("%s%lld", sep, (long long)((int64_t *)j->outputs[k])[at]); break;
                default: printf("%s%d", sep, ((uint8_t *)j->outputs[k])[at]); break;
                }
            }
            printf("\n");
        }
    }
}

static double accuracy(const job *j, const npy_array *labels)
{
    const kl_tensor_info *t = API(output_info)(0);
    int64_t classes = item_elements(t);
    if (labels->count != j->count)
        die("--labels: one label per batch item expected", NULL);
    int64_t right = 0;
    for (int i = 0; i < j->count; i++) {
        int64_t best = 0;
        for (int64_t c = 1; c < classes; c++)
            if (get_value(j->outputs[0], npy_dtype_of(t->dtype), i * classes + c) >
                get_value(j->outputs[0], npy_dtype_of(t->dtype), i * classes + best))
                best = c;
        right += best == (int64_t)get_value(labels->data, labels->dtype, i);
    }
    printf("accuracy: %.4f (%lld of %d)\n", (double)right / (double)j->count, (long long)right, j->count);
    return (double)right / (double)j->count;
}

static int compare(const job *j, char **expect, int n_expect, double tolerance)
{
    int failed = 0;
    if (n_expect != n_outputs)
        die("--expect: give one .npy per model output", NULL);
    for (int k = 0; k < n_outputs; k++) {
        const kl_tensor_info *t = API(output_info)(k);
        npy_array e;
        if (npy_load(expect[k], &e) != 0)
            die(npy_error, NULL);
        if (e.count != (int64_t)j->count * item_elements(t))
            die("--expect: the expected output has another size", expect[k]);
        double worst = 0;
        for (int64_t i = 0; i < e.count; i++) {
            double got = get_value(j->outputs[k], npy_dtype_of(t->dtype), i);
            double want = get_value(e.data, e.dtype, i);
            double diff = fabs(got - want);
            if (diff > worst || diff != diff)
                worst = diff != diff ? INFINITY : diff;
        }
        printf("output %d %s: max abs difference %.3g\n", k, t->name, worst);
        failed |= !(worst <= tolerance);
        npy_free(&e);
    }
    return failed;
}

int main(int argc, char **argv)
{
    const char *labels_path = NULL, *output_prefix = NULL;
    char *input_paths[MAX_TENSORS], *expect_paths[MAX_TENSORS];
    int n_paths = 0, n_expect = 0, threads = 0, bench = 0, two_threads = 0;
    double tolerance = 1e-6;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_value = i + 1 < argc;
        if (strcmp(a, "--labels") == 0 && has_value) labels_path = argv[++i];
        else if (strcmp(a, "--expect") == 0 && has_value && n_expect < MAX_TENSORS)
            expect_paths[n_expect++] = argv[++i];
        else if (strcmp(a, "--tolerance") == 0 && has_value) tolerance = atof(argv[++i]);
        else if (strcmp(a, "--threads") == 0 && has_value) threads = atoi(argv[++i]);
        else if (strcmp(a, "--bench") == 0 && has_value) bench = atoi(argv[++i]);
        else if (strcmp(a, "--output") == 0 && has_value) output_prefix = argv[++i];
        else if (strcmp(a, "--two-threads") == 0) two_threads = 1;
        else if (a[0] == '-') die("unknown option (see the comment at the top of run_model.c)", a);
        else if (n_paths < MAX_TENSORS) input_paths[n_paths++] = argv[i];
    }
    batch_size = API(batch_size)();
    n_inputs = API(num_inputs)();
    n_outputs = API(num_outputs)();
    if (n_paths != n_inputs) {
        fprintf(stderr, "run_model: model %s takes %d inputs:", STR(MODEL), n_inputs);
        for (int k = 0; k < n_inputs; k++)
            fprintf(stderr, " %s", API(input_info)(k)->name);
        fprintf(stderr, "; give one .npy file for each\n");
        return 2;
    }

    job j;
    memset(&j, 0, sizeof j);
    j.count = -1;
    for (int k = 0; k < n_inputs; k++) {
        const kl_tensor_info *t = API(input_info)(k);
        npy_array a;
        if (npy_load(input_paths[k], &a) != 0)
            die(npy_error, NULL);
        if (a.rank != t->rank)
            die("an input .npy has the wrong number of axes", input_paths[k]);
        for (int axis = 1; axis < t->rank; axis++)
            if (a.shape[axis] != t->shape[axis])
                die("an input .npy has the wrong shape", input_paths[k]);
        if (j.count >= 0 && a.shape[0] != j.count)
            die("the inputs have different batch sizes", input_paths[k]);
        j.count = (int)a.shape[0];
        j.inputs[k] = as_input(&a, t);
        npy_free(&a);
    }
    alloc_outputs(&j);

    model_context *ctx = NULL;
    if (API(create)(&ctx, threads) != KL_OK)
        die(API(last_error)(), NULL);
    if (run_job(ctx, &j) != KL_OK)
        die(API(last_error)(), NULL);

    int failed = 0;
    if (bench > 0) {
        double best = INFINITY;
        for (int r = 0; r < 5; r++) {
            double start = seconds();
            for (int i = 0; i < bench; i++)
                if (run_job(ctx, &j) != KL_OK)
                    die(API(last_error)(), NULL);
            double per_call = (seconds() - start) / bench;
            best = per_call < best ? per_call : best;
        }
        printf("latency_us: %.3f (batch %d, best of 5 x %d calls)\n", best * 1e6, j.count, bench);
    }
    if (labels_path != NULL) {
        npy_array labels;
        if (npy_load(labels_path, &labels) != 0)
            die(npy_error, NULL);
        accuracy(&j, &labels);
        npy_free(&labels);
    }
    if (n_expect > 0)
        failed |= compare(&j, expect_paths, n_expect, tolerance);
    if (two_threads)
        failed |= check_two_threads(&j, threads);
    if (output_prefix != NULL) {
        for (int k = 0; k < n_outputs; k++) {
            const kl_tensor_info *t = API(output_info)(k);
            int64_t shape[NPY_MAX_RANK];
            shape[0] = j.count;
            for (int a = 1; a < t->rank && a < NPY_MAX_RANK; a++)
                shape[a] = t->shape[a];
            char path[4096];
            snprintf(path, sizeof path, "%s%d.npy", output_prefix, k);
            if (npy_save(path, npy_dtype_of(t->dtype), t->rank, shape, j.outputs[k]) != 0)
                die(npy_error, NULL);
        }
    }
    if (labels_path == NULL && n_expect == 0 && !bench && !two_threads && output_prefix == NULL)
        print_outputs(&j);

    API(destroy)(ctx);
    free_outputs(&j);
    for (int k = 0; k < n_inputs; k++)
        free(j.inputs[k]);
    return failed;
}
