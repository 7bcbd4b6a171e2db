/*
 * The repeat-call path of a compiled function, as a CPython extension.
 *
 * A compiled function called again with inputs like its last ones (each a C-contiguous
 * numpy array of the same dtype and shape) needs none of the checks and none of the
 * size solving of a first call: only its outputs allocated, the array addresses written
 * into the entry's buffers table, and the entry called. In Python that bookkeeping costs
 * ~3.5 us, a sixth of a batch-1 MLP predict; here it costs well under one. Anything else
 * returns None and the caller takes the checked path (keralite/runtime/executable.py),
 * so behaviour never depends on this module being built (it is compiled on first
 * repeated use, with the C runtime's compiler, and cached).
 *
 * RepeatCall(entry, buffers, dims, inputs, outputs, ndarray, empty, lock, finish, writes, keep)
 *   entry    int: address of `int32_t entry(void **buffers, const int64_t *dims, void *rt)`
 *   buffers  int: address of the buffers table (inputs first, then outputs)
 *   dims     int: address of the sizes array
 *   inputs   tuple of (shape tuple, buffer format str, itemsize) per input
 *   outputs  tuple of (shape tuple, dtype) per output: the arguments of empty()
 *   ndarray  the type inputs must be exactly (numpy.ndarray)
 *   empty    numpy.empty
 *   lock     an object with acquire()/release() guarding the table and the arena
 *   finish   callable(status): run after a call that failed (it raises) or, with
 *            `writes` true, after every call (it records the variables written)
 *   writes   bool
 *   keep     any object owning the memory behind buffers and dims (held, never read)
 * Calling it with a list or tuple of arrays returns the list of outputs, or None.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

typedef int32_t (*kl_entry)(void **, const int64_t *, void *);

typedef struct {
    PyObject_HEAD
    kl_entry entry;
    void **buffers;
    const int64_t *dims;
    Py_ssize_t n_in, n_out;
    PyObject *inputs;       /* tuple of (shape, format, itemsize) */
    PyObject *outputs;      /* tuple of (shape, dtype) */
    PyObject *ndarray;
    PyObject *empty;
    PyObject *acquire;
    PyObject *release;
    PyObject *finish;
    int writes;
    PyObject *keep;
} RepeatCall;

static void repeat_dealloc(RepeatCall *self)
{
    Py_XDECREF(self->inputs);
    Py_XDECREF(self->outputs);
    Py_XDECREF(self->ndarray);
    Py_XDECREF(self->empty);
    Py_XDECREF(self->acquire);
    Py_XDECREF(self->release);
    Py_XDECREF(self->finish);
    Py_XDECREF(self->keep);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static void *address_of(PyObject *value, const char *what)
{
    void *p = PyLong_AsVoidPtr(value);
    if (p == NULL && !PyErr_Occurred())
        PyErr_Format(PyExc_ValueError, "RepeatCall: %s is a null address", what);
    return p;
}

static int repeat_init(RepeatCall *self, PyObject *args, PyObject *kwargs)
{
    PyObject *entry, *buffers, *dims, *inputs, *outputs, *ndarray, *empty, *lock, *finish, *keep;
    int writes;
    if (kwargs != NULL && PyDict_GET_SIZE(kwargs)) {
        PyErr_SetString(PyExc_TypeError, "RepeatCall takes positional arguments only");
        return -1;
    }
    if (!PyArg_ParseTuple(args, "OOOO!O!OOOOpO:RepeatCall", &entry, &buffers, &dims, &PyTuple_Type, &inputs,
                          &PyTuple_Type, &outputs, &ndarray, &empty, &lock, &finish, &writes, &keep))
        return -1;
    self->entry = (kl_entry)address_of(entry, "entry");
    self->buffers = (void **)address_of(buffers, "buffers");
    self->dims = (const int64_t *)PyLong_AsVoidPtr(dims);   /* may be null: no sizes */
    if (self->entry == NULL || self->buffers == NULL || PyErr_Occurred())
        return -1;
    for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(inputs); k++) {
        PyObject *spec = PyTuple_GET_ITEM(inputs, k);
        if (!PyTuple_Check(spec) || PyTuple_GET_SIZE(spec) != 3 || !PyTuple_Check(PyTuple_GET_ITEM(spec, 0))
            || !PyUnicode_Check(PyTuple_GET_ITEM(spec, 1)) || !PyLong_Check(PyTuple_GET_ITEM(spec, 2))) {
            PyErr_SetString(PyExc_TypeError, "RepeatCall: each input is (shape tuple, format str, itemsize)");
            return -1;
        }
    }
    for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(outputs); k++) {
        PyObject *spec = PyTuple_GET_ITEM(outputs, k);
        if (!PyTuple_Check(spec) || PyTuple_GET_SIZE(spec) != 2) {
            PyErr_SetString(PyExc_TypeError, "RepeatCall: each output is (shape, dtype)");
            return -1;
        }
    }
    PyObject *acquire = PyObject_GetAttrString(lock, "acquire");
    PyObject *release = acquire ? PyObject_GetAttrString(lock, "release") : NULL;
    if (release == NULL) {
        Py_XDECREF(acquire);
        return -1;
    }
    self->writes = writes;
    self->n_in = PyTuple_GET_SIZE(inputs);
    self->n_out = PyTuple_GET_SIZE(outputs);
#define KEEP(field, value) do { Py_INCREF(value); Py_XSETREF(self->field, value); } while (0)
    KEEP(inputs, inputs);
    KEEP(outputs, outputs);
    KEEP(ndarray, ndarray);
    KEEP(empty, empty);
    KEEP(finish, finish);
    KEEP(keep, keep);
