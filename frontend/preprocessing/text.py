"""Text preprocessing (keras.preprocessing.text): splitting text into words, hashing
words to indices, and the Tokenizer that builds a vocabulary."""
import hashlib
import warnings
from collections import OrderedDict, defaultdict

import numpy as np

DEFAULT_FILTERS = "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n"


def text_to_word_sequence(text, filters=DEFAULT_FILTERS, lower=True, split=" "):
    """Splits a text into words.

    # Arguments
        text: the string.
        filters: characters removed (replaced by `split`), punctuation by default.
        lower: whether to lower-case the text first.
        split: the word separator.

    # Returns
        List of words (empty words dropped).
    """
    if lower:
        text = text.lower()
    text = text.translate(str.maketrans({c: split for c in filters}))
    return [word for word in text.split(split) if word]


def _md5_as_int(word):
    return int(hashlib.md5(word.encode()).hexdigest(), 16)


def hashing_trick(text, n, hash_function=None, filters=DEFAULT_FILTERS, lower=True, split=" "):
    """Turns a text into word indices by hashing, with no vocabulary to build or store.

    Different words can share an index (collisions), less often as `n` grows. 0 is
    never used: it is the padding index.

    # Arguments
        text: the string.
        n: the size of the hashing space; indices fall in `[1, n - 1]`.
        hash_function: None for Python's `hash` (which differs between runs unless
            PYTHONHASHSEED is set), `'md5'` for a stable hash, or any callable from
            string to integer.
        filters: characters removed, punctuation by default.
        lower: whether to lower-case the text first.
        split: the word separator.

    # Returns
        List of integer indices, one per word.
    """
    if hash_function is None:
        hash_function = hash
    elif hash_function == "md5":
        hash_function = _md5_as_int
    words = text_to_word_sequence(text, filters=filters, lower=lower, split=split)
    return [(hash_function(word) % (n - 1) + 1) for word in words]


def one_hot(text, n, filters=DEFAULT_FILTERS, lower=True, split=" "):
    """`hashing_trick` with Python's hash: each word of a text as an index in `[1, n - 1]`.

    # Arguments
        text: the string.
        n: the size of the index space.
        filters: characters removed, punctuation by default.
        lower: whether to lower-case the text first.
        split: the word separator.

    # Returns
        List of integer indices, one per word.
    """
    return hashing_trick(text, n, hash_function=hash, filters=filters, lower=lower, split=split)


