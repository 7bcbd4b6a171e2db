/*
 * check_errors.c -- bad calls to an exported keralite model return error codes and
 * messages, never crash, and leave the context usable.
 *
 *   cc -DMODEL=NAME -I DIR -I examples/c examples/c/check_errors.c -L DIR -lNAME -Wl,-rpath,DIR
 *
 * Prints one line per check ("ok <code> <message>") and exits 1 if any check fails.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef MODEL
#error "compile with -DMODEL=NAME, the name the model was exported under"
#endif
#define STR_(x) #x
#define STR(x) STR_(x)
#include STR(MODEL.h)

#define CAT_(a, b) a##_##b
#define CAT(a, b) CAT_(a, b)
#define API(fn) CAT(MODEL, fn)

static int failures;

static void expect(const char *what, int got, int want)
{
    const char *message = API(last_error)();
    int ok = got == want && (want == KL_OK || (message != NULL && message[0] != '\0'));
    printf("%s %-40s status %d (want %d)  %s\n", ok ? "ok  " : "FAIL", what, got, want,
           want == KL_OK ? "" : message);
    failures += !ok;
}

static void *zeros_for(const kl_tensor_info *t, int64_t batch)
{
    int64_t n = 1;
    for (int a = 0; a < t->rank; a++)
        n *= t->shape[a] < 0 ? batch : t->shape[a];
    return calloc((size_t)(n ? n : 1), (size_t)t->itemsize);
}

int main(void)
{
    int n_in = API(num_inputs)(), n_out = API(num_outputs)();
    int64_t fixed = API(batch_size)();
    int64_t batch = fixed > 0 ? fixed : 2;
    void *inputs[64] = {0}, *outputs[64] = {0};
    for (int k = 0; k < n_in; k++)
        inputs[k] = zeros_for(API(input_info)(k), batch);
    for (int k = 0; k < n_out; k++)
        outputs[k] = zeros_for(API(output_info)(k), batch);

    API(context) *ctx = NULL;
    expect("create(NULL)", API(create)(NULL, 0), KL_ERROR_NULL_ARGUMENT);
    expect("create", API(create)(&ctx, 1), KL_OK);
    const void *const *in = (const void *const *)inputs;

    expect("run_batch(NULL context)", API(run_batch)(NULL, batch, in, outputs), KL_ERROR_NULL_ARGUMENT);
    expect("run_batch(NULL inputs)", API(run_batch)(ctx, batch, NULL, outputs), KL_ERROR_NULL_ARGUMENT);
    expect("run_batch(NULL outputs)", API(run_batch)(ctx, batch, in, NULL), KL_ERROR_NULL_ARGUMENT);
    void *saved = inputs[n_in - 1];
    inputs[n_in - 1] = NULL;
    expect("run_batch(last input NULL)", API(run_batch)(ctx, batch, in, outputs), KL_ERROR_NULL_ARGUMENT);
    inputs[n_in - 1] = saved;
    saved = outputs[0];
    outputs[0] = NULL;
    expect("run_batch(output 0 NULL)", API(run_batch)(ctx, batch, in, outputs), KL_ERROR_NULL_ARGUMENT);
    outputs[0] = saved;

    if (fixed > 0) {
        expect("run_batch(wrong batch size)", API(run_batch)(ctx, fixed + 1, in, outputs), KL_ERROR_BATCH_SIZE);
        expect("run(NULL context)", API(run)(NULL, in, outputs), KL_ERROR_NULL_ARGUMENT);
    } else {
        expect("run (dynamic batch export)", API(run)(ctx, in, outputs), KL_ERROR_BATCH_SIZE);
        expect("run_batch(huge batch)", API(run_batch)(ctx, INT64_MAX / 2, in, outputs), KL_ERROR_BATCH_SIZE);
    }
    expect("run_batch(batch 0)", API(run_batch)(ctx, 0, in, outputs), KL_ERROR_BATCH_SIZE);
    expect("run_batch(batch -3)", API(run_batch)(ctx, -3, in, outputs), KL_ERROR_BATCH_SIZE);

    int index = 0;
    expect("find_input(unknown name)", API(find_input)("no such input", &index), KL_ERROR_UNKNOWN_NAME);
    expect("find_input(NULL name)", API(find_input)(NULL, &index), KL_ERROR_NULL_ARGUMENT);
    expect("find_input(NULL index)", API(find_input)(API(input_info)(0)->name, NULL), KL_ERROR_NULL_ARGUMENT);
    expect("find_output(unknown name)", API(find_output)("nope", &index), KL_ERROR_UNKNOWN_NAME);
    expect("find_input(first input's name)", API(find_input)(API(input_info)(0)->name, &index), KL_OK);
    expect("input_info(-1) is NULL", API(input_info)(-1) == NULL ? KL_ERROR_INDEX : KL_OK, KL_ERROR_INDEX);
    expect("output_info(count) is NULL", API(output_info)(n_out) == NULL ? KL_ERROR_INDEX : KL_OK, KL_ERROR_INDEX);

    /* the context still works after all that */
    expect("run_batch after the errors", API(run_batch)(ctx, batch, in, outputs), KL_OK);
    API(destroy)(ctx);
    API(destroy)(NULL);

    for (int k = 0; k < n_in; k++)
        free(inputs[k]);
    for (int k = 0; k < n_out; k++)
        free(outputs[k]);
    printf("%s\n", failures ? "FAILED" : "all error checks passed");
    return failures != 0;
}
