#!/usr/bin/env python3
"""Writes the crafted weight files the tests load (run by hand at
development time; the outputs are committed, so CI needs no Python).

  tests/hostile/weights/*   broken or malicious files, one flaw each; their
                            lines "weights/<file> <STATUS> <message part>"
                            in tests/hostile/MANIFEST are rewritten (lines of
                            other areas are kept)
  tests/data/weights/*      small valid files with unusual but legal
                            features (zip64, data descriptors, strided views,
                            protocol 4 opcodes...), checked by the C suites

Everything is built byte by byte here (no torch, no zipfile), so each flaw
is exactly the one intended. Usage: python3 tests/hostile/make_weights.py
"""
import json
import zlib
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
HOSTILE = os.path.join(HERE, "weights")
VALID = os.path.join(HERE, "..", "data", "weights")
MANIFEST = os.path.join(HERE, "MANIFEST")

# ---------------------------------------------------------------- pickles


def S(s):
    """BINUNICODE."""
    b = s.encode() if isinstance(s, str) else s
    return b"X" + struct.pack("<I", len(b)) + b


def I(v):
    """The smallest int opcode, as Python's pickler picks it."""
    if 0 <= v < 256:
        return b"K" + bytes([v])
    if 0 <= v < 65536:
        return b"M" + struct.pack("<H", v)
    if -(2**31) <= v < 2**31:
        return b"J" + struct.pack("<i", v)
    n = (v.bit_length() + 8) // 8
    return b"\x8a" + bytes([n]) + v.to_bytes(n, "little", signed=True)


def G(module, name):
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def T(items):
    """A tuple of ints."""
    return b"(" + b"".join(I(x) for x in items) + b"t"


PROTO2 = b"\x80\x02"
HOOKS = G("collections", "OrderedDict") + b")R"


def persid(stype, key, numel, legacy, view=None):
    tail = b""
    if legacy:
        tail = b"N" if view is None else view
    return b"(" + S("storage") + G("torch", stype) + S(key) + S("cpu") + I(numel) + tail + b"tQ"


def tensor(stype, key, numel, offset, size, stride, legacy=False, args_extra=b""):
    """torch._utils._rebuild_tensor_v2(storage, offset, size, stride,
    False, OrderedDict()) as torch.save writes it."""
    return (G("torch._utils", "_rebuild_tensor_v2") + b"(" + persid(stype, key, numel, legacy) +
            I(offset) + T(size) + T(stride) + b"\x89" + HOOKS + args_extra + b"tR")


def state_dict(entries):
    """entries: (name, pickled value) pairs -> a protocol 2 dict pickle."""
    return PROTO2 + b"}(" + b"".join(S(k) + v for k, v in entries) + b"u."


def contiguous_stride(size):
    stride, acc = [], 1
    for n in reversed(size):
        stride.insert(0, acc)
        acc *= n
    return stride


def simple_tensor(key, size, stype="FloatStorage", legacy=False, offset=0, numel=None):
    n = 1
    for d in size:
        n *= d
    return tensor(stype, key, n + offset if numel is None else numel, offset, size,
                  contiguous_stride(size), legacy)


def f32(values):
    return struct.pack("<%df" % len(values), *values)


# ---------------------------------------------------------------- zip


def zip_archive(records, prefix="archive", *, deflate=(), encrypt=(), local_name=None,
                zip64=False, descriptor=True, eocd_patch=None, locator_patch=None,
                central_patch=None, zip64_extra_len=None, duplicate=None):
    """A stored zip laid out as torch writes it: every record's data
    aligned to 64 bytes with an "FB" padding extra field, local sizes zero
    plus a data descriptor (flag 0x08), then the central directory, a zip64
    end record, its locator and the end record.

    records: [(name under prefix, bytes)]. zip64=True stores every size and
    offset as 0xffffffff with the real values in zip64 extra fields (and
    saturates the end record), as writers do for > 4 GiB archives."""
    out = bytearray()
    central = []
    names = [prefix + "/" + n for n, _ in records]
    if duplicate is not None:
        names[duplicate[1]] = names[duplicate[0]]
    for (name, data), full in zip(records, names):
        offset = len(out)
        method = 8 if name in deflate else 0
        flags = (0x08 if descriptor else 0) | (0x01 if name in encrypt else 0)
        lname = (local_name or {}).get(name, full).encode()
        head = 30 + len(lname)
        pad = (-(offset + head + 4)) % 64
        extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad
        sizes = (0, 0) if descriptor else (len(data), len(data))
        crc = zlib.crc32(data)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, flags, method, 0, 0,
                           0 if descriptor else crc, sizes[0], sizes[1], len(lname), len(extra))
        out += lname + extra + data
        if descriptor:
            out += struct.pack("<IIII", 0x08074B50, crc, len(data), len(data))
        central.append((full.encode(), flags, method, len(data), offset, crc))
    cd_offset = len(out)
    for i, (name, flags, method, size, offset, crc) in enumerate(central):
        if zip64:
            extra = struct.pack("<HHQQQ", 1, 24, size, size, offset)
            if zip64_extra_len is not None:
                extra = extra[:4 + zip64_extra_len]
                extra = extra[:2] + struct.pack("<H", zip64_extra_len) + extra[4:]
            fields = (0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF)
        else:
            extra, fields = b"", (size, size, offset)
        entry = bytearray(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, flags, method, 0,
                                      0, crc, fields[0], fields[1], len(name), len(extra), 0, 0,
                                      0, 0, fields[2]) + name + extra)
        if central_patch and i in central_patch:
            central_patch[i](entry)
        out += entry
    cd_size = len(out) - cd_offset
    n = len(central)
    eocd64_at = len(out)
    out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, n, n, cd_size, cd_offset)
    locator = bytearray(struct.pack("<IIQI", 0x07064B50, 0, eocd64_at, 1))
    if locator_patch:
        locator_patch(locator)
    out += locator
    if zip64:
        eocd = bytearray(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF,
                                     0xFFFFFFFF, 0))
    else:
        eocd = bytearray(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, cd_size, cd_offset, 0))
    if eocd_patch:
        eocd_patch(eocd)
    out += eocd
    return bytes(out)


