"""IMDB movie reviews labelled by sentiment, as sequences of word indices ranked by
frequency (`imdb.npz`), and the word index behind them (`imdb_word_index.json`)."""
import numpy as np

from ..utils.data_utils import get_file
from .word_sequences import (take_legacy_kwargs, shuffled, mark_and_offset, drop_long, cut_vocabulary,
                             as_array, read_word_index)

ORIGIN = "https://s3.amazonaws.com/text-datasets/imdb.npz"
FILE_HASH = "599dadb1135973df5b59232a0e9a887c"
WORD_INDEX_ORIGIN = "https://s3.amazonaws.com/text-datasets/imdb_word_index.json"
WORD_INDEX_HASH = "bfafd718b763782e994055a2d397834f"


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113,
              start_char=1, oov_char=2, index_from=3, **kwargs):
    """Loads the IMDB dataset.

    Index 0 is left for padding, `start_char` marks a review's start and
    `oov_char` stands for a word cut by `num_words` or `skip_top`; real words start
    at `index_from`. As in Keras 2.1.6, reviews are shuffled (training and test
    sets each, one seeded stream), then filtered by `maxlen`, and the training set
    is the first `len(x_train)` reviews of what remains, counted before filtering.

    # Arguments
        path: the file's name in the cache (`~/.keras/datasets/`).
        num_words: the vocabulary's limit: indices (after the offset) of
            `num_words` and above are cut; None takes the largest index present.
        skip_top: indices below this one (the most frequent words) are cut too.
        maxlen: keep only sequences shorter than this (after the start mark).
        seed: seed of the shuffle.
        start_char: index marking the start of a sequence (None for no mark).
        oov_char: index replacing the words cut (None drops them instead).
        index_from: the offset added to every word index.
        **kwargs: only `nb_words`, the Keras 1 name of `num_words`.

    # Returns
        Tuple of Numpy arrays: `(x_train, y_train), (x_test, y_test)`.

    # Raises
        ValueError: in case `maxlen` is so low that no input sequence could be kept.
        TypeError: an unknown keyword argument.
        DownloadError: the file is not cached and cannot be downloaded.
    """
    num_words = take_legacy_kwargs(num_words, kwargs)
    path = get_file(path, origin=ORIGIN, file_hash=FILE_HASH)
    with np.load(path, allow_pickle=True) as archive:
        x_train, labels_train = archive["x_train"], archive["y_train"]
        x_test, labels_test = archive["x_test"], archive["y_test"]

    np.random.seed(seed)
    x_train, labels_train = shuffled(x_train, labels_train)
    x_test, labels_test = shuffled(x_test, labels_test)
    sequences = list(x_train) + list(x_test)
    labels = np.concatenate([labels_train, labels_test])

    sequences = mark_and_offset(sequences, start_char, index_from)
    if maxlen:
        sequences, labels = drop_long(maxlen, sequences, labels)
        if not sequences:
            raise ValueError("After filtering for sequences shorter than maxlen=" + str(maxlen) +
                             ", no sequence was kept. Increase maxlen.")
    sequences = cut_vocabulary(sequences, num_words, skip_top, oov_char)

    split = len(x_train)
    return ((as_array(sequences[:split]), np.array(labels[:split])),
            (as_array(sequences[split:]), np.array(labels[split:])))


def get_word_index(path="imdb_word_index.json"):
    """Retrieves the dictionary mapping words to word indices.

    # Arguments
        path: the file's name in the cache (`~/.keras/datasets/`).

    # Returns
        The word index dictionary.

    # Raises
        DownloadError: the file is not cached and cannot be downloaded.
    """
    return read_word_index(get_file(path, origin=WORD_INDEX_ORIGIN, file_hash=WORD_INDEX_HASH))
