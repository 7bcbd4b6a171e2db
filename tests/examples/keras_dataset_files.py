"""Small, learnable stand-ins for the datasets Keras' example programs download, written
in Keras' own cache formats so that `keras.datasets.<name>.load_data()` reads them:

- mnist.npz: scikit-learn's 8x8 digits, scaled up and padded to 28x28 uint8;
- cifar-10-batches-py.tar.gz: the same digits at 32x32, tinted in random colours and
  noisy, as pickled CIFAR batches (rows of 3072 channels-first uint8 pixels);
- imdb.npz: "reviews" whose label is the majority of a few sentiment words;
- reuters.npz: "newswires" whose topic is told by a few keywords of that topic.

Word ids are stored as Keras stores them: frequency ranks from 1, before the loader's
start mark and `index_from` offset. The telling words get low ranks (frequent words), so
they survive a `num_words` cut.
"""
import io
import pickle
import tarfile

import numpy as np
from sklearn.datasets import load_digits

# raw ranks 1..4 stay neutral filler, as the commonest words of a corpus are
FIRST_TELLING_RANK = 5


def _digit_images(side, rng, samples):
    """`samples` digits (drawn with replacement) as side x side float images in [0, 1]."""
    digits = load_digits()
    chosen = rng.randint(0, len(digits.target), samples)
    small = digits.images[chosen] / 16.0
    scale = side // 8
    large = np.kron(small, np.ones((1, scale, scale)))
    border = (side - 8 * scale) // 2
    padded = np.zeros((samples, side, side))
    padded[:, border:border + 8 * scale, border:border + 8 * scale] = large
    return padded, digits.target[chosen].astype("uint8")


def _ragged(rows):
    """A 1-D object array of lists, as Keras' npz files hold variable-length sequences."""
    array = np.empty(len(rows), dtype=object)
    for i, row in enumerate(rows):
        array[i] = list(row)
    return array


def write_mnist(datasets_dir, train_samples=600, test_samples=200, seed=0):
    """Writes `mnist.npz` (x_train, y_train, x_test, y_test; images (n, 28, 28) uint8).

    # Returns
        The path written.
    """
    rng = np.random.RandomState(seed)
    images, labels = _digit_images(28, rng, train_samples + test_samples)
    pixels = np.round(images * 255).astype("uint8")
    path = datasets_dir / "mnist.npz"
    np.savez(path, x_train=pixels[:train_samples], y_train=labels[:train_samples],
             x_test=pixels[train_samples:], y_test=labels[train_samples:])
    return path


def _pickled_batch(data, labels):
    # CIFAR's files come from Python 2: keys are byte strings, labels a list
    return pickle.dumps({b"data": data, b"labels": [int(label) for label in labels],
                         b"batch_label": b"synthetic"}, protocol=2)


def write_cifar10(datasets_dir, samples_per_batch=60, test_samples=100, seed=0):
    """Writes `cifar-10-batches-py.tar.gz`: five training batches and a test batch of
    coloured, noisy 32x32 digits, the label being the digit.

    # Returns
        The path written.
    """
    rng = np.random.RandomState(seed)
    total = 5 * samples_per_batch + test_samples
    shapes, labels = _digit_images(32, rng, total)
    # a random ink and background colour per image, so the class is in the shape only
    ink = rng.uniform(0.5, 1.0, (total, 3, 1, 1))
    background = rng.uniform(0.0, 0.3, (total, 3, 1, 1))
    images = background + (ink - background) * shapes[:, None, :, :]
    images += rng.normal(0, 0.05, images.shape)
    rows = np.round(np.clip(images, 0, 1) * 255).astype("uint8").reshape(total, 3072)
    members = {}
    for i in range(5):
        part = slice(i * samples_per_batch, (i + 1) * samples_per_batch)
        members["data_batch_%d" % (i + 1)] = _pickled_batch(rows[part], labels[part])
    members["test_batch"] = _pickled_batch(rows[5 * samples_per_batch:], labels[5 * samples_per_batch:])
    path = datasets_dir / "cifar-10-batches-py.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for name, payload in members.items():
            info = tarfile.TarInfo("cifar-10-batches-py/" + name)
            info.size = len(payload)
            archive.addfile(info, io.BytesIO(payload))
    return path


