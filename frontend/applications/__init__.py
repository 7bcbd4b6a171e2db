"""keralite.applications: Keras 2.1.6's ImageNet architectures (keras.applications),
with Keras' layer names, arguments, checks and weight files.

`weights='imagenet'` reads Keras' own weight files from the Keras cache
(`~/.keras/models/`, or `$KERAS_HOME/models/`); keralite never downloads them."""
from .densenet import DenseNet121, DenseNet169, DenseNet201  # noqa: F401
from .inception_resnet_v2 import InceptionResNetV2  # noqa: F401
from .inception_v3 import InceptionV3  # noqa: F401
from .mobilenet import MobileNet  # noqa: F401
from .nasnet import NASNetLarge, NASNetMobile  # noqa: F401
from .resnet50 import ResNet50  # noqa: F401
from .vgg16 import VGG16  # noqa: F401
from .vgg19 import VGG19  # noqa: F401
from .xception import Xception  # noqa: F401
