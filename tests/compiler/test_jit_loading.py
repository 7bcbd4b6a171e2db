"""JIT loading refuses an object that uses a symbol nothing in the process defines
(MCJIT would resolve it to address 0 and the first call would crash)."""
import pytest
from llvmlite import ir

from keralite.compiler.codegen import elf, target


def _object_calling(callee):
    module = ir.Module(name="calls")
    fnty = ir.FunctionType(ir.VoidType(), [])
    external = ir.Function(module, fnty, callee)
    caller = ir.Function(module, fnty, "keralite_test_caller_of_" + callee)
    b = ir.IRBuilder(caller.append_basic_block())
    b.call(external, [])
    b.ret_void()
    tm = target.target_machine()
    return target.emit_object(target.parse_and_optimize(str(module), tm), tm), caller.name


def test_the_undefined_symbols_of_an_object_are_read_from_its_symbol_table():
    obj, caller = _object_calling("keralite_test_missing_function")
    assert elf.undefined_symbols(obj) == ["keralite_test_missing_function"]
    assert elf.undefined_symbols(b"not an object") == []


def test_an_object_using_an_unknown_symbol_is_refused_with_its_name():
    obj, caller = _object_calling("keralite_test_missing_function")
    with pytest.raises(RuntimeError, match="keralite_test_missing_function"):
        target.load_object(obj, [caller])


def test_an_object_using_a_known_symbol_loads():
    obj, caller = _object_calling("abort")          # in the C library: resolvable, never called
    assert target.load_object(obj, [caller])[caller] != 0