def plain_zip(records, eocd_patch=None):
    """A zip without the zip64 records (as most zip writers make it)."""
    out = bytearray()
    central = []
    for name, data in records:
        offset = len(out)
        crc = zlib.crc32(data)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, 0, 0, crc, len(data), len(data),
                           len(name), 0) + name.encode() + data
        central.append((name.encode(), len(data), offset, crc))
    cd_offset = len(out)
    for name, size, offset, crc in central:
        out += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 0, 0, 0, crc, size, size,
                           len(name), 0, 0, 0, 0, 0, offset) + name
    eocd = bytearray(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central),
                                 len(out) - cd_offset, cd_offset, 0))
    if eocd_patch:
        eocd_patch(eocd)
    return bytes(out + eocd)


def torch_zip(pickle, storages, **kw):
    """data.pkl + data/<key> records + version, like torch.save."""
    records = [("data.pkl", pickle)] + [("data/" + k, v) for k, v in storages]
    records.append(("version", b"3\n"))
    return zip_archive(records, **kw)


# ---------------------------------------------------------------- legacy

MAGIC = PROTO2 + b"\x8a\x0a" + (0x1950A86A20F9469CFC6C).to_bytes(10, "little") + b"."
PROTOCOL = PROTO2 + I(1001) + b"."


def sys_info(little=True):
    return (PROTO2 + b"}(" + S("protocol_version") + I(1001) + S("little_endian") +
            (b"\x88" if little else b"\x89") + S("type_sizes") + b"}(" + S("short") + I(2) +
            S("int") + I(4) + S("long") + I(4) + b"uu.")


def key_list(keys):
    return PROTO2 + b"](" + b"".join(S(k) for k in keys) + b"e."


def storage_blob(count, data):
    return struct.pack("<q", count) + data


def legacy_file(dict_pickle, keys, blobs, magic=MAGIC, protocol=PROTOCOL, info=None):
    return (magic + protocol + (info or sys_info()) + dict_pickle + key_list(keys) +
            b"".join(blobs))


# ---------------------------------------------------------------- safetensors


def safetensors(header, data=b"", length=None):
    h = json.dumps(header).encode() if not isinstance(header, bytes) else header
    h += b" " * ((-len(h)) % 8)
    return struct.pack("<Q", len(h) if length is None else length) + h + data


def st_entry(dtype, shape, begin, end):
    return {"dtype": dtype, "shape": shape, "data_offsets": [begin, end]}


# ---------------------------------------------------------------- the files

CASES = []  # (file name, status, message part, bytes)


def case(name, status, message, data):
    CASES.append((name, status, message, data))


