"""Every architecture builds with weights=None to Keras 2.1.6's parameter count, layer
names and output shapes (building is Python only: nothing is compiled here)."""
import pytest

import keralite as keras
from keralite import backend as K
from keralite.applications import (DenseNet121, DenseNet169, DenseNet201, InceptionResNetV2, InceptionV3,
                                   MobileNet, NASNetLarge, NASNetMobile, ResNet50, VGG16, VGG19, Xception)

# Keras' documented parameter counts (include_top=True, 1000 classes), the model's name,
# its default input and layer names Keras gives; each model is built once (VGG's 120M
# dense weights take seconds to initialise)
KERAS_TABLE = [
    (Xception, 22910480, "xception", (299, 299, 3), ["block1_conv1", "block1_conv2_act", "block2_sepconv2_act",
                                                     "block12_sepconv3_bn", "block13_pool", "block14_sepconv2_act",
                                                     "avg_pool", "predictions"]),
    (VGG16, 138357544, "vgg16", (224, 224, 3), ["block1_conv1", "block5_pool", "flatten", "fc1", "fc2",
                                                "predictions"]),
    (VGG19, 143667240, "vgg19", (224, 224, 3), ["block3_conv4", "block5_conv4", "fc2", "predictions"]),
    (ResNet50, 25636712, "resnet50", (224, 224, 3), ["conv1", "bn_conv1", "res2a_branch2a", "res2a_branch1",
                                                     "bn5c_branch2c", "res4f_branch2c", "avg_pool", "fc1000"]),
    (InceptionV3, 23851784, "inception_v3", (299, 299, 3), ["mixed0", "mixed7", "mixed9_0", "mixed9_1", "mixed10",
                                                            "avg_pool", "predictions"]),
    (InceptionResNetV2, 55873736, "inception_resnet_v2", (299, 299, 3),
     ["mixed_5b", "block35_10", "block35_10_ac", "mixed_6a", "block17_20_conv", "mixed_7a", "block8_10",
      "conv_7b", "conv_7b_bn", "conv_7b_ac", "predictions"]),
    (MobileNet, 4253864, "mobilenet_1.00_224", (224, 224, 3), ["conv1", "conv1_relu", "conv_dw_1", "conv_pw_13_relu",
                                                               "reshape_1", "dropout", "conv_preds", "act_softmax",
                                                               "reshape_2"]),
    (DenseNet121, 8062504, "densenet121", (224, 224, 3), ["conv1/conv", "conv1/bn", "pool1", "conv2_block6_concat",
                                                          "pool4_pool", "conv5_block16_2_conv", "bn", "avg_pool",
                                                          "fc1000"]),
    (DenseNet169, 14307880, "densenet169", (224, 224, 3), ["conv4_block32_concat", "conv5_block32_2_conv"]),
    (DenseNet201, 20242984, "densenet201", (224, 224, 3), ["conv4_block48_concat", "conv5_block32_2_conv"]),
    (NASNetMobile, 5326716, "NASNet", (224, 224, 3), ["stem_conv1", "reduction_concat_stem_1", "adjust_bn_stem_2",
                                                      "normal_concat_0", "reduction_concat_reduce_4",
                                                      "normal_concat_5", "normal_concat_12", "predictions"]),
    (NASNetLarge, 88949818, "NASNet", (331, 331, 3), ["normal_concat_5", "reduction_concat_reduce_6",
                                                      "normal_concat_7", "reduction_concat_reduce_12",
                                                      "normal_concat_18"]),
]


@pytest.mark.parametrize("application, count, name, shape, layer_names", KERAS_TABLE,
                         ids=[row[0].__name__ for row in KERAS_TABLE])
def test_parameter_count_names_and_shapes_follow_keras(application, count, name, shape, layer_names):
    model = application(weights=None)
    assert model.count_params() == count
    assert model.name == name
    assert model.input_shape == (None,) + shape
    assert model.output_shape == (None, 1000)
    names = {layer.name for layer in model.layers}
    missing = [layer_name for layer_name in layer_names if layer_name not in names]
    assert not missing


def test_mobilenet_names_alpha_and_depth_multiplier():
    model = MobileNet(input_shape=(160, 160, 3), alpha=0.5, weights=None)
    assert model.name == "mobilenet_0.50_160"
    assert model.get_layer("conv1").filters == 16
    assert model.get_layer("conv_pw_13").filters == 512
    assert model.get_layer("reshape_1").output_shape == (None, 1, 1, 512)
    assert model.get_layer("conv1_relu").activation.__name__ == "relu6"
    assert model.output_shape == (None, 1000)
    deeper = MobileNet(input_shape=(128, 128, 3), alpha=0.25, depth_multiplier=2, include_top=False, weights=None)
    assert deeper.get_layer("conv_dw_1").output_shape == (None, 64, 64, 16)
    assert deeper.output_shape == (None, 4, 4, 256)


@pytest.mark.parametrize("pooling, expected", [(None, (None, 7, 7, 2048)), ("avg", (None, 2048)),
                                               ("max", (None, 2048))])
def test_headless_pooling_options(pooling, expected):
    # ResNet50 keeps its 7x7 average pooling when headless, as Keras 2.1.6 does
    model = ResNet50(include_top=False, weights=None, input_shape=(224, 224, 3), pooling=pooling)
    assert model.output_shape == ((None, 1, 1, 2048) if pooling is None else expected)
    vgg = VGG16(include_top=False, weights=None, input_shape=(64, 96, 3), pooling=pooling)
    assert vgg.output_shape == ((None, 2, 3, 512) if pooling is None else (None, 512))


def test_densenet_pooling_layers_are_named():
    model = DenseNet121(include_top=False, weights=None, input_shape=(221, 221, 3), pooling="max")
    assert model.layers[-1].name == "max_pool"
    assert model.output_shape == (None, 1024)


def test_classes_argument_sizes_the_classifier():
    model = InceptionV3(weights=None, classes=7, input_shape=(139, 139, 3))
    assert model.output_shape == (None, 7)
    assert model.get_layer("predictions").get_weights()[0].shape == (2048, 7)


def test_input_tensor_becomes_the_model_input():
    image = keras.layers.Input(shape=(96, 96, 3), name="image")
    model = MobileNet(input_tensor=image, alpha=0.25, include_top=False, weights=None, pooling="avg")
    assert model.inputs[0] is image
    assert model.output_shape == (None, 256)
    # a model built on another model's output spans from that model's input
    scaled = keras.layers.Lambda(lambda t: t * 2.)(image)
    spanning = MobileNet(input_tensor=scaled, alpha=0.25, include_top=False, weights=None)
    assert spanning.inputs[0] is image


def test_channels_first_models(monkeypatch):
    old_format = K.image_data_format()
    K.set_image_data_format("channels_first")
    try:
        vgg = VGG16(include_top=False, weights=None, input_shape=(3, 64, 48))
        assert vgg.output_shape == (None, 512, 2, 1)
        resnet = ResNet50(weights=None)
        assert resnet.input_shape == (None, 3, 224, 224)
        assert resnet.count_params() == 25636712
        # the depthwise families build channels_last whatever the setting, as Keras does
        with pytest.warns(UserWarning, match="channels_last"):
            mobilenet = MobileNet(alpha=0.25, weights=None, include_top=False, input_shape=(128, 128, 3))
        assert mobilenet.output_shape == (None, 4, 4, 256)
        assert K.image_data_format() == "channels_first"
    finally:
        K.set_image_data_format(old_format)
