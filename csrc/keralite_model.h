/*
 * keralite_model.h -- the types shared by the C APIs of exported keralite models.
 *
 * `keralite compile MODEL -o DIR --name NAME` writes DIR/NAME.h, which declares the
 * functions of model NAME (NAME_create, NAME_run, ...) and includes this file; a copy of
 * this file is written next to it, so DIR is all a C program needs.
 *
 * Every function of an export that can fail returns an int: KL_OK (0) or one of the
 * kl_status codes below, and NAME_last_error() gives the message of the last failure on
 * the calling thread.
 *
 * The declarations between the KL_CDEF_BEGIN and KL_CDEF_END markers are also read by
 * keralite/runtime/library.py and handed to cffi's cdef(): plain C declarations only
 * there (no preprocessor lines, no attributes).
 */
#ifndef KERALITE_MODEL_H
#define KERALITE_MODEL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* KL_CDEF_BEGIN */

/* What a function of an exported model returns. */
enum kl_status {
    KL_OK = 0,
    KL_ERROR_NULL_ARGUMENT = 1, /* a pointer argument that must be set is NULL */
    KL_ERROR_BATCH_SIZE = 2,    /* a batch size this export does not accept */
    KL_ERROR_UNKNOWN_NAME = 3,  /* no input or output has that name */
    KL_ERROR_INDEX = 4,         /* an input or output index out of range */
    KL_ERROR_OUT_OF_MEMORY = 5,
    KL_ERROR_BUSY = 6,          /* the context is running a call on another thread */
    KL_ERROR_COMPUTE = 7        /* the model failed while running (e.g. an index out of range) */
};

/* Element types of inputs and outputs (KL_BOOL is stored as one byte, 0 or 1). */
enum kl_dtype {
    KL_FLOAT32 = 1,
    KL_FLOAT64 = 2,
    KL_INT32 = 3,
    KL_INT64 = 4,
    KL_BOOL = 5
};

/* One input or output of a model. Arrays are dense, C order (row-major). */
typedef struct kl_tensor_info {
    const char *name;     /* the Keras name, e.g. "dense_1_input" */
    int dtype;            /* an enum kl_dtype value */
    int itemsize;         /* bytes per element */
    int rank;             /* number of axes */
    const int64_t *shape; /* rank sizes; -1 marks the batch axis of a dynamic-batch export */
} kl_tensor_info;

/* KL_CDEF_END */

#ifdef __cplusplus
}
#endif

#endif /* KERALITE_MODEL_H */
