"""Where the applications find Keras' published weight files, and the checks and
loading every architecture shares.

Keras downloads these files into its cache (`~/.keras/models/`, or
`$KERAS_HOME/models/`). keralite never downloads: it reads a file already placed there
under Keras' own name, and otherwise raises one error naming the file, the folder and
the URL Keras fetches it from, so a user on a machine without network knows exactly
what to copy where."""
import os

WEIGHTS_ARGUMENT_ERROR = ("The `weights` argument should be either `None` (random initialization), `imagenet` "
                          "(pre-training on ImageNet), or the path to the weights file to be loaded.")


def keras_cache_dir():
    """The folder Keras keeps downloaded models in: `$KERAS_HOME/models` when KERAS_HOME
    is set, else `~/.keras/models`.

    # Returns
        The folder's path (it need not exist).
    """
    keras_home = os.environ.get("KERAS_HOME")
    if not keras_home:
        keras_home = os.path.join(os.path.expanduser("~"), ".keras")
    return os.path.join(keras_home, "models")


def cached_file(fname, origin, description):
    """The path of `fname` in the Keras cache.

    # Arguments
        fname: the file's name, exactly as Keras saves it.
        origin: the URL Keras downloads it from (named in the error).
        description: what the file holds, for the error message.

    # Returns
        The path of the file.

    # Raises
        IOError: when the file is not there; keralite does not download it.
    """
    cache_dir = keras_cache_dir()
    path = os.path.join(cache_dir, fname)
    if os.path.isfile(path):
        return path
    raise IOError("{} is not in the Keras cache: place the file '{}' in {} (Keras downloads it from {}). "
                  "keralite does not download files.".format(description, fname, cache_dir, origin))


def check_weights_argument(weights, include_top, classes):
    """Keras' checks on `weights` and `classes`, made before anything is built.

    # Arguments
        weights: None, 'imagenet' or the path of a weights file.
        include_top: whether the classifier is built.
        classes: the classifier's number of classes.

    # Raises
        ValueError: for any other `weights`, or ImageNet weights with a classifier of
            other than 1000 classes.
    """
    if not (weights in {"imagenet", None} or os.path.exists(weights)):
        raise ValueError(WEIGHTS_ARGUMENT_ERROR)
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError("If using `weights` as imagenet with `include_top` as true, `classes` should be 1000")


def load_weights(model, weights, description, fname, origin):
    """Load `weights` into a freshly built model.

    # Arguments
        model: the model just built.
        weights: None (nothing to load), 'imagenet' (Keras' file `fname` from the
            cache) or the path of a weights file.
        description: the model's name, for the missing-file error.
        fname: the cache file name of the ImageNet weights for this configuration.
        origin: the URL Keras downloads `fname` from.

    # Raises
        IOError: when ImageNet weights are asked for and `fname` is not in the cache.
    """
    if weights == "imagenet":
        model.load_weights(cached_file(fname, origin, "The ImageNet weights of " + description))
    elif weights is not None:
        model.load_weights(weights)
