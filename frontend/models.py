"""keralite.models: Sequential, Model, saving/loading and (de)serialising models.

The model_from_* functions take `safe_mode` (default True, as load_model): Lambda
layers stored as Python bytecode are only rebuilt with safe_mode=False, or from a
function given in custom_objects.
"""
import json

from .engine.training import Model  # noqa: F401
from .engine.sequential import Sequential  # noqa: F401
from .engine.saving import save_model, load_model  # noqa: F401


def model_from_config(config, custom_objects=None, safe_mode=True):
    """A model (or layer) from its {'class_name', 'config'} dict."""
    if isinstance(config, list):
        raise TypeError("`model_from_config` expects a dictionary, not a list. Maybe you meant to use "
                        "`Sequential.from_config(config)`?")
    from .layers import deserialize
    from .layers.core import lambda_safe_mode
    with lambda_safe_mode(safe_mode):
        return deserialize(config, custom_objects=custom_objects)


def model_from_json(json_string, custom_objects=None, safe_mode=True):
    """A model from the JSON string written by `model.to_json()`."""
    config = json.loads(json_string)
    return model_from_config(config, custom_objects=custom_objects, safe_mode=safe_mode)


def model_from_yaml(yaml_string, custom_objects=None, safe_mode=True):
    """A model from the YAML string written by `model.to_yaml()` (needs PyYAML)."""
    try:
        import yaml
    except ImportError:
        raise ImportError("Requires yaml module installed (`pip install pyyaml`).") from None
    config = yaml.load(yaml_string, Loader=_yaml_loader(yaml))
    return model_from_config(config, custom_objects=custom_objects, safe_mode=safe_mode)


def _yaml_loader(yaml):
    """A safe YAML loader that also reads the `!!python/tuple` tags of the YAML that
    Keras 2.1.6 writes (its configs hold tuples); nothing else Python-specific."""
    class KerasYAMLLoader(yaml.SafeLoader):
        pass

    def construct_tuple(loader, node):
        return tuple(loader.construct_sequence(node, deep=True))
    KerasYAMLLoader.add_constructor("tag:yaml.org,2002:python/tuple", construct_tuple)
    return KerasYAMLLoader


def clone_model(model, input_tensors=None):
    """A new model with the same architecture and fresh weights."""
    from .layers import deserialize
    config = {"class_name": model.__class__.__name__, "config": model.get_config()}
    if input_tensors is not None:
        raise NotImplementedError("clone_model(input_tensors=...) is not supported yet")
    return deserialize(config)
