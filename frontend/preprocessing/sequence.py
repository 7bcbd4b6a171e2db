"""Sequence preprocessing (keras.preprocessing.sequence): padding, skip-gram pairs,
the word2vec sampling table, and batches of windows over a time series."""
import random

import numpy as np

from ..utils.data_utils import Sequence


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre", value=0.):
    """Turns a list of sequences of different lengths into one array of equal-length rows.

    Batches need one length; padding (and truncating) brings every sequence to
    `maxlen`. Longer sequences lose items at the start (`'pre'`) or end (`'post'`)
    according to `truncating`; shorter ones get `value` before (`'pre'`) or after
    (`'post'`) them. Pre-padding is the default because an RNN then reads the real
    items last, closest to its output.

    # Arguments
        sequences: list of sequences (lists of integers, or of equal-shaped items).
        maxlen: the length of the rows; None means the longest sequence's length.
        dtype: the dtype of the array.
        padding: `'pre'` or `'post'`, where the padding goes.
        truncating: `'pre'` or `'post'`, which end of a long sequence is cut.
        value: the padding value.

    # Returns
        Numpy array of shape `(len(sequences), maxlen) + item shape`.

    # Raises
        ValueError: when `sequences` is not a list of iterables, for an unknown
            `padding` or `truncating`, or items of different shapes.
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError("`sequences` must be iterable.")
    lengths = []
    for seq in sequences:
        if not hasattr(seq, "__len__"):
            raise ValueError("`sequences` must be a list of iterables. Found non-iterable: " + str(seq))
        lengths.append(len(seq))
    if maxlen is None:
        maxlen = int(np.max(lengths)) if lengths else 0
    # the shape of one item comes from the first non-empty sequence
    sample_shape = ()
    for seq in sequences:
        if len(seq) > 0:
            sample_shape = np.asarray(seq).shape[1:]
            break
    if truncating not in ("pre", "post"):
        raise ValueError("Truncating type \"%s\" not understood" % truncating)
    if padding not in ("pre", "post"):
        raise ValueError("Padding type \"%s\" not understood" % padding)

    padded = np.full((len(sequences), maxlen) + sample_shape, value).astype(dtype)
    for position, seq in enumerate(sequences):
        if not len(seq) or maxlen == 0:
            continue
        kept = seq[-maxlen:] if truncating == "pre" else seq[:maxlen]
        kept = np.asarray(kept, dtype=dtype)
        if kept.shape[1:] != sample_shape:
            raise ValueError("Shape of sample %s of sequence at position %s is different from expected shape %s"
                             % (kept.shape[1:], position, sample_shape))
        if padding == "post":
            padded[position, :len(kept)] = kept
        else:
            padded[position, maxlen - len(kept):] = kept
    return padded


def make_sampling_table(size, sampling_factor=1e-5):
    """The word2vec sampling table: the probability of keeping each word when sampling skip-grams.

    Frequent words ("the", "a") carry little information about their neighbours, so
    they are kept less often. Word frequencies are modelled by Zipf's law, word `i`
    being the i-th most frequent.

    # Arguments
        size: the vocabulary size.
        sampling_factor: the word2vec sampling factor; smaller values drop frequent
            words more.

    # Returns
        Numpy array of `size` probabilities.
    """
    gamma = 0.577  # Euler-Mascheroni constant
    rank = np.arange(size)
    rank[0] = 1
    # 1 / frequency of the word of each rank, from the harmonic-number approximation
    inverse_frequency = rank * (np.log(rank) + gamma) + 0.5 - 1. / (12. * rank)
    scaled = sampling_factor * inverse_frequency
    return np.minimum(1., scaled / np.sqrt(scaled))


def skipgrams(sequence, vocabulary_size, window_size=4, negative_samples=1., shuffle=True, categorical=False,
              sampling_table=None, seed=None):
    """Skip-gram training pairs from a sequence of word indices, for word2vec models.

    Each word is paired with its neighbours within `window_size` (label 1), plus
    `negative_samples` times as many pairs with random words (label 0). Index 0 is
    padding and is skipped.

    # Arguments
        sequence: list of word indices.
        vocabulary_size: the number of words (the largest index + 1), from which
            negative words are drawn.
        window_size: how far a neighbour may be on each side.
        negative_samples: float >= 0, the number of negative pairs per positive pair.
        shuffle: whether to shuffle the pairs.
        categorical: whether labels are `[0, 1]` / `[1, 0]` instead of 1 / 0.
        sampling_table: optional array; `sampling_table[i]` is the probability of
            keeping word i as the pair's first word (see make_sampling_table).
        seed: random seed of the shuffle.

    # Returns
        Tuple `(couples, labels)`: a list of `[word, context]` pairs and their labels.
    """
    couples = []
    labels = []
    positive_label = [0, 1] if categorical else 1
    negative_label = [1, 0] if categorical else 0
    for i, word in enumerate(sequence):
        if not word:
            continue
        if sampling_table is not None and sampling_table[word] < random.random():
            continue
        window_start = max(0, i - window_size)
        window_end = min(len(sequence), i + window_size + 1)
        for j in range(window_start, window_end):
            if j == i or not sequence[j]:
                continue
            couples.append([word, sequence[j]])
            labels.append(positive_label)

    if negative_samples > 0 and couples:
        num_negative = int(len(labels) * negative_samples)
        first_words = [pair[0] for pair in couples]
        random.shuffle(first_words)
        couples += [[first_words[i % len(first_words)], random.randint(1, vocabulary_size - 1)]
                    for i in range(num_negative)]
        labels += [negative_label] * num_negative

    if shuffle:
        if seed is None:
            seed = random.randint(0, int(10e6))
        # the same seed for both lists keeps couples and labels aligned
        random.Random(seed).shuffle(couples)
        random.Random(seed).shuffle(labels)
    return couples, labels


def _remove_long_seq(maxlen, seq, label):
    """Drop the sequences (and their labels) longer than `maxlen`."""
    kept_seq, kept_label = [], []
    for x, y in zip(seq, label):
        if len(x) < maxlen:
            kept_seq.append(x)
            kept_label.append(y)
    return kept_seq, kept_label


class TimeseriesGenerator(Sequence):
    """Batches of `(window, target)` pairs from a series, for training on sliding windows.

    The sample for time step `t` is `data[t - length:t:sampling_rate]` and its target
    `targets[t]`, for `t` from `start_index + length` to `end_index` every `stride`
    steps. Being a Sequence, it can be passed to `fit_generator` and read by several
    workers.

    # Arguments
        data: array-like of the series' steps (first axis: time).
        targets: array-like of the targets, one per step of `data`.
        length: the number of steps (before sampling) in each window.
        sampling_rate: take every `sampling_rate`-th step within a window.
        stride: the steps between two consecutive windows.
        start_index: the first step windows may start at.
        end_index: the last step that can be a target; None means the last step.
        shuffle: whether to draw the windows' end steps at random.
        reverse: whether to reverse each window (latest step first).
        batch_size: the number of windows per batch.

    # Raises
        ValueError: when `data` and `targets` differ in length, or the range leaves
            no room for a window.
    """

    def __init__(self, data, targets, length, sampling_rate=1, stride=1, start_index=0, end_index=None,
                 shuffle=False, reverse=False, batch_size=128):
        if len(data) != len(targets):
            raise ValueError("Data and targets have to be of same length. Data length is {} while target "
                             "length is {}".format(len(data), len(targets)))
        self.data = data
        self.targets = targets
        self.length = length
        self.sampling_rate = sampling_rate
        self.stride = stride
        self.start_index = start_index + length
        self.end_index = len(data) - 1 if end_index is None else end_index
        self.shuffle = shuffle
        self.reverse = reverse
        self.batch_size = batch_size
        if self.start_index > self.end_index:
            raise ValueError("`start_index+length=%i > end_index=%i` is disallowed, as no part of the "
                             "sequence would be left to be used as current step."
                             % (self.start_index, self.end_index))

    def __len__(self):
        rows_per_batch = self.batch_size * self.stride
        return (self.end_index - self.start_index + rows_per_batch) // rows_per_batch

    def __getitem__(self, index):
        if self.shuffle:
            rows = np.random.randint(self.start_index, self.end_index + 1, size=self.batch_size)
        else:
            first = self.start_index + self.batch_size * self.stride * index
            rows = np.arange(first, min(first + self.batch_size * self.stride, self.end_index + 1), self.stride)
        samples = np.array([self.data[row - self.length:row:self.sampling_rate] for row in rows])
        targets = np.array([self.targets[row] for row in rows])
        if self.reverse:
            return samples[:, ::-1, ...], targets
        return samples, targets
