"""keralite.callbacks (keras.callbacks)."""
from .core import (Callback, CallbackList, BaseLogger, TerminateOnNaN, ProgbarLogger,  # noqa: F401
                   History)
from .checkpoint import ModelCheckpoint
from .early_stopping import EarlyStopping
from .remote import RemoteMonitor
from .learning_rate import LearningRateScheduler, ReduceLROnPlateau
from .csv_logger import CSVLogger
from .lambda_callback import LambdaCallback
from .tensorboard import TensorBoard

__all__ = ["Callback", "CallbackList", "BaseLogger", "TerminateOnNaN", "ProgbarLogger", "History",
           "ModelCheckpoint", "EarlyStopping", "RemoteMonitor", "LearningRateScheduler",
           "ReduceLROnPlateau", "CSVLogger", "LambdaCallback", "TensorBoard"]
