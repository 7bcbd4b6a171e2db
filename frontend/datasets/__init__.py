"""keralite.datasets, laid out as keras.datasets: loaders of the small datasets Keras
examples use, each reading Keras' own cache files (`~/.keras/datasets/`)."""
from . import mnist  # noqa: F401
from . import fashion_mnist  # noqa: F401
from . import cifar10  # noqa: F401
from . import cifar100  # noqa: F401
from . import imdb  # noqa: F401
from . import reuters  # noqa: F401
from . import boston_housing  # noqa: F401
