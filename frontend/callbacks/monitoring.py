"""Which way a monitored quantity improves: the `mode` argument ('auto', 'min', 'max')
shared by ModelCheckpoint, EarlyStopping and ReduceLROnPlateau."""
import warnings

MODES = ("auto", "min", "max")


def resolve_mode(mode, monitor, owner, auto_max_prefixes=()):
    """'min' or 'max' for `monitor`. In 'auto' mode a name containing 'acc' (or starting
    with one of `auto_max_prefixes`) is maximised, anything else minimised. An unknown
    mode warns (naming `owner`, the callback's name as Keras prints it) and falls back
    to 'auto'."""
    if mode not in MODES:
        warnings.warn("%s mode %s is unknown, fallback to auto mode." % (owner, mode),
                      RuntimeWarning)
        mode = "auto"
    if mode != "auto":
        return mode
    if "acc" in monitor or any(monitor.startswith(prefix) for prefix in auto_max_prefixes):
        return "max"
    return "min"


def missing_monitor_message(what, monitor, logs):
    """The warning text when `monitor` is not among the epoch logs."""
    return ("%s conditioned on metric `%s` which is not available. Available metrics are: %s"
            % (what, monitor, ",".join(list(logs.keys()))))
