"""The enumerations of include/electra.h, as IntEnum classes."""

from enum import IntEnum


class Status(IntEnum):
    OK = 0
    INVALID_ARGUMENT = 1
    NOMEM = 2
    IO = 3
    INVALID_UTF8 = 4
    FORMAT = 5
    UNSAFE_PICKLE = 6
    UNSUPPORTED = 7
    CONFIG = 8
    MISSING_TENSOR = 9
    UNEXPECTED_TENSOR = 10
    SHAPE = 11
    TOO_LONG = 12
    TRUNCATION = 13
    BUFFER_TOO_SMALL = 14
    WRONG_HEAD = 15
    NO_MASK = 16
    INTERNAL = 17


class LogLevel(IntEnum):
    ERROR = 0
    WARNING = 1
    INFO = 2
    DEBUG = 3


class Option(IntEnum):
    LOWERCASE = 1
    STRIP_ACCENTS = 2
    CHINESE_CHARS = 3
    ADD_SPECIAL_TOKENS = 10
    MAX_LENGTH = 11
    TRUNCATION = 12
    STRIDE = 13
    RETURN_OVERFLOW = 14
    PADDING = 15
    PAD_TO_MULTIPLE_OF = 16
    THREADS = 20
    OUTPUT_HIDDEN_STATES = 21
    WEIGHT_FORMAT = 22
    PRECISION = 23
    KERNELS = 24
    TOP_K = 30
    THRESHOLD = 31
    AGGREGATION = 32
    MAX_ANSWER_LENGTH = 33
    DOC_STRIDE = 34
    ALLOW_NO_ANSWER = 35
    CLASSIFY_FUNCTION = 36


# The only float-valued option; every other one is an int.
FLOAT_OPTIONS = frozenset({Option.THRESHOLD})


class Truncation(IntEnum):
    NONE = 0
    LONGEST_FIRST = 1
    ONLY_FIRST = 2
    ONLY_SECOND = 3


class Padding(IntEnum):
    NONE = 0
    LONGEST = 1
    MAX_LENGTH = 2


class WeightFormat(IntEnum):
    AUTO = 0
    SAFETENSORS = 1
    PYTORCH = 2


class Precision(IntEnum):
    F32 = 0
    BF16 = 1
    INT8 = 2


class Kernels(IntEnum):
    AUTO = 0
    REFERENCE = 1


class Aggregation(IntEnum):
    NONE = 0
    SIMPLE = 1
    FIRST = 2
    AVERAGE = 3
    MAX = 4


class ClassifyFunction(IntEnum):
    AUTO = 0
    SOFTMAX = 1
    SIGMOID = 2
    NONE = 3


class SpecialToken(IntEnum):
    PAD = 0
    UNK = 1
    CLS = 2
    SEP = 3
    MASK = 4


class Head(IntEnum):
    NONE = 0
    MASKED_LM = 1
    PRETRAINING = 2
    SEQUENCE_CLASSIFICATION = 3
    TOKEN_CLASSIFICATION = 4
    QUESTION_ANSWERING = 5


class Info(IntEnum):
    HEAD = 0
    VOCAB_SIZE = 1
    EMBEDDING_SIZE = 2
    HIDDEN_SIZE = 3
    NUM_LAYERS = 4
    NUM_HEADS = 5
    INTERMEDIATE_SIZE = 6
    MAX_POSITIONS = 7
    TYPE_VOCAB_SIZE = 8
    NUM_LABELS = 9
    NUM_PARAMETERS = 10
    ARCHITECTURE = 100
    HIDDEN_ACT = 101
    WEIGHT_FORMAT = 102
    WEIGHT_DTYPE = 103
    PROBLEM_TYPE = 104


class Output(IntEnum):
    LAST_HIDDEN_STATE = 0
    LOGITS = 1
    EMBEDDING_OUTPUT = 2
    HIDDEN_STATES = 3
    START_LOGITS = 4
    END_LOGITS = 5


def pick(enum, value, what):
    """An enum member from a member, its int value or its name in any case
    ("longest_first"); ValueError naming the choices otherwise."""
    if isinstance(value, enum):
        return value
    if isinstance(value, str):
        try:
            return enum[value.upper().replace("-", "_")]
        except KeyError:
            pass
    elif isinstance(value, int) and not isinstance(value, bool):
        try:
            return enum(value)
        except ValueError:
            pass
    names = ", ".join(repr(m.name.lower()) for m in enum)
    raise ValueError("%s must be one of %s, not %r" % (what, names, value))
