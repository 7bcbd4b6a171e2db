"""The steps imdb and reuters share: turning stored word-index sequences into the
sequences `load_data` returns (start mark, index offset, length filter, vocabulary
cut), with Keras 2.1.6's arguments and order of operations."""
import json
import warnings

import numpy as np


def take_legacy_kwargs(num_words, kwargs):
    """Accepts the Keras 1 name `nb_words` for `num_words`, with a warning.

    # Arguments
        num_words: the `num_words` argument as given.
        kwargs: the other keyword arguments of `load_data` (emptied of `nb_words`).

    # Returns
        The `num_words` to use.

    # Raises
        TypeError: any keyword argument other than `nb_words`.
    """
    if "nb_words" in kwargs:
        warnings.warn("The `nb_words` argument in `load_data` has been renamed `num_words`.")
        num_words = kwargs.pop("nb_words")
    if kwargs:
        raise TypeError("Unrecognized keyword arguments: " + str(kwargs))
    return num_words


def shuffled(*arrays):
    """Reorders arrays of one length in one random order, drawn as Keras draws it:
    a shuffled index vector, from numpy's global generator the caller has seeded.

    # Arguments
        *arrays: numpy arrays of the same length.

    # Returns
        A list of the arrays, reordered alike.
    """
    indices = np.arange(len(arrays[0]))
    np.random.shuffle(indices)
    return [array[indices] for array in arrays]


def mark_and_offset(sequences, start_char, index_from):
    """Shifts every word index up by `index_from`, freeing the low indices for
    padding, start and out-of-vocabulary, and prefixes `start_char`.

    # Arguments
        sequences: sequences of word indices.
        start_char: the index put first in each sequence, or None for none.
        index_from: the offset added to every word index.

    # Returns
        A list of the new sequences.
    """
    if start_char is not None:
        return [[start_char] + [w + index_from for w in x] for x in sequences]
    if index_from:
        return [[w + index_from for w in x] for x in sequences]
    return list(sequences)


def drop_long(maxlen, sequences, labels):
    """Keeps only the sequences strictly shorter than `maxlen`, and their labels.

    # Arguments
        maxlen: the length limit.
        sequences: the sequences.
        labels: one label per sequence.

    # Returns
        A tuple `(sequences, labels)` of lists.
    """
    kept_sequences, kept_labels = [], []
    for x, y in zip(sequences, labels):
        if len(x) < maxlen:
            kept_sequences.append(x)
            kept_labels.append(y)
    return kept_sequences, kept_labels


def cut_vocabulary(sequences, num_words, skip_top, oov_char):
    """Replaces (or drops) the words outside the kept vocabulary.

    With no `num_words`, the largest index present is the limit, and, as in Keras,
    that largest index is itself outside it.

    # Arguments
        sequences: sequences of word indices.
        num_words: indices of `num_words` and above are cut (None: see above).
        skip_top: indices below this one are cut too.
        oov_char: the index that replaces a cut word, or None to drop it.

    # Returns
        A list of the new sequences.
    """
    if not num_words:
        num_words = max([max(x) for x in sequences])
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in sequences]
    return [[w for w in x if skip_top <= w < num_words] for x in sequences]


def as_array(items):
    """A list of sequences as numpy of Keras' time made it: a regular array when
    every item has the same length, else a 1-D array of Python lists (today's
    numpy refuses ragged input instead).

    # Arguments
        items: a list of sequences.

    # Returns
        A numpy array.
    """
    try:
        return np.array(items)
    except ValueError:
        array = np.empty(len(items), dtype=object)
        for i, item in enumerate(items):
            array[i] = item
        return array


def read_word_index(path):
    """Reads a Keras word-index JSON file.

    # Arguments
        path: the file's path.

    # Returns
        The `{word: index}` dictionary.
    """
    with open(path) as stream:
        return json.load(stream)