def make_reviews(samples, vocabulary, rng, telling_words=8, min_length=10, max_length=60):
    """Reviews of raw word ranks and their 0/1 labels.

    Ranks FIRST_TELLING_RANK.. hold `telling_words` positive then `telling_words`
    negative words; a review holds one to three words of its own sentiment and fewer of
    the other, so the label is the majority and, most often, the only kind present. The
    rest is filler of higher ranks."""
    positive = np.arange(FIRST_TELLING_RANK, FIRST_TELLING_RANK + telling_words)
    negative = positive + telling_words
    filler_from = FIRST_TELLING_RANK + 2 * telling_words
    reviews, labels = [], []
    for _ in range(samples):
        length = rng.randint(min_length, max_length + 1)
        words = rng.randint(filler_from, vocabulary, size=length)
        # one to three words of the review's own sentiment, fewer of the other
        label = rng.randint(2)
        n_own = rng.randint(1, 4)
        n_other = rng.randint(0, n_own)
        n_positive, n_negative = (n_own, n_other) if label else (n_other, n_own)
        places = rng.choice(length, size=n_positive + n_negative, replace=False)
        words[places[:n_positive]] = rng.choice(positive, size=n_positive)
        words[places[n_positive:]] = rng.choice(negative, size=n_negative)
        reviews.append(words)
        labels.append(label)
    return reviews, np.array(labels, dtype="int64")


def write_imdb(datasets_dir, train_samples=400, test_samples=200, vocabulary=300, seed=0, **review_options):
    """Writes `imdb.npz` (x_train, y_train, x_test, y_test; reviews as object arrays of
    lists of word ranks), from `make_reviews`.

    # Returns
        The path written.
    """
    rng = np.random.RandomState(seed)
    reviews, labels = make_reviews(train_samples + test_samples, vocabulary, rng, **review_options)
    path = datasets_dir / "imdb.npz"
    np.savez(path, x_train=_ragged(reviews[:train_samples]), y_train=labels[:train_samples],
             x_test=_ragged(reviews[train_samples:]), y_test=labels[train_samples:])
    return path


def make_newswires(samples, topics, vocabulary, rng, keywords_per_topic=3, min_length=8, max_length=40):
    """Newswires of raw word ranks and their topics (0..topics-1).

    Each topic owns `keywords_per_topic` ranks from FIRST_TELLING_RANK on; a wire holds
    two to four of its topic's keywords and, half the time, one keyword of another topic,
    so a model has to weigh the evidence. The rest is filler of higher ranks."""
    filler_from = FIRST_TELLING_RANK + topics * keywords_per_topic
    if filler_from >= vocabulary:
        raise ValueError("a vocabulary of %d words has no room left for filler" % vocabulary)
    wires = []
    labels = rng.randint(0, topics, size=samples)
    for topic in labels:
        length = rng.randint(min_length, max_length + 1)
        words = rng.randint(filler_from, vocabulary, size=length)
        own = FIRST_TELLING_RANK + topic * keywords_per_topic + np.arange(keywords_per_topic)
        count = rng.randint(2, 5)
        places = rng.choice(length, size=count + 1, replace=False)
        words[places[:count]] = rng.choice(own, size=count)
        if rng.rand() < 0.5:
            other = (topic + rng.randint(1, topics)) % topics
            words[places[count]] = FIRST_TELLING_RANK + other * keywords_per_topic + rng.randint(keywords_per_topic)
        wires.append(words)
    return wires, labels.astype("int64")


def write_reuters(datasets_dir, samples=500, topics=6, vocabulary=300, seed=0):
    """Writes `reuters.npz` (x: object array of lists of word ranks, y: topics), from
    `make_newswires`.

    # Returns
        The path written.
    """
    rng = np.random.RandomState(seed)
    wires, labels = make_newswires(samples, topics, vocabulary, rng)
    path = datasets_dir / "reuters.npz"
    np.savez(path, x=_ragged(wires), y=labels)
    return path
