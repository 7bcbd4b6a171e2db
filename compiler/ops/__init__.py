"""The op families; importing this package registers every op.

Each module imports only the ones before it in this order (no cycles, eagerly at the
top of the module), and imports from the compiler only `ir` and the LLVM-emission
helpers of `codegen` (scalar, mathlib, loops, context, support):

    registry < source < elementwise < transcendental < logic < reduce < shape
             < linalg < nn < random < control < conv < pool

An op that another family needs only by name goes through `registry.apply`, which
needs no import of the family (e.g. `unbroadcast` sums through the `sum` op).
"""
from . import (registry, source, elementwise, transcendental, logic, reduce, shape,  # noqa: F401
               linalg, nn, random, control, conv, pool)
