"""The op families; importing this package registers every op."""
from . import registry, elementwise, reduce, shape, linalg, source, random, control, nn, conv  # noqa: F401