class Tokenizer:
    """A vocabulary built from texts, to turn texts into index sequences or matrices.

    `fit_on_texts` counts the words and ranks them by frequency (index 1 for the most
    frequent; 0 is reserved for padding). Texts then convert to index sequences (for
    Embedding layers) or to `(samples, num_words)` matrices (for bag-of-words models).

    # Arguments
        num_words: if set, only words of index below it are kept, i.e. the
            `num_words - 1` most frequent.
        filters: characters removed from texts, punctuation by default.
        lower: whether to lower-case texts.
        split: the word separator.
        char_level: whether every character is a token instead of every word.
        oov_token: if given, the token unknown words are mapped to (it gets an index),
            instead of being dropped.
        **kwargs: `nb_words`, the Keras 1 name of `num_words` (with a warning).

    # Raises
        TypeError: for any other keyword argument.
    """

    def __init__(self, num_words=None, filters=DEFAULT_FILTERS, lower=True, split=" ", char_level=False,
                 oov_token=None, **kwargs):
        if "nb_words" in kwargs:
            warnings.warn("The `nb_words` argument in `Tokenizer` has been renamed `num_words`.")
            num_words = kwargs.pop("nb_words")
        if kwargs:
            raise TypeError("Unrecognized keyword arguments: " + str(kwargs))
        self.word_counts = OrderedDict()
        self.word_docs = {}
        self.filters = filters
        self.split = split
        self.lower = lower
        self.num_words = num_words
        self.document_count = 0
        self.char_level = char_level
        self.oov_token = oov_token
        self.index_docs = {}
        self.word_index = {}

    def _words_of(self, text):
        if self.char_level or isinstance(text, list):
            if self.lower:
                if isinstance(text, list):
                    return [item.lower() for item in text]
                return text.lower()
            return text
        return text_to_word_sequence(text, self.filters, self.lower, self.split)

    def fit_on_texts(self, texts):
        """Counts the words of `texts` and rebuilds `word_index`.

        # Arguments
            texts: list of strings, or of lists of words.
        """
        for text in texts:
            self.document_count += 1
            words = self._words_of(text)
            for word in words:
                self.word_counts[word] = self.word_counts.get(word, 0) + 1
            for word in set(words):
                self.word_docs[word] = self.word_docs.get(word, 0) + 1

        # most frequent first; equal counts keep the order words were first seen
        ranked = sorted(self.word_counts.items(), key=lambda item: item[1], reverse=True)
        self.word_index = {word: rank + 1 for rank, (word, _) in enumerate(ranked)}
        if self.oov_token is not None and self.oov_token not in self.word_index:
            self.word_index[self.oov_token] = len(self.word_index) + 1
        self.index_docs = {self.word_index[word]: count for word, count in self.word_docs.items()}

    def fit_on_sequences(self, sequences):
        """Counts in how many sequences each index occurs.

        Needed for the `'tfidf'` mode of `sequences_to_matrix` when the tokenizer was not
        fit on texts.

        # Arguments
            sequences: list of lists of word indices.
        """
        self.document_count += len(sequences)
        for seq in sequences:
            for index in set(seq):
                self.index_docs[index] = self.index_docs.get(index, 0) + 1

    def texts_to_sequences(self, texts):
        """Turns each text into a list of word indices.

        # Arguments
            texts: list of strings.

        # Returns
            List of lists of indices (unknown words dropped, or mapped to `oov_token`).
        """
        return list(self.texts_to_sequences_generator(texts))

    def texts_to_sequences_generator(self, texts):
        """Turns texts into lists of word indices one at a time, for large corpora.

        # Arguments
            texts: iterable of strings.

        # Yields
            A list of word indices per text (unknown words are dropped, or mapped to
            `oov_token`'s index).
        """
        num_words = self.num_words
        oov_index = self.word_index.get(self.oov_token) if self.oov_token is not None else None
        for text in texts:
            indices = []
            for word in self._words_of(text):
                index = self.word_index.get(word)
                if index is not None:
                    if num_words and index >= num_words:
                        continue
                    indices.append(index)
                elif oov_index is not None:
                    indices.append(oov_index)
            yield indices

    def texts_to_matrix(self, texts, mode="binary"):
        """Turns texts into a `(len(texts), num_words)` matrix, as `sequences_to_matrix` does.

        # Arguments
            texts: list of strings.
            mode: `'binary'`, `'count'`, `'freq'` or `'tfidf'`.

        # Returns
            Numpy array.
        """
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode=mode)

    def sequences_to_matrix(self, sequences, mode="binary"):
        """Turns index sequences into a `(len(sequences), num_words)` matrix.

        Per sequence and index, the entry is 1 (`'binary'`), the index's count
        (`'count'`), its share of the sequence (`'freq'`) or its tf-idf weight
        (`'tfidf'`), the inputs of a bag-of-words model.

        # Arguments
            sequences: list of lists of word indices.
            mode: `'binary'`, `'count'`, `'freq'` or `'tfidf'`.

        # Returns
            Numpy array.

        # Raises
            ValueError: when the matrix width is unknown (no `num_words` and not fit),
                for `'tfidf'` before fitting, or for an unknown mode.
        """
        if not self.num_words:
            if self.word_index:
                num_words = len(self.word_index) + 1
            else:
                raise ValueError("Specify a dimension (num_words argument), or fit on some text data first.")
        else:
            num_words = self.num_words
        if mode == "tfidf" and not self.document_count:
            raise ValueError("Fit the Tokenizer on some data before using tfidf mode.")
        if mode not in ("binary", "count", "tfidf", "freq"):
            raise ValueError("Unknown vectorization mode:", mode)

        matrix = np.zeros((len(sequences), num_words))
        for row, seq in enumerate(sequences):
            if not seq:
                continue
            counts = defaultdict(int)
            for index in seq:
                if index < num_words:
                    counts[index] += 1
            for index, count in counts.items():
                if mode == "count":
                    matrix[row][index] = count
                elif mode == "freq":
                    matrix[row][index] = count / len(seq)
                elif mode == "binary":
                    matrix[row][index] = 1
                else:
                    # tf with sub-linear scaling, idf smoothed (never divides by 0)
                    term_frequency = 1 + np.log(count)
                    inverse_doc_frequency = np.log(1 + self.document_count / (1 + self.index_docs.get(index, 0)))
                    matrix[row][index] = term_frequency * inverse_doc_frequency
        return matrix