def safetensors_cases():
    ok = {"a": st_entry("F32", [2], 0, 8)}
    case("st_empty.safetensors", "ELECTRA_ERR_FORMAT", "too short for a safetensors file", b"")
    case("st_header_past_eof.safetensors", "ELECTRA_ERR_FORMAT",
         "header length 1000 is past the end", struct.pack("<Q", 1000) + b"{}      ")
    case("st_header_len_huge.safetensors", "ELECTRA_ERR_FORMAT",
         "header length 18446744073709551600 is past the end",
         safetensors(ok, f32([1, 2]), length=0xFFFFFFFFFFFFFFF0))
    case("st_bad_json.safetensors", "ELECTRA_ERR_FORMAT", "header is not valid JSON",
         safetensors(b'{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]', f32([1, 2])))
    case("st_not_object.safetensors", "ELECTRA_ERR_FORMAT", "header is not a JSON object",
         safetensors([1, 2]))
    case("st_entry_not_object.safetensors", "ELECTRA_ERR_FORMAT",
         "header entry a is not an object", safetensors({"a": 5}))
    case("st_missing_offsets.safetensors", "ELECTRA_ERR_FORMAT",
         "needs a dtype string, a shape list and two data_offsets",
         safetensors({"a": {"dtype": "F32", "shape": [2]}}, f32([1, 2])))
    case("st_unknown_dtype.safetensors", "ELECTRA_ERR_UNSUPPORTED", "unsupported dtype Q4_K",
         safetensors({"a": st_entry("Q4_K", [2], 0, 8)}, f32([1, 2])))
    case("st_negative_dim.safetensors", "ELECTRA_ERR_FORMAT", "tensor a has a bad shape entry",
         safetensors({"a": st_entry("F32", [-2], 0, 8)}, f32([1, 2])))
    case("st_shape_overflow.safetensors", "ELECTRA_ERR_FORMAT", "tensor a: shape product overflows",
         safetensors({"a": st_entry("F32", [2**32, 2**32, 16], 0, 8)}, f32([1, 2])))
    case("st_bytes_overflow.safetensors", "ELECTRA_ERR_FORMAT", "tensor b: shape product overflows",
         safetensors({"b": st_entry("F64", [2**53, 2**10], 0, 8)}, f32([1, 2])))
    case("st_shape_mismatch.safetensors", "ELECTRA_ERR_FORMAT",
         "shape needs 12 bytes of F32 but data_offsets span 8",
         safetensors({"a": st_entry("F32", [3], 0, 8)}, f32([1, 2])))
    case("st_offsets_reversed.safetensors", "ELECTRA_ERR_FORMAT", "tensor a has bad data_offsets",
         safetensors({"a": st_entry("F32", [2], 8, 0)}, f32([1, 2])))
    case("st_offsets_past_end.safetensors", "ELECTRA_ERR_FORMAT",
         "tensor a ends at byte 4000 of a 8-byte data section",
         safetensors({"a": st_entry("F32", [1000], 0, 4000)}, f32([1, 2])))
    case("st_overlap.safetensors", "ELECTRA_ERR_FORMAT", "tensors a and b overlap",
         safetensors({"a": st_entry("F32", [2], 0, 8), "b": st_entry("F32", [2], 4, 12)},
                     f32([1, 2, 3])))
    case("st_too_many_dims.safetensors", "ELECTRA_ERR_FORMAT", "tensor a has 9 dimensions",
         safetensors({"a": st_entry("F32", [1] * 8 + [2], 0, 8)}, f32([1, 2])))
    case("st_duplicate_name.safetensors", "ELECTRA_ERR_FORMAT", "tensor a appears twice",
         safetensors(b'{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, '
                     b'"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}',
                     f32([1, 2])))
    # A shard for the index cases (valid, not itself a case).
    support = safetensors({"a": st_entry("F32", [2], 0, 8)}, f32([1, 2]))
    case("support_shard.safetensors", None, None, support)
    case("idx_bad_json.index.json", "ELECTRA_ERR_FORMAT", "not valid JSON",
         b'{"weight_map": {"a": "support_shard.safetensors"')
    case("idx_no_weight_map.index.json", "ELECTRA_ERR_FORMAT", "no weight_map object",
         json.dumps({"metadata": {}}).encode())
    case("idx_path_traversal.index.json", "ELECTRA_ERR_FORMAT",
         "weight_map entry a is not a shard file name",
         json.dumps({"weight_map": {"a": "../../../etc/passwd"}}).encode())
    case("idx_missing_shard.index.json", "ELECTRA_ERR_IO", "cannot open",
         json.dumps({"weight_map": {"a": "no-such-shard.safetensors"}}).encode())
    case("idx_tensor_not_in_shard.index.json", "ELECTRA_ERR_MISSING_TENSOR",
         "tensor b is not in shard support_shard.safetensors",
         json.dumps({"weight_map": {"a": "support_shard.safetensors",
                                    "b": "support_shard.safetensors"}}).encode())


