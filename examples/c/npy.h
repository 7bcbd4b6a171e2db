/*
 * npy.h -- read and write NumPy .npy files (C order, little-endian numbers): enough for the
 * examples to take their inputs from Python and hand their outputs back.
 *
 *   npy_array a;
 *   if (npy_load("x.npy", &a) != 0) { fprintf(stderr, "%s\n", npy_error); ... }
 *   ... a.data, a.dtype ("<f4", "<i8", ...), a.rank, a.shape[], a.count, a.itemsize ...
 *   npy_free(&a);
 *
 * A header-only library: define NPY_IMPLEMENTATION in exactly one file before including it.
 */
#ifndef KERALITE_EXAMPLE_NPY_H
#define KERALITE_EXAMPLE_NPY_H

#include <stdint.h>

#define NPY_MAX_RANK 8

typedef struct npy_array {
    char dtype[8];                /* numpy's descr: "<f4", "<f8", "<i4", "<i8", "|u1", "|b1" */
    int itemsize;
    int rank;
    int64_t shape[NPY_MAX_RANK];
    int64_t count;                /* elements */
    void *data;
} npy_array;

extern char npy_error[256];

int npy_load(const char *path, npy_array *out);
int npy_save(const char *path, const char *dtype, int rank, const int64_t *shape, const void *data);
void npy_free(npy_array *a);

#ifdef NPY_IMPLEMENTATION

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char npy_error[256];

static int npy_fail(const char *path, const char *what)
{
    snprintf(npy_error, sizeof npy_error, "%s: %s", path, what);
    return -1;
}

/* The value text after 'key': in the header dictionary, or NULL. */
static const char *npy_field(const char *header, const char *key)
{
    const char *p = strstr(header, key);
    if (p == NULL)
        return NULL;
    p = strchr(p + strlen(key), ':');
    if (p == NULL)
        return NULL;
    p++;
    while (*p == ' ')
        p++;
    return p;
}

int npy_load(const char *path, npy_array *out)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return npy_fail(path, "cannot open the file");
    unsigned char preamble[10];
    if (fread(preamble, 1, 10, f) != 10 || memcmp(preamble, "\x93NUMPY", 6) != 0) {
        fclose(f);
        return npy_fail(path, "not a .npy file");
    }
    uint32_t header_len = preamble[8] | (uint32_t)preamble[9] << 8;
    if (preamble[6] >= 2) { /* version 2 and 3: a 4-byte header length */
        unsigned char more[2];
        if (fread(more, 1, 2, f) != 2) {
            fclose(f);
            return npy_fail(path, "truncated header");
        }
        header_len |= (uint32_t)more[0] << 16 | (uint32_t)more[1] << 24;
    }
    if (header_len > 65536) {
        fclose(f);
        return npy_fail(path, "header too long");
    }
    char *header = calloc(header_len + 1, 1);
    if (header == NULL || fread(header, 1, header_len, f) != header_len) {
        free(header);
        fclose(f);
        return npy_fail(path, "truncated header");
    }
    const char *descr = npy_field(header, "'descr'");
    const char *order = npy_field(header, "'fortran_order'");
    const char *shape = npy_field(header, "'shape'");
    if (descr == NULL || order == NULL || shape == NULL || *descr != '\'' || *shape != '(') {
        free(header);
        fclose(f);
        return npy_fail(path, "unreadable header");
    }
    if (strncmp(order, "False", 5) != 0) {
        free(header);
        fclose(f);
        return npy_fail(path, "Fortran-order arrays are not supported (save with np.ascontiguousarray)");
    }
    size_t n = strcspn(descr + 1, "'");
    if (n == 0 || n >= sizeof out->dtype || descr[1] == '>') {
        free(header);
        fclose(f);
        return npy_fail(path, "unsupported dtype (little-endian numbers only)");
    }
    memcpy(out->dtype, descr + 1, n);
    out->itemsize = atoi(out->dtype + 2);
    out->count = 1;
    const char *p = shape + 1;
    while (*p != ')') {
        while (*p == ' ' || *p == ',')
            p++;
        if (*p == ')')
            break;
        char *end;
        long long d = strtoll(p, &end, 10);
        if (end == p || d < 0 || out->rank == NPY_MAX_RANK) {
            free(header);
            fclose(f);
            return npy_fail(path, "unreadable shape");
        }
        out->shape[out->rank++] = d;
        out->count *= d;
        p = end;
    }
    free(header);
    size_t bytes = (size_t)out->count * (size_t)out->itemsize;
    out->data = malloc(bytes ? bytes : 1);
    if (out->data == NULL || fread(out->data, 1, bytes, f) != bytes) {
        free(out->data);
        out->data = NULL;
        fclose(f);
        return npy_fail(path, "truncated data");
    }
    fclose(f);
    return 0;
}

int npy_save(const char *path, const char *dtype, int rank, const int64_t *shape, const void *data)
{
    char header[256];
    int used = snprintf(header, sizeof header, "{'descr': '%s', 'fortran_order': False, 'shape': (", dtype);
    int64_t count = 1;
    for (int i = 0; i < rank; i++) {
        used += snprintf(header + used, sizeof header - (size_t)used, "%lld%s", (long long)shape[i],
                         rank == 1 ? "," : (i + 1 < rank ? ", " : ""));
        count *= shape[i];
    }
    used += snprintf(header + used, sizeof header - (size_t)used, "), }");
    /* pad with spaces so the data starts on a 64-byte boundary; end with a newline */
    int total = 10 + used + 1;
    int pad = (64 - total % 64) % 64;
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return npy_fail(path, "cannot create the file");
    uint16_t header_len = (uint16_t)(used + pad + 1);
    unsigned char preamble[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, header_len & 0xff, header_len >> 8};
    fwrite(preamble, 1, 10, f);
    fwrite(header, 1, (size_t)used, f);
    for (int i = 0; i < pad; i++)
        fputc(' ', f);
    fputc('\n', f);
    size_t bytes = (size_t)count * (size_t)atoi(dtype + 2);
    int ok = fwrite(data, 1, bytes, f) == bytes;
    if (fclose(f) != 0 || !ok)
        return npy_fail(path, "cannot write the file");
    return 0;
}

void npy_free(npy_array *a)
{
    free(a->data);
    a->data = NULL;
}

#endif /* NPY_IMPLEMENTATION */
#endif /* KERALITE_EXAMPLE_NPY_H */
