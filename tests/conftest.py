"""Shared by every test folder.

pytest imports this file with its folder (tests/) on sys.path, so test modules anywhere
below can import the shared tables and helpers kept here: `from op_records import ...`.
"""
import pytest


@pytest.fixture
def float16_floatx():
    """floatx set to float16 for one test (float32 again after it, even when it fails)."""
    from keralite import backend as K
    K.set_floatx("float16")
    try:
        yield
    finally:
        K.set_floatx("float32")
