"""A private Keras cache for each dataset test, on a machine that is offline for sure."""
from urllib.error import URLError

import pytest

from keralite.utils import data_utils


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    """KERAS_HOME (and HOME) in a temp folder, and every network fetch failing as it
    does without network, so no test can download or hang. Yields the datasets folder."""
    home = tmp_path / "home"
    keras_dir = tmp_path / "keras_home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("KERAS_HOME", str(keras_dir))

    def offline_urlopen(url, *args, **kwargs):
        raise URLError(OSError(-2, "Name or service not known"))

    monkeypatch.setattr(data_utils, "urlopen", offline_urlopen)
    datasets = keras_dir / "datasets"
    datasets.mkdir(parents=True)
    return datasets
