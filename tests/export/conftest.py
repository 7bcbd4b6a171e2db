"""Exports shared by the tests of this folder: each model is compiled once per session."""
import os

import pytest

from export_helpers import mlp_model, multi_io_model


class Exported:
    """A model and its export: `model`, `dir`, `name`, and `lib` (load_library)."""

    def __init__(self, model, directory, name):
        from keralite.runtime import load_library
        self.model = model
        self.dir = str(directory)
        self.name = name
        self.lib = load_library(self.dir)

    def path(self, filename):
        return os.path.join(self.dir, filename)


def _export(tmp_path_factory, model, name, **options):
    from keralite.export import export_model
    directory = tmp_path_factory.mktemp(f"export_{name}")
    export_model(model, str(directory), name=name, **options)
    return Exported(model, directory, name)


@pytest.fixture(scope="session")
def mlp_export(tmp_path_factory):
    return _export(tmp_path_factory, mlp_model(), "mlp")


@pytest.fixture(scope="session")
def mlp_fixed_export(tmp_path_factory):
    return _export(tmp_path_factory, mlp_model(), "mlp4", batch=4)


@pytest.fixture(scope="session")
def mlp_x86_export(tmp_path_factory):
    """Baseline x86-64 code: runs under valgrind (which has no AVX-512)."""
    return _export(tmp_path_factory, mlp_model(), "mlp_x86", target="x86-64")


@pytest.fixture(scope="session")
def multi_io_export(tmp_path_factory):
    return _export(tmp_path_factory, multi_io_model(), "multi_io")
