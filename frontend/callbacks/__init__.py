"""keralite.callbacks (keras.callbacks)."""
from .core import (Callback, CallbackList, BaseLogger, TerminateOnNaN, ProgbarLogger,  # noqa: F401
                   History)