def zip_cases():
    sd = state_dict([("w", simple_tensor("0", [2, 2]))])
    data = [("0", f32([1, 2, 3, 4]))]
    case("not_torch.bin", "ELECTRA_ERR_FORMAT", "not a PyTorch file", b"hello, world\n" * 4)
    case("zip_no_eocd.bin", "ELECTRA_ERR_FORMAT", "no end-of-central-directory record",
         torch_zip(sd, data)[:-30])

    def far_cd(e):
        e[16:20] = struct.pack("<I", 0x7FFFFFF0)
    case("zip_cd_past_eof.bin", "ELECTRA_ERR_FORMAT", "central directory (offset 2147483632",
         plain_zip([("archive/data.pkl", sd)], eocd_patch=far_cd))

    def many(e):
        e[8:12] = struct.pack("<HH", 1000, 1000)
    case("zip_cd_too_many_entries.bin", "ELECTRA_ERR_FORMAT", "cannot hold 1000 entries",
         plain_zip([("archive/data.pkl", sd)], eocd_patch=many))

    def bad_sig(e):
        e[0:4] = b"PK\x01\x09"
    case("zip_cd_bad_signature.bin", "ELECTRA_ERR_FORMAT",
         "central directory entry 1 is missing its signature",
         torch_zip(sd, data, central_patch={1: bad_sig}))

    def multi(e):
        e[4:6] = struct.pack("<H", 1)
    case("zip_multidisk.bin", "ELECTRA_ERR_UNSUPPORTED", "multi-disk zip archives",
         plain_zip([("archive/data.pkl", sd)], eocd_patch=multi))
    case("zip_local_name_mismatch.bin", "ELECTRA_ERR_FORMAT",
         "local header of zip entry archive/data/0 does not match the central directory",
         torch_zip(sd, data, local_name={"data/0": "archive/data/X"}))
    case("zip_deflated.bin", "ELECTRA_ERR_UNSUPPORTED",
         "zip entry archive/data.pkl is compressed (method 8, deflate)",
         torch_zip(sd, data, deflate={"data.pkl"}))
    case("zip_encrypted.bin", "ELECTRA_ERR_UNSUPPORTED", "zip entry archive/data/0 is encrypted",
         torch_zip(sd, data, encrypt={"data/0"}))

    def drop_locator(l):
        l[0:4] = b"\0\0\0\0"
    case("zip64_no_locator.bin", "ELECTRA_ERR_FORMAT",
         "needs zip64 values but there is no zip64 locator",
         torch_zip(sd, data, zip64=True, locator_patch=drop_locator))

    def far_eocd64(l):
        l[8:16] = struct.pack("<Q", 0xFFFFFFFFFFFF0000)
    case("zip64_eocd_outside.bin", "ELECTRA_ERR_FORMAT",
         "zip64 end-of-central-directory record at offset 18446744073709486080 is outside",
         torch_zip(sd, data, locator_patch=far_eocd64))
    case("zip64_extra_short.bin", "ELECTRA_ERR_FORMAT",
         "zip64 extra field of entry archive/data.pkl is too short",
         torch_zip(sd, data, zip64=True, zip64_extra_len=12))

    def huge_size(e):
        e[20:28] = struct.pack("<II", 0x7FFFFFFF, 0x7FFFFFFF)
    case("zip_data_past_eof.bin", "ELECTRA_ERR_FORMAT",
         "data of zip entry archive/data.pkl (2147483647 bytes",
         torch_zip(sd, data, central_patch={0: huge_size}))
    case("zip_duplicate_entry.bin", "ELECTRA_ERR_FORMAT", "zip entry archive/data/0 appears twice",
         torch_zip(sd, data + [("1", f32([5]))], duplicate=(1, 2)))
    case("zip_no_data_pkl.bin", "ELECTRA_ERR_FORMAT", "zip archive without <archive>/data.pkl",
         zip_archive([("version", b"3\n"), ("data/0", f32([1, 2, 3, 4]))]))
    case("zip_two_data_pkl.bin", "ELECTRA_ERR_FORMAT", "two state dicts",
         plain_zip([("a/data.pkl", sd), ("b/data.pkl", sd)]))
    case("zip_storage_missing.bin", "ELECTRA_ERR_FORMAT",
         "storage '0' has no record archive/data/0", torch_zip(sd, []))
    case("zip_storage_short.bin", "ELECTRA_ERR_FORMAT",
         "storage '0' needs 16 bytes (4 x FloatStorage) but record archive/data/0 has 8",
         torch_zip(sd, [("0", f32([1, 2]))]))
    case("zip_storage_numel_past_data.bin", "ELECTRA_ERR_FORMAT",
         "storage '0' needs 4000000000 bytes (1000000000 x FloatStorage)",
         torch_zip(state_dict([("w", simple_tensor("0", [2], numel=10**9))]), data))
    case("zip_byteorder_big.bin", "ELECTRA_ERR_UNSUPPORTED", "byte order 'big'",
         zip_archive([("byteorder", b"big"), ("data.pkl", sd), ("data/0", f32([1, 2, 3, 4]))]))


