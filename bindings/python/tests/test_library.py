"""The binding against the header: every public function has a prototype
of the right shape, every enumeration the right values, and the library
loaded is the one the header describes."""

import ctypes
import re

import pytest

import electra
from electra import _library, constants, errors
from conftest import HEADER


def header_text():
    src = HEADER.read_text(encoding="utf-8")
    src = re.sub(r"/\*.*?\*/", " ", src, flags=re.S)
    src = re.sub(r"//[^\n]*", " ", src)
    # preprocessor lines, with their continuations
    return re.sub(r"^[ \t]*#(?:[^\n]*\\\n)*[^\n]*", " ", src, flags=re.M)


def declarations():
    """{name: (return type, [parameter declarations])} of the ELECTRA_API
    functions."""
    out = {}
    for m in re.finditer(r"ELECTRA_API\s+([^;{]*?)\b(electra_\w+)\s*\(([^;]*?)\)\s*;",
                         header_text(), re.S):
        ret, name, params = m.group(1), m.group(2), m.group(3)
        params = [" ".join(p.split()) for p in params.split(",")]
        out[name] = (" ".join(ret.split()), [] if params == ["void"] else params)
    return out


def test_every_header_function_has_a_prototype():
    decl = declarations()
    assert len(decl) > 60
    assert set(decl) == set(_library.PROTOTYPES)


SCALARS = {"size_t": ctypes.c_size_t, "int": ctypes.c_int, "int32_t": ctypes.c_int32,
           "int64_t": ctypes.c_int64, "double": ctypes.c_double,
           "electra_status": ctypes.c_int}


def expected_ctype_ok(decl, ctype):
    """Whether a ctypes type fits a C parameter/return declaration."""
    decl = decl.replace("const ", "").strip()
    # drop the parameter name (the last identifier, unless it is the type)
    m = re.match(r"^(.*?)(\w+)(\[\d*\])?$", decl)
    if m and m.group(1).strip():
        base, array = m.group(1).strip(), m.group(3)
    else:
        base, array = decl, None
    if array:
        base += " *"
    base = base.replace(" *", "*").replace("* ", "*").strip()
    if base in SCALARS:
        return ctype is SCALARS[base]
    if base == "char*":
        return ctype is ctypes.c_char_p or ctype is ctypes.POINTER(ctypes.c_char)
    if base == "char**" or base == "char*const*":
        return ctype is ctypes.POINTER(ctypes.c_char_p)
    if base == "void*":
        return ctype is ctypes.c_void_p
    if base.endswith("_fn"):
        return issubclass(ctype, ctypes._CFuncPtr)
    if base.endswith("*"):
        inner = base[:-1]
        if not issubclass(ctype, ctypes._Pointer):
            return False
        if inner in SCALARS or inner == "float":
            want = ctypes.c_float if inner == "float" else SCALARS[inner]
            return ctype._type_ is want
        if inner.endswith("*"):  # electra_X ** out-parameter
            return issubclass(ctype._type_, ctypes._Pointer) and expected_ctype_ok(
                inner, ctype._type_)
        assert inner.startswith("electra_"), base
        return ctype._type_.__name__ == "_" + inner[len("electra_"):].capitalize()
    if base == "void":
        return ctype is None
    raise AssertionError("unexpected C type %r" % decl)


@pytest.mark.parametrize("name", sorted(_library.PROTOTYPES))
def test_prototype_matches_the_header(name):
    ret, params = declarations()[name]
    restype, argtypes = _library.PROTOTYPES[name]
    assert len(argtypes) == len(params), (params, argtypes)
    assert expected_ctype_ok(ret, restype), (ret, restype)
    for p, t in zip(params, argtypes):
        assert expected_ctype_ok(p, t), (p, t)
    fn = getattr(_library.lib, name)
    assert fn.restype is restype and fn.argtypes == argtypes


ENUMS = {
    "electra_status": constants.Status, "electra_log_level": constants.LogLevel,
    "electra_option": constants.Option, "electra_truncation": constants.Truncation,
    "electra_padding": constants.Padding, "electra_weight_format": constants.WeightFormat,
    "electra_precision": constants.Precision, "electra_kernels": constants.Kernels,
    "electra_aggregation": constants.Aggregation,
    "electra_classify_function": constants.ClassifyFunction,
    "electra_special_token": constants.SpecialToken, "electra_head": constants.Head,
    "electra_info": constants.Info, "electra_output": constants.Output,
}


def header_enums():
    out = {}
    for m in re.finditer(r"typedef enum (\w+) \{(.*?)\}", header_text(), re.S):
        values = dict(re.findall(r"(ELECTRA_\w+)\s*=\s*(\d+)", m.group(2)))
        out[m.group(1)] = {k: int(v) for k, v in values.items()}
    return out


