"""keralite.callbacks (keras.callbacks)."""
from .core import (Callback, CallbackList, BaseLogger, TerminateOnNaN, ProgbarLogger,  # noqa: F401
                   History)
from .checkpoint import ModelCheckpoint  # noqa: F401
from .early_stopping import EarlyStopping  # noqa: F401
from .remote import RemoteMonitor  # noqa: F401
from .learning_rate import LearningRateScheduler, ReduceLROnPlateau  # noqa: F401
from .csv_logger import CSVLogger  # noqa: F401
from .lambda_callback import LambdaCallback  # noqa: F401
from .tensorboard import TensorBoard  # noqa: F401