#undef KEEP
    Py_XSETREF(self->acquire, acquire);
    Py_XSETREF(self->release, release);
    return 0;
}

/* Whether `x` is an array as input k of the last call was; its buffer is held in *view
 * when it is. */
static int matches(RepeatCall *self, Py_ssize_t k, PyObject *x, Py_buffer *view)
{
    if ((PyObject *)Py_TYPE(x) != self->ndarray)
        return 0;
    if (PyObject_GetBuffer(x, view, PyBUF_STRIDES | PyBUF_FORMAT) < 0) {
        PyErr_Clear();
        return 0;
    }
    PyObject *spec = PyTuple_GET_ITEM(self->inputs, k);
    PyObject *shape = PyTuple_GET_ITEM(spec, 0);
    int ok = view->ndim == PyTuple_GET_SIZE(shape)
             && view->itemsize == PyLong_AsSsize_t(PyTuple_GET_ITEM(spec, 2))
             && view->format != NULL
             && strcmp(view->format, PyUnicode_AsUTF8(PyTuple_GET_ITEM(spec, 1))) == 0
             && PyBuffer_IsContiguous(view, 'C');
    for (Py_ssize_t d = 0; ok && d < view->ndim; d++)
        ok = view->shape[d] == PyLong_AsSsize_t(PyTuple_GET_ITEM(shape, d));
    if (!ok)
        PyBuffer_Release(view);
    return ok;
}

static PyObject *repeat_call(RepeatCall *self, PyObject *args, PyObject *kwargs)
{
    PyObject *inputs;
    if (kwargs != NULL && PyDict_GET_SIZE(kwargs)) {
        PyErr_SetString(PyExc_TypeError, "RepeatCall takes one list of arrays");
        return NULL;
    }
    if (!PyArg_ParseTuple(args, "O:RepeatCall", &inputs))
        return NULL;
    if (!(PyList_CheckExact(inputs) || PyTuple_CheckExact(inputs)) || PySequence_Fast_GET_SIZE(inputs) != self->n_in)
        Py_RETURN_NONE;

    Py_ssize_t n_in = self->n_in, n_out = self->n_out, held = 0;
    Py_buffer stack_views[8];
    Py_buffer *views = n_in + n_out <= 8 ? stack_views : PyMem_Malloc(sizeof(Py_buffer) * (n_in + n_out));
    if (views == NULL)
        return PyErr_NoMemory();
    PyObject *result = NULL, *outputs = NULL;
    PyObject **items = PySequence_Fast_ITEMS(inputs);
    for (; held < n_in; held++) {
        if (!matches(self, held, items[held], &views[held])) {
            result = Py_None;
            Py_INCREF(result);
            goto done;
        }
    }
    outputs = PyList_New(n_out);
    if (outputs == NULL)
        goto done;
    for (Py_ssize_t k = 0; k < n_out; k++) {
        PyObject *out = PyObject_Call(self->empty, PyTuple_GET_ITEM(self->outputs, k), NULL);
        if (out == NULL)
            goto done;
        PyList_SET_ITEM(outputs, k, out);
        if (PyObject_GetBuffer(out, &views[held], PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS) < 0)
            goto done;
        held++;
    }

    PyObject *locked = PyObject_CallNoArgs(self->acquire);
    if (locked == NULL)
        goto done;
    Py_DECREF(locked);
    for (Py_ssize_t k = 0; k < n_in + n_out; k++)
        self->buffers[k] = views[k].buf;
    int32_t status;
    Py_BEGIN_ALLOW_THREADS
    status = self->entry(self->buffers, self->dims, NULL);
    Py_END_ALLOW_THREADS
    PyObject *unlocked = PyObject_CallNoArgs(self->release);
    if (unlocked == NULL)
        goto done;
    Py_DECREF(unlocked);

    if (status != 0 || self->writes) {
        PyObject *status_obj = PyLong_FromLong(status);
        PyObject *finished = status_obj ? PyObject_CallOneArg(self->finish, status_obj) : NULL;
        Py_XDECREF(status_obj);
        if (finished == NULL)
            goto done;
        Py_DECREF(finished);
        if (status != 0) {      /* a finish that did not raise still fails the call */
            PyErr_Format(PyExc_ValueError, "compiled function failed: error code %d", (int)status);
            goto done;
        }
    }
    result = outputs;
    outputs = NULL;
done:
    for (Py_ssize_t k = 0; k < held; k++)
        PyBuffer_Release(&views[k]);
    if (views != stack_views)
        PyMem_Free(views);
    Py_XDECREF(outputs);
    return result;
}

static PyTypeObject RepeatCallType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "_keralite_call.RepeatCall",
    .tp_doc = "A compiled function's call for inputs shaped like its last ones (None for others).",
    .tp_basicsize = sizeof(RepeatCall),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)repeat_init,
    .tp_dealloc = (destructor)repeat_dealloc,
    .tp_call = (ternaryfunc)repeat_call,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_keralite_call",
    .m_doc = "keralite's repeat-call path in C (see keralite/runtime/call_path.py).",
    .m_size = -1,
};

PyMODINIT_FUNC PyInit__keralite_call(void)
{
    if (PyType_Ready(&RepeatCallType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&RepeatCallType);
    if (PyModule_AddObject(m, "RepeatCall", (PyObject *)&RepeatCallType) < 0) {
        Py_DECREF(&RepeatCallType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