@pytest.mark.parametrize("enum", sorted(ENUMS))
def test_enum_matches_the_header(enum):
    values = header_enums()[enum]
    members = ENUMS[enum].__members__
    assert len(values) == len(members)
    prefix = min(values, key=len)
    prefix = "ELECTRA_" if enum == "electra_status" else prefix[:prefix.rfind("_") + 1]
    if enum == "electra_option":
        prefix = "ELECTRA_OPT_"
    for cname, v in values.items():
        py = cname[len(prefix):]
        if enum == "electra_status" and py.startswith("ERR_"):
            py = py[4:]
        assert members[py] == v, cname


def test_version_matches_the_header():
    h = HEADER.read_text()
    major = int(re.search(r"#define ELECTRA_VERSION_MAJOR (\d+)", h).group(1))
    minor = int(re.search(r"#define ELECTRA_VERSION_MINOR (\d+)", h).group(1))
    patch = int(re.search(r"#define ELECTRA_VERSION_PATCH (\d+)", h).group(1))
    assert electra.version() == "%d.%d.%d" % (major, minor, patch)
    assert electra.version_number() == major * 10000 + minor * 100 + patch
    assert electra.__version__ == electra.version()


def test_every_status_has_its_exception():
    for status in constants.Status:
        if status == 0:
            continue
        e = errors.error_for(int(status), "why")
        assert isinstance(e, electra.ElectraError)
        assert e.status == status and e.message == "why" and str(e) == "why"
        assert e.status_name == electra.status_string(status)
        assert type(e).status == status
    unknown = errors.error_for(9999)
    assert type(unknown) is electra.ElectraError
    assert unknown.message == "unknown status"
    assert issubclass(electra.InvalidArgumentError, ValueError)
    assert issubclass(electra.ElectraIOError, OSError)
    assert issubclass(electra.InvalidUTF8Error, UnicodeError)
    assert issubclass(electra.OutOfMemoryError, MemoryError)


def test_status_strings_and_last_error():
    assert electra.status_string(0)
    assert electra.status_string(electra.Status.NO_MASK) != electra.status_string(0)
    assert electra.status_string(12345) == "unknown status"
    with pytest.raises(electra.ElectraIOError):
        electra.Tokenizer("/nonexistent/vocab.txt")
    assert "/nonexistent/vocab.txt" in electra.last_error()


def test_options_defaults_set_get_and_errors():
    with electra.Options() as o:
        assert o.get("threads") == 1
        assert o.get(electra.Option.THRESHOLD) == 0.5
        assert o.get("max_answer_length") == 15
        assert o.get("lowercase") == -1
        o.set("threads", 4).set("threshold", 0.25)
        o.set(electra.Option.TRUNCATION, electra.Truncation.ONLY_SECOND)
        assert (o.get("threads"), o.get("threshold"), o.get("truncation")) == (4, 0.25, 3)
        with pytest.raises(electra.InvalidArgumentError, match="THREADS"):
            o.set("threads", 0)
        assert o.get("threads") == 4  # unchanged by the failed set
        with pytest.raises(electra.InvalidArgumentError, match="float-valued"):
            o.set_int("threshold", 1)
        with pytest.raises(electra.InvalidArgumentError, match="int-valued"):
            o.get_float("threads")
        with pytest.raises(electra.InvalidArgumentError, match="NaN"):
            o.set_float("threshold", float("nan"))
        with pytest.raises(TypeError):
            o.set("threads", 1.5)
        with pytest.raises(ValueError, match="option must be one of"):
            o.set("no_such_option", 1)
    assert o.closed
    with pytest.raises(ValueError, match="closed"):
        o.get("threads")
    o.close()  # twice is fine
    assert electra.Options(top_k=3).get("top_k") == 3


def test_log_callback_can_be_set_and_cleared():
    seen = []
    electra.set_log_callback(lambda level, msg: seen.append((level, msg)), electra.LogLevel.DEBUG)
    try:
        electra.Tokenizer.__name__  # the library logs rarely; installing must not fail
    finally:
        electra.set_log_callback(None)


def test_allocator_hook_is_declared_but_not_wrapped():
    # A process-wide C allocator hook, to be set before anything else is
    # allocated: meaningless once Python has loaded models, so only its
    # prototype is provided (electra._library.lib.electra_set_allocator).
    fn = _library.lib.electra_set_allocator
    assert fn.argtypes[0] is _library.MallocFn
    # all-NULL restores malloc/free: allowed at any time
    assert fn(_library.MallocFn(), _library.ReallocFn(), _library.FreeFn(), None) == 0
