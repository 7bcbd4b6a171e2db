"""The install maps the top-level folders onto the one import name `keralite`."""
import os
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_every_package_folder_is_installed():
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        setuptools = tomllib.load(f)["tool"]["setuptools"]
    packages = set(setuptools["packages"])
    folders = {name: folder for name, folder in setuptools["package-dir"].items()}
    missing = []
    for name, folder in folders.items():
        for root, _, files in os.walk(os.path.join(ROOT, folder)):
            if "__init__.py" in files:
                rel = os.path.relpath(root, os.path.join(ROOT, folder))
                package = name if rel == "." else name + "." + rel.replace(os.sep, ".")
                if not any(package.startswith(other + ".") for other in folders if other != name
                           and package.startswith(other)) and package not in packages:
                    missing.append(package)
    assert not missing, f"add these packages to pyproject.toml: {missing}"


def test_keras_module_layout():
    import keralite as keras
    from keralite.engine import topology, training  # noqa: F401
    from keralite.layers import core  # noqa: F401
    from keralite.utils import np_utils, generic_utils, data_utils, io_utils, layer_utils  # noqa: F401
    from keralite.utils import vis_utils, conv_utils, test_utils  # noqa: F401
    assert keras.backend.backend() == "keralite"
    assert keras.layers.Dense is core.Dense
    assert keras.models.Sequential is keras.Sequential
