"""keralite.models: Sequential, Model, saving/loading and (de)serialising models."""
import json

from .engine.training import Model  # noqa: F401
from .engine.sequential import Sequential  # noqa: F401
from .engine.saving import save_model, load_model  # noqa: F401


def model_from_config(config, custom_objects=None):
    """A model (or layer) from its {'class_name', 'config'} dict."""
    if isinstance(config, list):
        raise TypeError("`model_from_config` expects a dictionary, not a list. Maybe you meant to use "
                        "`Sequential.from_config(config)`?")
    from .layers import deserialize
    return deserialize(config, custom_objects=custom_objects)


def model_from_json(json_string, custom_objects=None):
    from .layers import deserialize
    config = json.loads(json_string)
    return deserialize(config, custom_objects=custom_objects)


def model_from_yaml(yaml_string, custom_objects=None):
    import yaml
    from .layers import deserialize
    config = yaml.safe_load(yaml_string)
    return deserialize(config, custom_objects=custom_objects)


def clone_model(model, input_tensors=None):
    """A new model with the same architecture and fresh weights."""
    from .layers import deserialize
    config = {"class_name": model.__class__.__name__, "config": model.get_config()}
    if input_tensors is not None:
        raise NotImplementedError("clone_model(input_tensors=...) is not supported yet")
    return deserialize(config)