def pickle_cases():
    """Hostile data.pkl pickles, each in an otherwise valid torch zip."""
    data = [("0", f32([1, 2, 3, 4]))]
    w = simple_tensor("0", [4])

    def pk(name, status, message, pickle):
        case(name, status, message, torch_zip(pickle, data))

    pk("pk_global_os_system.bin", "ELECTRA_ERR_UNSAFE_PICKLE", "global os.system is not allowed",
       PROTO2 + G("os", "system") + S("touch /tmp/pwned") + b"\x85R.")
    pk("pk_global_builtins_eval.bin", "ELECTRA_ERR_UNSAFE_PICKLE",
       "global builtins.eval is not allowed",
       PROTO2 + G("builtins", "eval") + S("__import__('os').system('id')") + b"\x85R.")
    pk("pk_global_posix_system.bin", "ELECTRA_ERR_UNSAFE_PICKLE",
       "global posix.system is not allowed",
       state_dict([("w", G("posix", "system") + S("id") + b"\x85R")]))
    pk("pk_stack_global_subprocess.bin", "ELECTRA_ERR_UNSAFE_PICKLE",
       "global subprocess.Popen is not allowed",
       b"\x80\x04" + b"\x8c\x0asubprocess\x8c\x05Popen\x93" + S("id") + b"\x85R.")
    pk("pk_global_torch_load.bin", "ELECTRA_ERR_UNSAFE_PICKLE", "global torch.load is not allowed",
       PROTO2 + G("torch", "load") + S("x") + b"\x85R.")
    pk("pk_reduce_storage_class.bin", "ELECTRA_ERR_UNSAFE_PICKLE",
       "REDUCE calls torch.FloatStorage, which is not a whitelisted function",
       PROTO2 + G("torch", "FloatStorage") + b")R.")
    pk("pk_reduce_string.bin", "ELECTRA_ERR_UNSAFE_PICKLE",
       "REDUCE calls a string; only whitelisted functions",
       PROTO2 + S("os.system") + S("id") + b"\x85R.")
    pk("pk_opcode_inst.bin", "ELECTRA_ERR_UNSAFE_PICKLE", "opcode INST is not allowed",
       PROTO2 + b"(" + S("id") + b"ios\nsystem\n.")
    pk("pk_opcode_newobj.bin", "ELECTRA_ERR_UNSAFE_PICKLE", "opcode NEWOBJ is not allowed",
       PROTO2 + G("collections", "OrderedDict") + b")\x81.")
    pk("pk_opcode_ext1.bin", "ELECTRA_ERR_UNSAFE_PICKLE", "opcode EXT1 is not allowed",
       PROTO2 + b"\x82\x01)R.")
    pk("pk_bad_opcode.bin", "ELECTRA_ERR_FORMAT", "byte 0xff is not a pickle opcode",
       PROTO2 + b"}\xff.")
    pk("pk_protocol_6.bin", "ELECTRA_ERR_UNSUPPORTED", "pickle protocol 6",
       b"\x80\x06}.")
    pk("pk_deep_marks.bin", "ELECTRA_ERR_FORMAT", "MARKs nested deeper than 64",
       PROTO2 + b"(" * 100000 + b")" + b"t" * 100000 + b".")
    pk("pk_deep_lists.bin", "ELECTRA_ERR_FORMAT", "pickle stack deeper than 65536 entries",
       PROTO2 + b"]" * 100000 + b"a" * 99999 + b".")
    pk("pk_stack_underflow.bin", "ELECTRA_ERR_FORMAT", "(SETITEM): pickle stack underflow",
       PROTO2 + b"}" + S("a") + b"s.")
    pk("pk_underflow_below_mark.bin", "ELECTRA_ERR_FORMAT", "(REDUCE): pickle stack underflow",
       PROTO2 + G("collections", "OrderedDict") + b"()R.")
    pk("pk_no_mark.bin", "ELECTRA_ERR_FORMAT", "(APPENDS): no MARK to close",
       PROTO2 + b"]" + I(1) + b"e.")
    pk("pk_memo_out_of_range.bin", "ELECTRA_ERR_FORMAT",
       "memo index 4294967295 is out of range",
       PROTO2 + b"}r\xff\xff\xff\xff.")
    pk("pk_memo_unset.bin", "ELECTRA_ERR_FORMAT", "memo index 7 was never stored",
       PROTO2 + b"}q\x00h\x07.")
    pk("pk_string_length.bin", "ELECTRA_ERR_FORMAT",
       "(BINUNICODE): length 4294967280 runs past the end of the pickle",
       PROTO2 + b"X\xf0\xff\xff\xff" + b"abc.")
    pk("pk_string_length8.bin", "ELECTRA_ERR_FORMAT",
       "(BINUNICODE8): length 18446744073709551600 runs past the end",
       b"\x80\x04\x8d" + struct.pack("<Q", 0xFFFFFFFFFFFFFFF0) + b"abc.")
    pk("pk_long4_length.bin", "ELECTRA_ERR_FORMAT", "(LONG4): length 2147483647 runs past",
       PROTO2 + b"\x8b\xff\xff\xff\x7f" + b"\x01.")
    pk("pk_global_too_long.bin", "ELECTRA_ERR_FORMAT", "GLOBAL name longer than 256 bytes",
       PROTO2 + b"c" + b"m" * 300 + b"\nname\n.")
    pk("pk_truncated.bin", "ELECTRA_ERR_FORMAT", "(BININT): pickle truncated",
       PROTO2 + b"}" + S("a") + b"J\x01\x02")
    pk("pk_no_stop.bin", "ELECTRA_ERR_FORMAT", "pickle ends without STOP",
       state_dict([("w", w)])[:-1])
    pk("pk_persid_module.bin", "ELECTRA_ERR_UNSAFE_PICKLE",
       "persistent id of type 'module' is not allowed",
       PROTO2 + b"(" + S("module") + S("os") + S("os.py") + S("import os") + b"tQ.")
    pk("pk_persid_fields.bin", "ELECTRA_ERR_FORMAT", "storage persistent id has 4 fields",
       PROTO2 + b"(" + S("storage") + G("torch", "FloatStorage") + S("0") + S("cpu") + b"tQ.")
    pk("pk_persid_not_storage_class.bin", "ELECTRA_ERR_FORMAT",
       "persistent id names OrderedDict, not a storage class",
       PROTO2 + b"(" + S("storage") + G("collections", "OrderedDict") + S("0") + S("cpu") +
       I(4) + b"tQ.")
    pk("pk_storage_conflict.bin", "ELECTRA_ERR_FORMAT",
       "storage '0' is declared as FloatStorage of 4 elements and as LongStorage of 2",
       state_dict([("w", w), ("v", simple_tensor("0", [2], "LongStorage"))]))
    pk("pk_not_a_dict.bin", "ELECTRA_ERR_FORMAT", "the pickle holds a list, not a state dict",
       PROTO2 + b"]" + b".")
    pk("pk_value_not_tensor.bin", "ELECTRA_ERR_FORMAT",
       "state dict entry epoch is an int, not a tensor",
       state_dict([("w", w), ("epoch", I(3))]))
    pk("pk_key_not_string.bin", "ELECTRA_ERR_FORMAT", "state dict key 0 is not a tensor name",
       state_dict([]).replace(b"}(", b"}(" + I(1) + w))
    pk("pk_tensor_arg_count.bin", "ELECTRA_ERR_FORMAT",
       "_rebuild_tensor_v2 takes 6 or 7 arguments, not 3",
       state_dict([("w", G("torch._utils", "_rebuild_tensor_v2") + b"(" +
                    persid("FloatStorage", "0", 4, False) + I(0) + T([4]) + b"tR")]))
    pk("pk_tensor_stride_mismatch.bin", "ELECTRA_ERR_FORMAT",
       "size and stride tuples of equal length",
       state_dict([("w", tensor("FloatStorage", "0", 4, 0, [2, 2], [1]))]))
    pk("pk_tensor_too_many_dims.bin", "ELECTRA_ERR_UNSUPPORTED", "tensor with 9 dimensions",
       state_dict([("w", tensor("FloatStorage", "0", 4, 0, [1] * 8 + [4], [4] * 8 + [1]))]))
    pk("pk_view_past_storage.bin", "ELECTRA_ERR_FORMAT",
       "tensor w: view (offset 2, last element 5) runs past the end of storage '0' (4 elements)",
       state_dict([("w", tensor("FloatStorage", "0", 4, 2, [4], [1]))]))
    pk("pk_stride_past_storage.bin", "ELECTRA_ERR_FORMAT",
       "tensor w: view (offset 0, last element 6) runs past the end",
       state_dict([("w", tensor("FloatStorage", "0", 4, 0, [2, 2], [1, 5]))]))
    pk("pk_size_overflow.bin", "ELECTRA_ERR_FORMAT", "tensor w: size product overflows",
       state_dict([("w", tensor("FloatStorage", "0", 4, 0, [2**62, 2**62], [1, 1]))]))
    pk("pk_stride_overflow.bin", "ELECTRA_ERR_FORMAT", "tensor w: strides overflow",
       state_dict([("w", tensor("FloatStorage", "0", 4, 0, [3], [2**63 - 1]))]))
    pk("pk_broadcast_view.bin", "ELECTRA_ERR_UNSUPPORTED", "broadcast views are not supported",
       state_dict([("w", tensor("FloatStorage", "0", 4, 0, [1000, 1000], [0, 0]))]))
    case("pk_strided_copies_budget.bin", "ELECTRA_ERR_UNSUPPORTED",
         "strided copies would outgrow the file",
         torch_zip(state_dict([("t%d" % i, tensor("FloatStorage", "0", 256, 0, [16, 16], [1, 16]))
                               for i in range(10)]),
                   [("0", f32(range(256)))]))
    pk("pk_build_on_list.bin", "ELECTRA_ERR_UNSAFE_PICKLE", "BUILD on a list is not allowed",
       PROTO2 + b"]}b.")
    pk("pk_ordered_dict_args.bin", "ELECTRA_ERR_FORMAT", "OrderedDict called with 1 arguments",
       PROTO2 + G("collections", "OrderedDict") + b"]\x85R.")
    pk("pk_setitems_odd.bin", "ELECTRA_ERR_FORMAT", "odd number of items (3) for a dict",
       PROTO2 + b"}(" + I(1) + I(2) + I(3) + b"u.")
    pk("pk_append_to_dict.bin", "ELECTRA_ERR_FORMAT", "(APPEND): APPEND on a dict",
       PROTO2 + b"}" + I(1) + b"a.")


