"""Symbolic tensors of the keralite backend.

A `Tensor` wraps one compiler IR node. It is a plain Python object so that Keras code
can hang attributes on it (`_keras_shape`, `_keras_history`, `_uses_learning_phase`),
and it supports Python operators and numpy-style indexing (set on the class by
tensor_operators, which sits above the math they call). A `Variable` also owns its
value: a C-contiguous numpy buffer that compiled code reads and updates in place.
"""
import contextlib
import weakref

from keralite.compiler.graph_queries import node_label
from keralite.compiler.ir.shapes import Sym

from .narrow_dtypes import reported_dtype

_scope = []     # the active K.name_scope names, outermost first


def scoped(name):
    return "/".join(_scope + [name]) if _scope else name


@contextlib.contextmanager
def name_scope(name):
    """Prefixes the names of the tensors made inside a `with` block with `name/`.

    Scopes nest: a tensor made inside `name_scope('a')` then `name_scope('b')` is
    named 'a/b/...'. Names only label tensors for printing and error messages; they
    never make two tensors share a value, unlike TensorFlow's variable scopes.

    # Arguments
        name: the prefix, a string.

    # Returns
        A context manager; the block runs with the prefix active.
    """
    _scope.append(name)
    try:
        yield
    finally:
        _scope.pop()


def current_name_scope():
    """The active name scopes, outermost first (a copy)."""
    return list(_scope)


class Tensor:
    """A symbolic value: what every backend function takes and returns.

    A Tensor stands for one node of the compiler's graph; it has no value until a
    graph containing it is compiled and run by `K.function` or `K.eval`. It is a
    plain Python object, so Keras code can set attributes on it (`_keras_shape`,
    `_keras_history`). Python operators (`a + b`, `x[:, 0]`, `a @ b`) build more
    graph; `==` and `!=` compare identity, since Keras code uses tensors as dict
    keys: use `K.equal` and `K.not_equal` to compare values.

    Users do not build Tensors directly: `K.placeholder`, `K.constant` and every
    backend operation return them.

    # Arguments
        node: the compiler IR node the tensor stands for.
        name: a name for printing and error messages; defaults to a label of
            `node`, and is prefixed by the active `K.name_scope`s.
    """

    _is_placeholder = False
    _declared_dtype = None      # a dtype narrower than the compiler's (narrow_dtypes)

    def __init__(self, node, name=None):
        self.node = node
        self.name = scoped(name or node_label(node))

    # --- shape and type -------------------------------------------------------
    @property
    def dtype(self):
        """The Keras dtype: the declared one of a narrow-dtype tensor, else the
        compiler's (float32 reads float16 when floatx is float16)."""
        if self._declared_dtype is not None:
            return self._declared_dtype
        return reported_dtype(self.node.dtype.name)

    @property
    def shape(self):
        """The static shape, with None for dims known only at run time."""
        return tuple(None if isinstance(d, Sym) else d for d in self.node.shape)

    def get_shape(self):
        """The static shape, as TensorFlow tensors offer it (same as the `shape` property).

        # Returns
            A tuple of ints, with None for dimensions known only at run time.
        """
        return self.shape

    @property
    def ndim(self):
        """The rank: how many dimensions the tensor has (an int)."""
        return self.node.ndim

    def __repr__(self):
        shape = ", ".join("?" if d is None else str(d) for d in self.shape)
        return f"<keralite Tensor {self.name!r} shape=({shape}) dtype={self.dtype}>"

    def __bool__(self):
        raise TypeError("Using a symbolic tensor as a Python bool is not allowed; "
                        "use K.switch or K.any/K.all to branch on its value")

    def __len__(self):
        d = self.node.shape[0] if self.node.ndim else None
        if d is None or isinstance(d, Sym):
            raise TypeError("len() of a tensor whose first dim is unknown")
        return d

    def __iter__(self):
        raise TypeError("a symbolic tensor is not iterable")

    __array_priority__ = 100  # numpy defers to our operators

    # == and != keep identity semantics (tensors are dict keys in Keras code);
    # K.equal / K.not_equal compare values. The arithmetic, comparison and indexing
    # operators (and `eval`) are set by tensor_operators, once the math is defined.
    __hash__ = object.__hash__


_variables = weakref.WeakValueDictionary()   # uid -> Variable


class Variable(Tensor):
    """A tensor whose value persists across calls: weights and optimizer state.

    The value is a C-contiguous numpy buffer that compiled functions read and
    update in place; it is never reallocated, so every graph holding the variable
    sees the same storage. Make variables with `K.variable`, `K.zeros` and the
    like, not with this constructor.

    # Arguments
        node: the compiler's variable node, carrying the variable's uid.
        value: the numpy buffer holding the value.
        name: a name for printing and error messages.
        constraint: an optional function applied to the variable after each
            optimizer update (a Keras constraint).
    """

    def __init__(self, node, value, name=None, constraint=None):
        super().__init__(node, name)
        self.uid = node.attr("uid")
        self.value = value                  # runtime-owned buffer, never reallocated
        self.constraint = constraint
        self._keras_shape = self.shape
        self._uses_learning_phase = False
        _variables[self.uid] = self

    def __repr__(self):
        return f"<keralite Variable {self.name!r} shape={self.shape} dtype={self.dtype}>"


def variable_for(node):
    return _variables.get(node.attr("uid"))


def nodes(values):
    return [v.node for v in values]
