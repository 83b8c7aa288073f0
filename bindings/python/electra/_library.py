"""Finding and loading libelectra.so.1, and the prototype of every public
function of include/electra.h.

ctypes guesses int for every argument and result it is not told about,
which silently truncates size_t and pointers: every function is declared
here, and the tests check that the list matches the header.
"""

import ctypes
import ctypes.util
import os
from ctypes import (CFUNCTYPE, POINTER, Structure, c_char, c_char_p, c_double,
                    c_float, c_int, c_int32, c_int64, c_size_t, c_void_p)

SONAME = "libelectra.so.1"
ABI_MAJOR = 1


# Opaque handles: distinct pointer types, so that ctypes refuses a model
# where a context is expected.
class _Options(Structure):
    pass


class _Tokenizer(Structure):
    pass


class _Encoding(Structure):
    pass


class _Model(Structure):
    pass


class _Context(Structure):
    pass


class _Result(Structure):
    pass


OptionsP = POINTER(_Options)
TokenizerP = POINTER(_Tokenizer)
EncodingP = POINTER(_Encoding)
ModelP = POINTER(_Model)
ContextP = POINTER(_Context)
ResultP = POINTER(_Result)

MallocFn = CFUNCTYPE(c_void_p, c_size_t, c_void_p)
ReallocFn = CFUNCTYPE(c_void_p, c_void_p, c_size_t, c_void_p)
FreeFn = CFUNCTYPE(None, c_void_p, c_void_p)
LogFn = CFUNCTYPE(None, c_int, c_char_p, c_void_p)

_status = c_int  # electra_status
_i32p = POINTER(c_int32)

# name: (restype, argtypes), in the order of include/electra.h.
PROTOTYPES = {
    "electra_version_string": (c_char_p, []),
    "electra_version_number": (c_int, []),
    "electra_status_string": (c_char_p, [c_int]),
    "electra_last_error": (c_char_p, []),
    "electra_set_allocator": (_status, [MallocFn, ReallocFn, FreeFn, c_void_p]),
    "electra_set_log_callback": (None, [LogFn, c_int, c_void_p]),
    "electra_options_create": (_status, [POINTER(OptionsP)]),
    "electra_options_free": (None, [OptionsP]),
    "electra_options_set_int": (_status, [OptionsP, c_int, c_int64]),
    "electra_options_set_float": (_status, [OptionsP, c_int, c_double]),
    "electra_options_get_int": (_status, [OptionsP, c_int, POINTER(c_int64)]),
    "electra_options_get_float": (_status, [OptionsP, c_int, POINTER(c_double)]),
    "electra_options_last_error": (c_char_p, [OptionsP]),
    "electra_tokenizer_load": (_status, [c_char_p, OptionsP, POINTER(TokenizerP)]),
    "electra_tokenizer_free": (None, [TokenizerP]),
    "electra_tokenizer_vocab_size": (c_size_t, [TokenizerP]),
    "electra_tokenizer_token_to_id": (c_int32, [TokenizerP, c_char_p, c_size_t]),
    "electra_tokenizer_id_to_token": (c_char_p, [TokenizerP, c_int32]),
    "electra_tokenizer_special_id": (c_int32, [TokenizerP, c_int]),
    "electra_encoding_create": (_status, [POINTER(EncodingP)]),
    "electra_encoding_free": (None, [EncodingP]),
    "electra_encoding_last_error": (c_char_p, [EncodingP]),
    "electra_tokenizer_encode": (_status, [TokenizerP, c_char_p, c_size_t, c_char_p,
                                          c_size_t, OptionsP, EncodingP]),
    "electra_tokenizer_encode_batch": (_status, [TokenizerP, c_size_t, POINTER(c_char_p),
                                                POINTER(c_size_t), POINTER(c_char_p),
                                                POINTER(c_size_t), OptionsP, EncodingP]),
    "electra_encoding_rows": (c_size_t, [EncodingP]),
    "electra_encoding_length": (c_size_t, [EncodingP, c_size_t]),
    "electra_encoding_ids": (_i32p, [EncodingP, c_size_t]),
    "electra_encoding_type_ids": (_i32p, [EncodingP, c_size_t]),
    "electra_encoding_attention_mask": (_i32p, [EncodingP, c_size_t]),
    "electra_encoding_special_tokens_mask": (_i32p, [EncodingP, c_size_t]),
    "electra_encoding_sequence_ids": (_i32p, [EncodingP, c_size_t]),
    "electra_encoding_offsets": (POINTER(c_size_t), [EncodingP, c_size_t]),
    "electra_encoding_source": (c_size_t, [EncodingP, c_size_t]),
    "electra_tokenizer_decode": (_status, [TokenizerP, _i32p, c_size_t, c_int, c_int,
                                          POINTER(c_char), c_size_t, POINTER(c_size_t)]),
    "electra_model_load": (_status, [c_char_p, OptionsP, POINTER(ModelP)]),
    "electra_model_free": (None, [ModelP]),
    "electra_model_info": (c_int64, [ModelP, c_int]),
    "electra_model_info_string": (c_char_p, [ModelP, c_int]),
    "electra_model_label": (c_char_p, [ModelP, c_size_t]),
    "electra_model_tokenizer": (TokenizerP, [ModelP]),
    "electra_context_create": (_status, [ModelP, OptionsP, POINTER(ContextP)]),
    "electra_context_free": (None, [ContextP]),
    "electra_context_last_error": (c_char_p, [ContextP]),
    "electra_forward": (_status, [ContextP, c_size_t, c_size_t, _i32p, _i32p, _i32p]),
    "electra_forward_encoding": (_status, [ContextP, EncodingP]),
    "electra_output_shape": (_status, [ContextP, c_int, POINTER(c_size_t),
                                      POINTER(c_size_t)]),
    "electra_output_copy": (_status, [ContextP, c_int, POINTER(c_float), c_size_t]),
    "electra_fill_mask": (_status, [ContextP, c_char_p, c_size_t, POINTER(c_char_p),
                                   c_size_t, OptionsP, POINTER(ResultP)]),
    "electra_detect": (_status, [ContextP, c_char_p, c_size_t, OptionsP, POINTER(ResultP)]),
    "electra_classify": (_status, [ContextP, c_char_p, c_size_t, c_char_p, c_size_t,
                                  OptionsP, POINTER(ResultP)]),
    "electra_tag": (_status, [ContextP, c_char_p, c_size_t, OptionsP, POINTER(ResultP)]),
    "electra_answer": (_status, [ContextP, c_char_p, c_size_t, c_char_p, c_size_t,
                                OptionsP, POINTER(ResultP)]),
    "electra_result_free": (None, [ResultP]),
    "electra_result_count": (c_size_t, [ResultP]),
    "electra_result_group": (c_int, [ResultP, c_size_t]),
    "electra_result_label": (c_char_p, [ResultP, c_size_t]),
    "electra_result_text": (c_char_p, [ResultP, c_size_t]),
    "electra_result_id": (c_int32, [ResultP, c_size_t]),
    "electra_result_start": (c_size_t, [ResultP, c_size_t]),
    "electra_result_end": (c_size_t, [ResultP, c_size_t]),
    "electra_result_score": (c_double, [ResultP, c_size_t]),
    "electra_result_logit": (c_double, [ResultP, c_size_t]),
    "electra_result_flag": (c_int, [ResultP, c_size_t]),
}


