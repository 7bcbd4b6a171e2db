"""Reuters newswires labelled by one of 46 topics, as sequences of word indices
ranked by frequency (`reuters.npz`), and the word index (`reuters_word_index.json`)."""
import numpy as np

from ..utils.data_utils import get_file
from .word_sequences import (take_legacy_kwargs, shuffled, mark_and_offset, drop_long, cut_vocabulary,
                             as_array, read_word_index)

ORIGIN = "https://s3.amazonaws.com/text-datasets/reuters.npz"
FILE_HASH = "87aedbeb0cb229e378797a632c1997b6"
WORD_INDEX_ORIGIN = "https://s3.amazonaws.com/text-datasets/reuters_word_index.json"
WORD_INDEX_HASH = "4d44cc38712099c9e383dc6e5f11a921"


def load_data(path="reuters.npz", num_words=None, skip_top=0, maxlen=None, test_split=0.2, seed=113,
              start_char=1, oov_char=2, index_from=3, **kwargs):
    """Loads the Reuters newswire classification dataset.

    The newswires are shuffled, marked, filtered by `maxlen` and cut to the
    vocabulary as in `imdb.load_data`, then the last `test_split` of them form the
    test set.

    # Arguments
        path: the file's name in the cache (`~/.keras/datasets/`).
        num_words: the vocabulary's limit: indices (after the offset) of
            `num_words` and above are cut; None takes the largest index present.
        skip_top: indices below this one (the most frequent words) are cut too.
        maxlen: keep only sequences shorter than this (after the start mark).
        test_split: the fraction of the data that goes to the test set.
        seed: seed of the shuffle.
        start_char: index marking the start of a sequence (None for no mark).
        oov_char: index replacing the words cut (None drops them instead).
        index_from: the offset added to every word index.
        **kwargs: only `nb_words`, the Keras 1 name of `num_words`.

    # Returns
        Tuple of Numpy arrays: `(x_train, y_train), (x_test, y_test)`.

    # Raises
        TypeError: an unknown keyword argument.
        DownloadError: the file is not cached and cannot be downloaded.
    """
    num_words = take_legacy_kwargs(num_words, kwargs)
    path = get_file(path, origin=ORIGIN, file_hash=FILE_HASH)
    with np.load(path, allow_pickle=True) as archive:
        sequences, labels = archive["x"], archive["y"]

    np.random.seed(seed)
    sequences, labels = shuffled(sequences, labels)
    sequences = mark_and_offset(sequences, start_char, index_from)
    if maxlen:
        sequences, labels = drop_long(maxlen, sequences, labels)
    sequences = cut_vocabulary(sequences, num_words, skip_top, oov_char)

    split = int(len(sequences) * (1 - test_split))
    return ((as_array(sequences[:split]), np.array(labels[:split])),
            (as_array(sequences[split:]), np.array(labels[split:])))


def get_word_index(path="reuters_word_index.json"):
    """Retrieves the dictionary mapping words to word indices.

    # Arguments
        path: the file's name in the cache (`~/.keras/datasets/`).

    # Returns
        The word index dictionary.

    # Raises
        DownloadError: the file is not cached and cannot be downloaded.
    """
    return read_word_index(get_file(path, origin=WORD_INDEX_ORIGIN, file_hash=WORD_INDEX_HASH))
