"""The tokenizer: BERT WordPiece, identical to transformers' BertTokenizer."""

import numbers
import os
from ctypes import byref, c_char_p, c_int32, c_size_t, create_string_buffer

from . import _arrays
from ._handles import HandleState, Resource
from ._library import EncodingP, TokenizerP, lib
from ._library import text as c_string
from ._text import Text, c_args, optional
from .constants import Padding, SpecialToken, pick
from .errors import check
from .options import scoped, truncation_value

# What `model.forward(**encoding)` needs; the rest are attributes.
_MODEL_INPUTS = ("input_ids", "token_type_ids", "attention_mask")
_FIELDS = _MODEL_INPUTS + ("special_tokens_mask", "sequence_ids", "offset_mapping", "tokens")


class Encoding:
    """One row of tokens. Lists of equal length: input_ids, token_type_ids,
    attention_mask, special_tokens_mask, sequence_ids (0 text, 1 pair, None
    for inserted specials and padding), offsets ((start, end) into the text
    of the token's sequence: str indices for str input, byte offsets for
    bytes; None unless asked for), tokens. ``overflowing`` holds the further
    windows of a text cut with return_overflowing_tokens=True; ``source`` is
    the index of the input in a batch.

    ``enc["input_ids"]`` works as in transformers, and ``model.forward(**enc)``
    passes input_ids, token_type_ids and attention_mask.
    """

    __slots__ = ("input_ids", "token_type_ids", "attention_mask", "special_tokens_mask",
                 "sequence_ids", "offsets", "tokens", "overflowing", "source")

    def __init__(self, **fields):
        self.overflowing = []
        for k, v in fields.items():
            setattr(self, k, v)

    @property
    def ids(self):
        return self.input_ids

    @property
    def offset_mapping(self):
        return self.offsets

    def __len__(self):
        return len(self.input_ids)

    def keys(self):
        return _MODEL_INPUTS

    def __getitem__(self, key):
        if key not in _FIELDS:
            raise KeyError(key)
        return getattr(self, key)

    def to_dict(self):
        return {k: getattr(self, k) for k in _FIELDS}

    def __repr__(self):
        return "Encoding(tokens=%r)" % (self.tokens,)


class BatchEncoding:
    """Rows of a batch (one per input, or per overflow window). Indexing
    with an int gives an Encoding; with a name ("input_ids", ...) the
    column for every row: lists of lists, or a numpy int32 matrix when
    return_tensors="np" (rows must then have one length: pad them).
    ``overflow_to_sample_mapping[i]`` is the input row i came from."""

    def __init__(self, encodings, return_tensors=None):
        if return_tensors not in (None, "np"):
            raise ValueError('return_tensors must be None or "np", not %r' % (return_tensors,))
        self.encodings = encodings
        self.return_tensors = return_tensors

    @property
    def overflow_to_sample_mapping(self):
        return [e.source for e in self.encodings]

    def __len__(self):
        return len(self.encodings)

    def __iter__(self):
        return iter(self.encodings)

    def keys(self):
        return _MODEL_INPUTS

    def __getitem__(self, key):
        if isinstance(key, int):
            return self.encodings[key]
        if key not in _FIELDS:
            raise KeyError(key)
        column = [getattr(e, key) for e in self.encodings]
        if self.return_tensors == "np" and key in _MODEL_INPUTS + ("special_tokens_mask",):
            if _arrays.numpy is None:
                raise RuntimeError('return_tensors="np" needs numpy')
            if len({len(c) for c in column}) > 1:
                raise ValueError("rows differ in length: encode with padding=True")
            return _arrays.numpy.array(column, dtype=_arrays.numpy.int32)
        return column

    def __repr__(self):
        return "BatchEncoding(%d rows)" % len(self.encodings)


def _padding_value(padding):
    if padding is None or padding is False or padding == "do_not_pad":
        return Padding.NONE
    if padding is True:
        return Padding.LONGEST
    return pick(Padding, padding, "padding")


def _flag(value):
    return None if value is None else int(bool(value))


def _read_rows(enc, texts, return_offsets, vocab):
    """Copy every row of a C encoding into Encoding objects. texts[i] is
    the (text, pair) Text pair of input i, for turning byte offsets back."""
    rows = []
    for r in range(lib.electra_encoding_rows(enc)):
        n = lib.electra_encoding_length(enc, r)
        ids = lib.electra_encoding_ids(enc, r)[:n]
        seq = lib.electra_encoding_sequence_ids(enc, r)[:n]
        source = lib.electra_encoding_source(enc, r)
        e = Encoding(
            input_ids=ids,
            token_type_ids=lib.electra_encoding_type_ids(enc, r)[:n],
            attention_mask=lib.electra_encoding_attention_mask(enc, r)[:n],
            special_tokens_mask=lib.electra_encoding_special_tokens_mask(enc, r)[:n],
            sequence_ids=[None if s < 0 else s for s in seq],
            tokens=[vocab[i] if 0 <= i < len(vocab) else None for i in ids],
            offsets=None,
            source=source)
        if return_offsets:
            raw = lib.electra_encoding_offsets(enc, r)[:2 * n]
            pair = texts[source]
            e.offsets = [(pair[s].offset(raw[2 * i]), pair[s].offset(raw[2 * i + 1]))
                         if s >= 0 else (0, 0) for i, s in enumerate(seq)]
        rows.append(e)
    return rows


