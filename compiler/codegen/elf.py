"""The undefined symbols of an ELF64 object file (what the JIT must resolve).

MCJIT resolves a relocation against a symbol it cannot find to address 0 without a
word, and the code then jumps to 0 or writes next to it. Reading the object's symbol
table first turns that into an error naming the symbol. Only the little-endian ELF64
objects LLVM emits for x86-64 and AArch64 hosts are read; for anything else the list is
empty (nothing is checked).
"""
import struct

_SHT_SYMTAB = 2
_SHN_UNDEF = 0


def undefined_symbols(obj):
    """Names of the symbols `obj` (bytes) uses but does not define."""
    if len(obj) < 64 or obj[:4] != b"\x7fELF" or obj[4] != 2 or obj[5] != 1:
        return []
    shoff, = struct.unpack_from("<Q", obj, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", obj, 0x3A)
    sections = []
    for k in range(shnum):
        at = shoff + k * shentsize
        if at + 64 > len(obj):
            return []
        _name, kind, _flags, _addr, offset, size, link, _info, _align, entsize = \
            struct.unpack_from("<IIQQQQIIQQ", obj, at)
        sections.append((kind, offset, size, link, entsize))
    names = []
    for kind, offset, size, link, entsize in sections:
        if kind != _SHT_SYMTAB or not entsize or link >= len(sections):
            continue
        _, str_offset, str_size, _, _ = sections[link]
        for at in range(offset + entsize, offset + size, entsize):      # entry 0 is null
            name, info, _other, shndx = struct.unpack_from("<IBBH", obj, at)
            binding = info >> 4
            if shndx != _SHN_UNDEF or not name or binding == 0:         # local: not resolved
                continue
            end = obj.index(b"\0", str_offset + name, str_offset + str_size)
            names.append(obj[str_offset + name:end].decode())
    return names