def legacy_cases():
    sd = state_dict([("w", simple_tensor("7", [2, 2], legacy=True))])
    blob = storage_blob(4, f32([1, 2, 3, 4]))
    case("legacy_wrong_magic.bin", "ELECTRA_ERR_FORMAT", "wrong magic number",
         legacy_file(sd, ["7"], [blob],
                     magic=PROTO2 + b"\x8a\x0a" + (0x1950A86A20F9469CFC6D).to_bytes(10, "little") + b"."))
    case("legacy_wrong_protocol.bin", "ELECTRA_ERR_FORMAT",
         "wrong protocol version 1000 (expected 1001)",
         legacy_file(sd, ["7"], [blob], protocol=PROTO2 + I(1000) + b"."))
    case("legacy_big_endian.bin", "ELECTRA_ERR_UNSUPPORTED", "written on a big-endian machine",
         legacy_file(sd, ["7"], [blob], info=sys_info(little=False)))
    case("legacy_sys_info_not_dict.bin", "ELECTRA_ERR_FORMAT", "sys info is a list, not a dict",
         legacy_file(sd, ["7"], [blob], info=PROTO2 + b"]."))
    case("legacy_key_unused.bin", "ELECTRA_ERR_FORMAT",
         "storage key '8' in the key list is used by no tensor",
         legacy_file(sd, ["7", "8"], [blob, blob]))
    case("legacy_key_missing.bin", "ELECTRA_ERR_FORMAT",
         "storage '7' is missing from the key list", legacy_file(sd, [], []))
    case("legacy_key_twice.bin", "ELECTRA_ERR_FORMAT", "storage key '7' is listed twice",
         legacy_file(sd, ["7", "7"], [blob, blob]))
    case("legacy_keys_not_list.bin", "ELECTRA_ERR_FORMAT",
         "the storage key list is a dict, not a list",
         legacy_file(sd, [], [])[:-len(key_list([]))] + PROTO2 + b"}.")
    case("legacy_count_mismatch.bin", "ELECTRA_ERR_FORMAT",
         "storage '7' has 3 elements in the file but 4 in the pickle",
         legacy_file(sd, ["7"], [storage_blob(3, f32([1, 2, 3]))]))
    case("legacy_count_huge.bin", "ELECTRA_ERR_FORMAT",
         "storage '7' has 18446744073709551615 elements in the file",
         legacy_file(sd, ["7"], [storage_blob(-1, f32([1, 2, 3, 4]))]))
    case("legacy_truncated_data.bin", "ELECTRA_ERR_FORMAT",
         "storage '7' is truncated: 16 bytes needed",
         legacy_file(sd, ["7"], [blob[:-3]]))
    case("legacy_truncated_count.bin", "ELECTRA_ERR_FORMAT",
         "file truncated before the element count of storage '7'",
         legacy_file(sd, ["7"], [blob[:5]]))
    case("legacy_truncated_dict.bin", "ELECTRA_ERR_FORMAT", "state dict: pickle byte",
         legacy_file(sd, [], [])[:len(MAGIC + PROTOCOL + sys_info()) + 40])
    case("legacy_storage_view.bin", "ELECTRA_ERR_UNSUPPORTED", "storage views",
         legacy_file(state_dict([("w", G("torch._utils", "_rebuild_tensor_v2") + b"(" +
                                      persid("FloatStorage", "7", 4, True,
                                             view=b"(" + S("8") + I(0) + I(4) + b"t") +
                                      I(0) + T([4]) + T([1]) + b"\x89" + HOOKS + b"tR")]),
                     ["7"], [blob]))