def _new_encoding():
    ptr = EncodingP()
    check(lib.electra_encoding_create(byref(ptr)))
    return ptr


class Tokenizer(Resource):
    """A BERT WordPiece tokenizer.

    ``path`` is a vocab.txt, a Hugging Face tokenizer.json or a model
    directory (its tokenizer.json, else vocab.txt + tokenizer_config.json).
    do_lower_case, strip_accents and tokenize_chinese_chars override what
    the files say (None: as the files say). One Tokenizer can be used from
    several threads at once.
    """

    def __init__(self, path, *, do_lower_case=None, strip_accents=None,
                 tokenize_chinese_chars=None):
        ptr = TokenizerP()
        with scoped(lowercase=_flag(do_lower_case), strip_accents=_flag(strip_accents),
                    chinese_chars=_flag(tokenize_chinese_chars)) as opts:
            check(lib.electra_tokenizer_load(os.fsencode(path), opts, byref(ptr)))
        self._own(HandleState("tokenizer", ptr, lib.electra_tokenizer_free))
        self._vocab = None

    @classmethod
    def from_pretrained(cls, path, **options):
        """The tokenizer of a model directory (or a vocab/tokenizer file)."""
        return cls(path, **options)

    @classmethod
    def _borrowed(cls, ptr, owner_state):
        """A view of a tokenizer owned by a model: never frees it, and
        stops working when the model is closed."""
        self = cls.__new__(cls)
        self._own(HandleState("tokenizer", ptr, None, parent=owner_state))
        self._vocab = None
        return self

    # -- vocabulary ------------------------------------------------------
    @property
    def vocab_size(self):
        with self._state as tok:
            return lib.electra_tokenizer_vocab_size(tok)

    def __len__(self):
        return self.vocab_size

    def _tokens(self):
        """Every token string by id, read once."""
        if self._vocab is None:
            with self._state as tok:
                self._vocab = [c_string(lib.electra_tokenizer_id_to_token(tok, i))
                               for i in range(lib.electra_tokenizer_vocab_size(tok))]
        return self._vocab

    def token_to_id(self, token):
        """The id of a token, None when it is not in the vocabulary."""
        t = Text(token, "token")
        with self._state as tok:
            i = lib.electra_tokenizer_token_to_id(tok, t.data, len(t.data))
        return None if i < 0 else i

    def id_to_token(self, id):
        """The token of an id, None when the id is out of range."""
        id = int(id)  # numpy integers too
        if not -(1 << 31) <= id < (1 << 31):
            return None
        with self._state as tok:
            return c_string(lib.electra_tokenizer_id_to_token(tok, id))

    def convert_tokens_to_ids(self, tokens):
        if isinstance(tokens, (str, bytes)):
            return self.token_to_id(tokens)
        return [self.token_to_id(t) for t in tokens]

    def convert_ids_to_tokens(self, ids):
        if isinstance(ids, numbers.Integral):
            return self.id_to_token(ids)
        return [self.id_to_token(i) for i in ids]

    def special_token_id(self, which):
        """The id of a SpecialToken (PAD, UNK, CLS, SEP, MASK), None when
        the vocabulary lacks it."""
        which = pick(SpecialToken, which, "special token")
        with self._state as tok:
            i = lib.electra_tokenizer_special_id(tok, which)
        return None if i < 0 else i

    pad_token_id = property(lambda self: self.special_token_id(SpecialToken.PAD))
    unk_token_id = property(lambda self: self.special_token_id(SpecialToken.UNK))
    cls_token_id = property(lambda self: self.special_token_id(SpecialToken.CLS))
    sep_token_id = property(lambda self: self.special_token_id(SpecialToken.SEP))
    mask_token_id = property(lambda self: self.special_token_id(SpecialToken.MASK))

    # -- encoding --------------------------------------------------------
    def _encode_options(self, add_special_tokens, max_length, truncation, stride,
                        return_overflowing_tokens, padding, pad_to_multiple_of):
        return scoped(add_special_tokens=_flag(add_special_tokens), max_length=max_length,
                      truncation=truncation_value(truncation) or None, stride=stride or None,
                      return_overflow=_flag(return_overflowing_tokens) or None,
                      padding=_padding_value(padding) or None,
                      pad_to_multiple_of=pad_to_multiple_of or None)

    def _encoding(self):
        return self._state.scratch("encoding", _new_encoding, lib.electra_encoding_free)

    def encode(self, text, pair=None, *, add_special_tokens=True, max_length=None,
               truncation=False, stride=0, return_overflowing_tokens=False, padding=False,
               pad_to_multiple_of=None, return_offsets=True):
        """Encode a text, or the pair (text, pair), into an Encoding.

        truncation: False, True ("longest_first"), "only_first" or
        "only_second", to max_length tokens; return_overflowing_tokens puts
        the rest in further windows (overlapping by stride) in
        ``.overflowing``; padding: False, True/"longest", "max_length".
        """
        t, p = Text(text, "text"), optional(pair, "pair")
        with self._encode_options(add_special_tokens, max_length, truncation, stride,
                                  return_overflowing_tokens, padding,
                                  pad_to_multiple_of) as opts, self._state as tok:
            enc = self._encoding()
            st = lib.electra_tokenizer_encode(tok, t.data, len(t.data), *c_args(p), opts, enc)
            check(st, lambda: c_string(lib.electra_encoding_last_error(enc)))
            rows = _read_rows(enc, [(t, p)], return_offsets, self._tokens())
        first = rows[0]
        first.overflowing = rows[1:]
        return first

    def encode_batch(self, texts, pairs=None, *, add_special_tokens=True, max_length=None,
                     truncation=False, stride=0, return_overflowing_tokens=False,
                     padding=False, pad_to_multiple_of=None, return_offsets=True,
                     return_tensors=None):
        """Encode a list of texts (and optionally a list of pairs, entries
        may be None) into a BatchEncoding; options as encode()."""
        if isinstance(texts, (str, bytes)) or not isinstance(texts, (list, tuple)):
            raise TypeError("texts must be a list of str or bytes, not %s"
                            % type(texts).__name__)
        ts = [Text(x, "texts[%d]" % i) for i, x in enumerate(texts)]
        if pairs is not None:
            if isinstance(pairs, (str, bytes)) or len(pairs) != len(ts):
                raise ValueError("pairs must be a list as long as texts (%d)" % len(ts))
            ps = [optional(x, "pairs[%d]" % i) for i, x in enumerate(pairs)]
        else:
            ps = [None] * len(ts)
        n = len(ts)
        c_texts = (c_char_p * max(n, 1))(*[t.data for t in ts])
        c_lens = (c_size_t * max(n, 1))(*[len(t.data) for t in ts])
        c_pairs = c_plens = None
        if pairs is not None:
            c_pairs = (c_char_p * max(n, 1))(*[c_args(p)[0] for p in ps])
            c_plens = (c_size_t * max(n, 1))(*[c_args(p)[1] for p in ps])
        with self._encode_options(add_special_tokens, max_length, truncation, stride,
                                  return_overflowing_tokens, padding,
                                  pad_to_multiple_of) as opts, self._state as tok:
            enc = self._encoding()
            st = lib.electra_tokenizer_encode_batch(tok, n, c_texts, c_lens, c_pairs, c_plens,
                                                    opts, enc)
            check(st, lambda: c_string(lib.electra_encoding_last_error(enc)))
            rows = _read_rows(enc, list(zip(ts, ps)), return_offsets, self._tokens())
        return BatchEncoding(rows, return_tensors)

    def __call__(self, text, pair=None, **options):
        """encode() for a str/bytes, encode_batch() for a list."""
        if isinstance(text, (list, tuple)):
            return self.encode_batch(text, pair, **options)
        if "return_tensors" in options:
            return self.encode_batch([text], None if pair is None else [pair], **options)
        return self.encode(text, pair, **options)

    def tokenize(self, text, pair=None):
        """The word pieces of text (then pair), without [CLS]/[SEP]."""
        return self.encode(text, pair, add_special_tokens=False, return_offsets=False).tokens

    # -- decoding --------------------------------------------------------
    def decode(self, ids, skip_special_tokens=False, clean_up_tokenization_spaces=True):
        """ids -> text, as BertTokenizer.decode."""
        n, ptr, keep = _arrays.int_vector(ids, "ids")
        if ptr is None:
            ptr = (c_int32 * 1)()
        size = 8 * n + 64  # most word pieces are shorter; the retry covers the rest
        length = c_size_t()
        with self._state as tok:
            for _ in range(2):  # the second try has the size the first asked for
                buf = create_string_buffer(size)
                st = lib.electra_tokenizer_decode(tok, ptr, n, int(bool(skip_special_tokens)),
                                                  int(bool(clean_up_tokenization_spaces)),
                                                  buf, size, byref(length))
                if st != 14:  # ELECTRA_ERR_BUFFER_TOO_SMALL
                    break
                size = length.value + 1
            check(st)
        return buf.raw[:length.value].decode("utf-8", "replace")

    def batch_decode(self, sequences, **options):
        return [self.decode(ids, **options) for ids in sequences]
