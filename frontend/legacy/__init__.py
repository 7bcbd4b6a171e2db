"""keras.legacy: what Keras 2.1.6 kept of Keras 1 (deprecated).

`keras.legacy.layers` (Merge, merge, Highway, MaxoutDense, AtrousConvolution1D/2D),
`keras.legacy.models` (helpers for a Sequential starting with a Merge) and
`keras.legacy.interfaces` (the Keras 1 argument-name decorators). The submodules load
on first use: the engine imports `method_interfaces` while it is itself loading.
"""