def valid_files():
    """Legal files with features the fixtures lack; check_torch_bin.c and
    check_zip.c know their contents."""
    files = {}
    # zip64 everywhere + data descriptors; the same tiny state dict.
    sd = state_dict([("w", simple_tensor("0", [2, 2]))])
    data = [("0", f32([1, 2, 3, 4]))]
    files["zip64.bin"] = torch_zip(sd, data, zip64=True)
    files["no_descriptor.bin"] = torch_zip(sd, data, descriptor=False)
    files["plain.zip"] = plain_zip([("a.txt", b"hello"), ("dir/b.bin", b"\x00\x01\x02")])
    # Legacy: strided (transposed) view, storage offset, a tied pair, int64,
    # half, bfloat16, a 0-d scalar, an empty tensor, a parameter; storages
    # deliberately listed in another order than first use.
    f = f32([0, 1, 2, 3, 4, 5])  # storage "10": 6 floats
    entries = [
        ("t", tensor("FloatStorage", "10", 6, 0, [3, 2], [1, 3], True)),  # transpose of 2x3
        ("row1", tensor("FloatStorage", "10", 6, 3, [3], [1], True)),
        ("tied_a", tensor("FloatStorage", "10", 6, 0, [2, 3], [3, 1], True)),
        ("tied_b", tensor("FloatStorage", "10", 6, 0, [2, 3], [3, 1], True)),
        ("ids", tensor("LongStorage", "11", 3, 0, [1, 3], [3, 1], True)),
        ("half", tensor("HalfStorage", "12", 2, 0, [2], [1], True)),
        ("bf16", tensor("BFloat16Storage", "13", 2, 0, [2], [1], True)),
        ("scalar", tensor("FloatStorage", "10", 6, 5, [], [], True)),
        ("empty", tensor("FloatStorage", "10", 6, 6, [0, 4], [4, 1], True)),
        ("param", G("torch._utils", "_rebuild_parameter") + b"(" +
         tensor("FloatStorage", "10", 6, 1, [2], [2], True) + b"\x88" + HOOKS + b"tR"),
    ]
    blobs = {
        "10": storage_blob(6, f),
        "11": storage_blob(3, struct.pack("<3q", -1, 0, 2**40)),
        "12": storage_blob(2, struct.pack("<2H", 0x3C00, 0x0001)),  # 1.0, 2^-24
        "13": storage_blob(2, struct.pack("<2H", 0x3F80, 0xC000)),  # 1.0, -2.0
    }
    order = ["13", "10", "12", "11"]
    files["legacy_views.bin"] = legacy_file(state_dict(entries), order, [blobs[k] for k in order])
    # Protocol 4 zip: FRAME, SHORT_BINUNICODE, MEMOIZE, STACK_GLOBAL, BINGET,
    # an OrderedDict state dict with _metadata set by BUILD, torch.Size,
    # _rebuild_parameter_with_state, a 7-argument _rebuild_tensor_v2, and
    # the byteorder and .format_version records torch 2 writes.
    memo = {}

    def put(label, code):
        memo[label] = len(memo)
        return code + b"\x94"

    def get(label):
        return b"h" + bytes([memo[label]])

    def su(s, label=None):
        b = s.encode()
        return put(label or s, b"\x8c" + bytes([len(b)]) + b)

    def hooks():
        return get("OrderedDict()") + b")R"

    body = su("collections") + su("OrderedDict")
    body += put("OrderedDict()", b"\x93")
    body += put("dict", b")R") + b"("
    body += su("a") + su("torch._utils") + su("_rebuild_tensor_v2")
    body += put("rebuild", b"\x93") + b"("
    body += b"(" + su("storage") + su("torch") + su("FloatStorage") + put("Float", b"\x93")
    body += su("k") + su("cpu") + I(4) + b"tQ" + I(0)
    body += get("torch") + su("Size") + b"\x93" + T([2, 2]) + b"\x85R" + T([2, 1]) + b"\x89"
    body += hooks() + b"}" + put("args a", b"t") + b"R"
    body += su("b") + get("torch._utils") + su("_rebuild_parameter_with_state") + b"\x93("
    body += get("rebuild") + b"((" + get("storage") + get("Float") + su("k2") + get("cpu")
    body += I(2) + b"tQ" + I(0) + T([2]) + T([1]) + b"\x89" + hooks() + b"tR"
    body += b"\x88" + hooks() + b"}tR"
    body += b"u}" + su("_metadata") + hooks() + b"sb."
    frame = b"\x95" + struct.pack("<Q", len(body))
    files["proto4.bin"] = zip_archive(
        [("byteorder", b"little"), ("data.pkl", b"\x80\x04" + frame + body),
         ("data/k", f32([1, 2, 3, 4])), ("data/k2", f32([7, 8])), (".format_version", b"1")],
        prefix="model_v2")
    files["small.safetensors"] = safetensors(
        {"__metadata__": {"format": "pt"}, "a": st_entry("F32", [2, 2], 0, 16),
         "b": st_entry("F16", [2], 16, 20), "c": st_entry("I64", [1], 24, 32)},
        f32([1, 2, 3, 4]) + struct.pack("<2H", 0x3C00, 0x8001) + b"\0" * 4 +
        struct.pack("<q", 77))
    return files


