"""keralite.compiler: graph IR, ops, passes and LLVM code generation.

It knows nothing of Keras: it takes a Graph and returns compiled code.
"""
import os

# llvmlite.ir must print opaque pointers (`ptr`), as the LLVM it binds expects; this has
# to be set before llvmlite is first imported.
os.environ.setdefault("LLVMLITE_ENABLE_IR_LAYER_TYPED_POINTERS", "0")
