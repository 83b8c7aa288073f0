"""Models: the raw forward pass and the task heads."""

import numbers
import os
from ctypes import byref, c_char_p, c_size_t

from . import _arrays
from ._handles import HandleState, Resource
from ._library import ContextP, ModelP, ResultP, lib
from ._library import text as c_string
from ._text import Text, c_args, optional
from .constants import (Aggregation, ClassifyFunction, Head, Info, Kernels, Output, Precision,
                        WeightFormat, pick)
from .errors import check
from .options import scoped, truncation_value
from .tokenizer import Tokenizer, _flag, _padding_value

_INT_FACTS = (
    ("vocab_size", Info.VOCAB_SIZE), ("embedding_size", Info.EMBEDDING_SIZE),
    ("hidden_size", Info.HIDDEN_SIZE), ("num_hidden_layers", Info.NUM_LAYERS),
    ("num_attention_heads", Info.NUM_HEADS), ("intermediate_size", Info.INTERMEDIATE_SIZE),
    ("max_position_embeddings", Info.MAX_POSITIONS), ("type_vocab_size", Info.TYPE_VOCAB_SIZE),
    ("num_labels", Info.NUM_LABELS), ("parameters", Info.NUM_PARAMETERS),
)
_STRING_FACTS = (
    ("architecture", Info.ARCHITECTURE), ("hidden_act", Info.HIDDEN_ACT),
    ("weight_format", Info.WEIGHT_FORMAT), ("weight_dtype", Info.WEIGHT_DTYPE),
    ("problem_type", Info.PROBLEM_TYPE),
)