def write_manifest():
    lines = []
    if os.path.exists(MANIFEST):
        with open(MANIFEST) as f:
            lines = [l for l in f.read().splitlines() if not l.startswith("weights/")]
    header = [l for l in lines if l.startswith("#")]
    others = [l for l in lines if not l.startswith("#") and l.strip()]
    if not header:
        header = [
            "# Hostile inputs: <path relative to tests/hostile> <ELECTRA_STATUS> <message part>",
            "# Each file must fail to load with that status and a message containing the",
            "# rest of the line. weights/ lines are written by make_weights.py.",
        ]
    mine = ["weights/%s %s %s" % (n, st, msg) for n, st, msg, _ in CASES if st]
    with open(MANIFEST, "w") as f:
        f.write("\n".join(header + mine + others) + "\n")


def main():
    safetensors_cases()
    zip_cases()
    pickle_cases()
    legacy_cases()
    os.makedirs(HOSTILE, exist_ok=True)
    os.makedirs(VALID, exist_ok=True)
    for old in os.listdir(HOSTILE):
        os.unlink(os.path.join(HOSTILE, old))
    for name, _, _, data in CASES:
        with open(os.path.join(HOSTILE, name), "wb") as f:
            f.write(data)
    for name, data in valid_files().items():
        with open(os.path.join(VALID, name), "wb") as f:
            f.write(data)
    write_manifest()
    print("%d hostile weight files, %d valid" % (sum(1 for c in CASES if c[1]),
                                                 len(valid_files())), file=sys.stderr)


if __name__ == "__main__":
    main()
