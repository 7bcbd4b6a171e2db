"""Every Keras 2 .h5 fixture that keralite loads exports to a library that reproduces both
model.predict (to 1e-6) and the outputs Keras itself recorded in the fixture."""
import numpy as np
import pytest

from export_helpers import as_list, fixture_files

FIXTURES = fixture_files()


def _numbered(data, prefix):
    keys = [k for k in data.files if k.startswith(prefix) and k[len(prefix):].isdigit()]
    return [data[k] for k in sorted(keys, key=lambda k: int(k[len(prefix):]))]


@pytest.mark.parametrize("name", sorted(FIXTURES) or [pytest.param("none", marks=pytest.mark.skip("no fixtures"))])
def test_fixture_export_matches_predict(name, tmp_path):
    from keralite.models import load_model
    from keralite.export import export_model
    from keralite.runtime import load_library
    path = FIXTURES[name]
    try:
        model = load_model(path, compile=False)
    except Exception as exc:  # a layer family keralite does not have yet
        pytest.skip(f"{name} does not load: {str(exc).splitlines()[0][:120]}")
    data = np.load(path[:-3] + ".npz")
    xs = _numbered(data, "x")
    expected = _numbered(data, "y")
    export_model(model, str(tmp_path), name="fixture")
    lib = load_library(str(tmp_path))
    got = as_list(lib.predict(xs))
    want = as_list(model.predict(xs if len(xs) > 1 else xs[0], batch_size=len(xs[0])))
    assert len(got) == len(want) == len(expected)
    for g, w, e in zip(got, want, expected):
        np.testing.assert_allclose(g, w, rtol=0, atol=1e-6)
        # the fixture's own tolerance against Keras: |got - expected| <= 1e-5 + 1e-4 |expected|
        np.testing.assert_allclose(g, e, rtol=1e-4, atol=1e-5)