def _candidates():
    """Where to look, in order: $ELECTRA_LIBRARY, the dynamic loader's own
    search (LD_LIBRARY_PATH, ld.so.cache, default dirs), what
    ctypes.util.find_library reports, then the lib/ directories of the
    prefix this package seems to be installed under and /usr/local/lib
    (often not yet in ld.so.cache right after `make install`)."""
    explicit = os.environ.get("ELECTRA_LIBRARY")
    if explicit:
        return [explicit]
    found = [SONAME]
    name = ctypes.util.find_library("electra")
    if name and name.endswith(".so.%d" % ABI_MAJOR) and name != SONAME:
        found.append(name)
    here = os.path.dirname(os.path.abspath(__file__))
    # <prefix>/lib/python3*/{site,dist}-packages/electra -> <prefix>/lib
    prefix_lib = os.path.normpath(os.path.join(here, "..", "..", ".."))
    for d in (prefix_lib, "/usr/local/lib", "/usr/local/lib64"):
        found.append(os.path.join(d, SONAME))
    return found


def _load():
    errors = []
    for path in _candidates():
        try:
            lib = ctypes.CDLL(path)
        except OSError as e:
            errors.append("%s: %s" % (path, e))
            continue
        try:
            for name, (restype, argtypes) in PROTOTYPES.items():
                fn = getattr(lib, name)
                fn.restype = restype
                fn.argtypes = argtypes
        except AttributeError as e:
            errors.append("%s: not libelectra 1.x (%s)" % (path, e))
            continue
        major = lib.electra_version_number() // 10000
        if major != ABI_MAJOR:
            errors.append("%s: version %s, this binding needs %d.x"
                          % (path, lib.electra_version_string().decode(), ABI_MAJOR))
            continue
        return lib, path
    raise ImportError("cannot load %s (set ELECTRA_LIBRARY=/path/to/%s to choose one):\n  %s"
                      % (SONAME, SONAME, "\n  ".join(errors)))


lib, path = _load()


def text(ptr):
    """A C string result as str (None for NULL). The library's strings are
    UTF-8; 'replace' keeps a malformed one from raising far from its cause."""
    return None if ptr is None else ptr.decode("utf-8", "replace")
