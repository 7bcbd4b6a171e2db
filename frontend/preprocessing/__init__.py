"""keralite.preprocessing (keras.preprocessing): numpy/Python helpers to turn text,
sequences and images into arrays for training."""
from . import image  # noqa: F401
from . import sequence  # noqa: F401
from . import text  # noqa: F401