class ModelOutput(dict):
    """The outputs of a forward pass by name, also as attributes
    (out.logits), as transformers' ModelOutput."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class _Item:
    """One row of an electra_result (see the table in electra.h)."""

    __slots__ = ("group", "label", "text", "id", "start", "end", "score", "logit", "flag")


def _read_result(res):
    items = []
    for i in range(lib.electra_result_count(res)):
        it = _Item()
        it.group = lib.electra_result_group(res, i)
        it.label = c_string(lib.electra_result_label(res, i))
        it.text = c_string(lib.electra_result_text(res, i))
        it.id = lib.electra_result_id(res, i)
        it.start = lib.electra_result_start(res, i)
        it.end = lib.electra_result_end(res, i)
        it.score = lib.electra_result_score(res, i)
        it.logit = lib.electra_result_logit(res, i)
        it.flag = lib.electra_result_flag(res, i)
        items.append(it)
    return items


def _positive_int(value, name):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError("%s must be an int, not %s" % (name, type(value).__name__))
    return int(value)


class Model(Resource):
    """A Hugging Face ELECTRA model directory (config.json, weights,
    tokenizer files), loaded once and shareable by any number of threads.

    threads: worker threads per calling thread (each Python thread that
    uses the model gets its own electra_context with that many workers).
    weight_format: "auto", "safetensors" or "pytorch"; precision: "f32",
    "bf16" or "int8"; kernels: "auto" or "reference"; the tokenizer options
    as Tokenizer's.
    """

    def __init__(self, path, *, threads=1, weight_format="auto", precision="f32",
                 kernels="auto", do_lower_case=None, strip_accents=None,
                 tokenize_chinese_chars=None):
        self._threads = _positive_int(threads, "threads")
        if self._threads < 1:
            raise ValueError("threads must be at least 1, not %d" % self._threads)
        ptr = ModelP()
        with scoped(weight_format=pick(WeightFormat, weight_format, "weight_format") or None,
                    precision=pick(Precision, precision, "precision") or None,
                    kernels=pick(Kernels, kernels, "kernels") or None,
                    threads=self._threads if self._threads != 1 else None,
                    lowercase=_flag(do_lower_case), strip_accents=_flag(strip_accents),
                    chinese_chars=_flag(tokenize_chinese_chars)) as opts:
            check(lib.electra_model_load(os.fsencode(path), opts, byref(ptr)))
        self._own(HandleState("model", ptr, lib.electra_model_free))
        tok = lib.electra_model_tokenizer(ptr)
        self._tokenizer = Tokenizer._borrowed(tok, self._state) if tok else None
        self._head = Head(lib.electra_model_info(ptr, Info.HEAD))

    @classmethod
    def from_pretrained(cls, path, **options):
        return cls(path, **options)

    def close(self):
        if self._tokenizer is not None:
            self._tokenizer.close()
        super().close()

    # -- facts -----------------------------------------------------------
    @property
    def tokenizer(self):
        """The tokenizer of the model directory (None when it has none);
        valid while the model is open."""
        return self._tokenizer

    @property
    def head(self):
        """Which head the weights carry (a Head)."""
        return self._head

    def info_int(self, key):
        """An integer fact (electra_model_info): Info member or name."""
        with self._state as m:
            return lib.electra_model_info(m, pick(Info, key, "info key"))

    def info_string(self, key):
        """A string fact (electra_model_info_string)."""
        with self._state as m:
            return c_string(lib.electra_model_info_string(m, pick(Info, key, "info key")))

    @property
    def labels(self):
        """id2label names of a classification head, by class index."""
        out = []
        with self._state as m:
            while True:
                name = lib.electra_model_label(m, len(out))
                if name is None:
                    return out
                out.append(c_string(name))

    @property
    def info(self):
        """The facts `electra info --json` prints, as a dict."""
        d = {name: self.info_string(key) for name, key in _STRING_FACTS}
        d.update({name: self.info_int(key) for name, key in _INT_FACTS})
        if self._head in (Head.SEQUENCE_CLASSIFICATION, Head.TOKEN_CLASSIFICATION):
            d["labels"] = self.labels
        return d

    # -- per-thread contexts ---------------------------------------------
    def _context(self, hidden_states=False):
        """This thread's context (one keeping every layer's states apart
        from the plain one); call with the model acquired."""
        def create():
            ptr = ContextP()
            with scoped(threads=self._threads if self._threads != 1 else None,
                        output_hidden_states=1 if hidden_states else None) as opts:
                check(lib.electra_context_create(self._state.ptr, opts, byref(ptr)))
            return ptr
        return self._state.scratch("hidden" if hidden_states else "plain", create,
                                   lib.electra_context_free)

    # -- forward ---------------------------------------------------------
    def _outputs(self, ctx, hidden_states, as_numpy):
        if self._head == Head.QUESTION_ANSWERING:
            wanted = [("start_logits", Output.START_LOGITS), ("end_logits", Output.END_LOGITS)]
        elif self._head != Head.NONE:
            wanted = [("logits", Output.LOGITS)]
        else:
            wanted = []
        wanted.append(("last_hidden_state", Output.LAST_HIDDEN_STATE))
        if hidden_states:
            wanted.append(("hidden_states", Output.HIDDEN_STATES))
        wanted.append(("embedding_output", Output.EMBEDDING_OUTPUT))
        out = ModelOutput()
        for name, which in wanted:
            shape, ndim = (c_size_t * 4)(), c_size_t()
            check(lib.electra_output_shape(ctx, which, shape, byref(ndim)))

            def fill(ptr, count, which=which):
                check(lib.electra_output_copy(ctx, which, ptr, count))
            out[name] = _arrays.float_array(tuple(shape[:ndim.value]), fill, as_numpy)
        return out

    def forward(self, input_ids, attention_mask=None, token_type_ids=None, *,
                output_hidden_states=False, as_numpy=None):
        """Run the model on (batch, seq) token ids (a 1-D sequence is one
        row). attention_mask defaults to all ones, token_type_ids to zeros.

        Returns a ModelOutput with, by head, "logits" (or "start_logits" and
        "end_logits"), then "last_hidden_state", "hidden_states" when asked
        for (one array of shape (layers + 1, batch, seq, hidden)) and
        "embedding_output". Arrays are numpy float32 when numpy is
        importable (as_numpy=None), else nested lists.
        """
        ids = _arrays.int_matrix(input_ids, "input_ids")
        shape = (ids.rows, ids.cols)
        mask = None if attention_mask is None else _arrays.int_matrix(
            attention_mask, "attention_mask", shape, allow_bool=True)
        types = None if token_type_ids is None else _arrays.int_matrix(
            token_type_ids, "token_type_ids", shape)
        with self._state:
            ctx = self._context(bool(output_hidden_states))
            st = lib.electra_forward(ctx, ids.rows, ids.cols, ids.ptr,
                                     mask.ptr if mask else None, types.ptr if types else None)
            check(st, lambda: c_string(lib.electra_context_last_error(ctx)))
            return self._outputs(ctx, output_hidden_states, as_numpy)

    __call__ = forward

    def forward_text(self, texts, pairs=None, *, padding=True, truncation=False,
                     max_length=None, output_hidden_states=False, as_numpy=None):
        """Tokenize with the model's tokenizer and run the model on the
        result without copying the ids through Python
        (electra_forward_encoding). texts: a str/bytes or a list of them."""
        if self._tokenizer is None:
            raise ValueError("this model directory has no tokenizer")
        if isinstance(texts, (str, bytes)):
            texts = [texts]
            pairs = None if pairs is None else [pairs]
        tok = self._tokenizer
        n = len(texts)
        ts = [Text(x, "texts[%d]" % i) for i, x in enumerate(texts)]
        ps = None if pairs is None else [optional(x, "pairs") for x in pairs]
        if ps is not None and len(ps) != n:
            raise ValueError("pairs must be a list as long as texts (%d)" % n)
        c_texts = (c_char_p * max(n, 1))(*[t.data for t in ts])
        c_lens = (c_size_t * max(n, 1))(*[len(t.data) for t in ts])
        c_pairs = c_plens = None
        if ps is not None:
            c_pairs = (c_char_p * max(n, 1))(*[c_args(p)[0] for p in ps])
            c_plens = (c_size_t * max(n, 1))(*[c_args(p)[1] for p in ps])
        with scoped(padding=_padding_value(padding) or None,
                    truncation=truncation_value(truncation) or None,
                    max_length=max_length) as opts, tok._state as t, self._state:
            enc = tok._encoding()
            st = lib.electra_tokenizer_encode_batch(t, n, c_texts, c_lens, c_pairs, c_plens,
                                                    opts, enc)
            check(st, lambda: c_string(lib.electra_encoding_last_error(enc)))
            ctx = self._context(bool(output_hidden_states))
            check(lib.electra_forward_encoding(ctx, enc),
                  lambda: c_string(lib.electra_context_last_error(ctx)))
            return self._outputs(ctx, output_hidden_states, as_numpy)

    # -- tasks -----------------------------------------------------------
    def _task(self, fn, args, options):
        with scoped(**options) as opts, self._state:
            ctx = self._context()
            res = ResultP()
            st = fn(ctx, *args, opts, byref(res))
            check(st, lambda: c_string(lib.electra_context_last_error(ctx)))
            try:
                return _read_result(res)
            finally:
                lib.electra_result_free(res)

    def fill_mask(self, text, top_k=5, targets=None, *, truncation=False):
        """The top_k tokens for each [MASK] of text (a generator,
        ElectraForMaskedLM), best first: dicts with "token", "token_id",
        "score", "sequence" (the text filled in), "start"/"end" (the mask's
        span). One list for one mask, a list of lists for several, as
        transformers' fill-mask pipeline. targets restricts the candidates
        to these words (each word's first word piece)."""
        t = Text(text)
        c_targets, n_targets = None, 0
        if targets is not None:
            if isinstance(targets, (str, bytes)):
                targets = [targets]
            data = [Text(x, "targets[%d]" % i).data for i, x in enumerate(targets)]
            if any(b"\0" in d for d in data):
                raise ValueError("a target contains a NUL character")
            n_targets = len(data)
            c_targets = (c_char_p * max(n_targets, 1))(*data)
        items = self._task(lib.electra_fill_mask, (t.data, len(t.data), c_targets, n_targets),
                           {"top_k": _positive_int(top_k, "top_k"),
                            "truncation": truncation_value(truncation) or None})
        groups = []
        for it in items:
            while len(groups) <= it.group:
                groups.append([])
            groups[it.group].append({"token": it.label, "token_id": it.id, "score": it.score,
                                     "sequence": it.text, "start": t.offset(it.start),
                                     "end": t.offset(it.end)})
        return groups[0] if len(groups) == 1 else groups

    def detect(self, text, threshold=0.5, *, truncation=False):
        """Replaced-token detection (a discriminator, ElectraForPreTraining):
        {"tokens": [{"token", "start", "end", "logit", "probability",
        "replaced"}], "words": [{"word", "start", "end", "probability",
        "replaced"}]} in text order, as `electra detect --json`."""
        t = Text(text)
        items = self._task(lib.electra_detect, (t.data, len(t.data)),
                           {"threshold": float(threshold),
                            "truncation": truncation_value(truncation) or None})
        out = {"tokens": [], "words": []}
        for it in items:
            d = {"word" if it.group else "token": it.label,
                 "start": t.offset(it.start), "end": t.offset(it.end)}
            if not it.group:
                d["logit"] = it.logit
            d["probability"] = it.score
            d["replaced"] = bool(it.flag)
            out["words" if it.group else "tokens"].append(d)
        return out

    def classify(self, text, pair=None, *, function_to_apply=None, truncation=False):
        """Sequence classification of text (or the pair): every label as
        {"label", "score"}, best first. function_to_apply: None (sigmoid
        for multi-label models, else softmax), "softmax", "sigmoid" or
        "none" (raw logits)."""
        t, p = Text(text), optional(pair, "pair")
        fn = None if function_to_apply is None else pick(
            ClassifyFunction, function_to_apply, "function_to_apply")
        items = self._task(lib.electra_classify, (t.data, len(t.data)) + c_args(p),
                           {"classify_function": fn or None,
                            "truncation": truncation_value(truncation) or None})
        return [{"label": it.label, "score": it.score} for it in items]

    def tag(self, text, aggregation="simple", *, truncation=False):
        """Token classification (named entities...), as transformers'
        token-classification pipeline: with aggregation "none" one dict per
        token {"entity", "score", "index", "word", "start", "end"}; else
        ("simple", "first", "average", "max") grouped entities
        {"entity_group", "score", "word", "start", "end"}."""
        t = Text(text)
        agg = pick(Aggregation, aggregation, "aggregation")
        items = self._task(lib.electra_tag, (t.data, len(t.data)),
                           {"aggregation": int(agg),
                            "truncation": truncation_value(truncation) or None})
        out = []
        for it in items:
            if agg == Aggregation.NONE:
                d = {"entity": it.label, "score": it.score, "index": it.flag}
            else:
                d = {"entity_group": it.label, "score": it.score}
            d.update(word=it.text, start=t.offset(it.start), end=t.offset(it.end))
            out.append(d)
        return out

    def answer(self, question, context, top_k=1, *, max_answer_length=15, doc_stride=128,
               allow_no_answer=False):
        """Extractive question answering: the top_k spans of context as
        {"answer", "score", "start", "end"}, best first (a list even for
        top_k=1). With allow_no_answer an entry may be the empty answer."""
        q, c = Text(question, "question"), Text(context, "context")
        items = self._task(lib.electra_answer, (q.data, len(q.data), c.data, len(c.data)),
                           {"top_k": _positive_int(top_k, "top_k"),
                            "max_answer_length": _positive_int(max_answer_length,
                                                               "max_answer_length"),
                            "doc_stride": _positive_int(doc_stride, "doc_stride"),
                            "allow_no_answer": int(bool(allow_no_answer))})
        return [{"answer": it.text if not it.flag else "", "score": it.score,
                 "start": c.offset(it.start), "end": c.offset(it.end)} for it in items]
