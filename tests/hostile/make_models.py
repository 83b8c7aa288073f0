#!/usr/bin/env python3
"""Writes the crafted model directories and tokenizer files of the hostile
set (run by hand at development time; the outputs are committed, so CI
needs no Python):

  tests/hostile/models/<case>.model/      loaded with electra_model_load
  tests/hostile/tokenizers/<case>.txt     vocab.txt files, electra_tokenizer_load
  tests/hostile/tokenizers/<case>.tokenizer.json
  tests/hostile/tokenizers/<case>.tokenizer/   tokenizer directories

and rewrites their lines ("models/..." and "tokenizers/...") in
tests/hostile/MANIFEST, keeping every other line. Each case has one flaw;
weight files are those of a micro model (vocabulary 8, width 4, one layer)
written byte by byte with tests/hostile/make_weights.py's helpers.

Usage: python3 tests/hostile/make_models.py
"""
import json
import os
import shutil
import struct

import make_weights as mw

HERE = os.path.dirname(os.path.abspath(__file__))
MANIFEST = os.path.join(HERE, "MANIFEST")
AREAS = ("models/", "tokenizers/")

CASES = []  # (manifest path, status, message part)

# ---------------------------------------------------------------- the micro model

VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "fox", "##s"]
V, E, H, LAYERS, I, P, T = len(VOCAB), 4, 4, 1, 8, 8, 2
HEADS = {
    "ElectraModel": 0, "ElectraForMaskedLM": 1, "ElectraForPreTraining": 2,
    "ElectraForSequenceClassification": 3, "ElectraForTokenClassification": 4,
    "ElectraForQuestionAnswering": 5,
}


def config(arch="ElectraForMaskedLM", **over):
    c = {"architectures": [arch], "model_type": "electra", "vocab_size": V,
         "embedding_size": E, "hidden_size": H, "num_hidden_layers": LAYERS,
         "num_attention_heads": 1, "intermediate_size": I, "max_position_embeddings": P,
         "type_vocab_size": T, "hidden_act": "gelu", "layer_norm_eps": 1e-12,
         "pad_token_id": 0}
    for k, v in over.items():
        if v is None:
            c.pop(k, None)
        else:
            c[k] = v
    return json.dumps(c, indent=2)


def tensors(arch="ElectraForMaskedLM", labels=2):
    """name -> (shape, values) of the micro model, deterministic values."""
    out = {}
    seed = [12345]

    def val():
        seed[0] = (seed[0] * 1103515245 + 12345) % 2**31
        return (seed[0] / 2**31 - 0.5) * 0.5

    def add(name, *shape, gain=False):
        n = 1
        for d in shape:
            n *= d
        out[name] = (list(shape), [(1.0 if gain else 0.0) + val() for _ in range(n)])

    p = "" if arch == "ElectraModel" else "electra."
    add(p + "embeddings.word_embeddings.weight", V, E)
    add(p + "embeddings.position_embeddings.weight", P, E)
    add(p + "embeddings.token_type_embeddings.weight", T, E)
    add(p + "embeddings.LayerNorm.weight", E, gain=True)
    add(p + "embeddings.LayerNorm.bias", E)
    for l in range(LAYERS):
        q = "%sencoder.layer.%d." % (p, l)
        for lin, i_, o_ in [("attention.self.query", H, H), ("attention.self.key", H, H),
                            ("attention.self.value", H, H), ("attention.output.dense", H, H),
                            ("intermediate.dense", H, I), ("output.dense", I, H)]:
            add(q + lin + ".weight", o_, i_)
            add(q + lin + ".bias", o_)
        for ln in ["attention.output.LayerNorm", "output.LayerNorm"]:
            add(q + ln + ".weight", H, gain=True)
            add(q + ln + ".bias", H)
    if arch == "ElectraForMaskedLM":
        add("generator_predictions.dense.weight", E, H)
        add("generator_predictions.dense.bias", E)
        add("generator_predictions.LayerNorm.weight", E, gain=True)
        add("generator_predictions.LayerNorm.bias", E)
        add("generator_lm_head.bias", V)
    elif arch == "ElectraForPreTraining":
        add("discriminator_predictions.dense.weight", H, H)
        add("discriminator_predictions.dense.bias", H)
        add("discriminator_predictions.dense_prediction.weight", 1, H)
        add("discriminator_predictions.dense_prediction.bias", 1)
    elif arch == "ElectraForQuestionAnswering":
        add("qa_outputs.weight", labels, H)
        add("qa_outputs.bias", labels)
    return out


def safetensors_of(ts, dtypes=None):
    """ts: name -> (shape, values) [or (shape, raw bytes, dtype)]."""
    header, data = {}, b""
    for name in sorted(ts):
        shape, values = ts[name][:2]
        dtype = (dtypes or {}).get(name, "F32")
        raw = values if isinstance(values, bytes) else mw.f32(values)
        if dtype == "I64" and not isinstance(values, bytes):
            raw = struct.pack("<%dq" % len(values), *[int(v * 100) for v in values])
        header[name] = mw.st_entry(dtype, shape, len(data), len(data) + len(raw))
        data += raw
    header["__metadata__"] = {"format": "pt"}
    return mw.safetensors(header, data)


def vocab_txt(tokens=VOCAB):
    return ("\n".join(tokens) + "\n").encode()


# ---------------------------------------------------------------- writers

OUT = {}  # relative path -> bytes (or None for a directory)


def model(name, status, message, files):
    """files: file name -> bytes/str (None: make it a directory)."""
    rel = "models/%s.model/" % name
    OUT[rel] = None
    for f, data in files.items():
        OUT[rel + f] = data.encode() if isinstance(data, str) else data
    CASES.append((rel, status, message))


def tokenizer_file(name, status, message, data):
    rel = "tokenizers/" + name
    OUT[rel] = data.encode() if isinstance(data, str) else data
    CASES.append((rel, status, message))


def tokenizer_dir(name, status, message, files):
    rel = "tokenizers/%s.tokenizer/" % name
    OUT[rel] = None
    for f, data in files.items():
        OUT[rel + f] = data.encode() if isinstance(data, str) else data
    CASES.append((rel, status, message))


def weights_ok(arch="ElectraForMaskedLM"):
    return safetensors_of(tensors(arch))


# ---------------------------------------------------------------- config.json


def config_cases():
    W = weights_ok()
    cfg = json.loads(config())

    def patched(**kw):
        return config(**kw)

    C = "ELECTRA_ERR_CONFIG"
    model("config_missing", "ELECTRA_ERR_IO", "config.json: No such file",
          {"model.safetensors": W, "vocab.txt": vocab_txt()})
    model("config_is_directory", "ELECTRA_ERR_IO", "config.json is not a regular file",
          {"config.json/x": "{}", "model.safetensors": W})
    model("config_empty", C, "config.json is not valid JSON", {"config.json": ""})
    model("config_truncated", C, "config.json is not valid JSON",
          {"config.json": config()[:40]})
    model("config_not_object", C, "config.json is not a JSON object",
          {"config.json": "[1, 2, 3]"})
    model("config_string_root", C, "config.json is not a JSON object",
          {"config.json": "\"electra\""})
    # cJSON skips NUL bytes like spaces: this one stands for the colon.
    model("config_nul_byte", C, "config.json is not valid JSON",
          {"config.json": config().replace('"model_type":', '"model_type"\0', 1)})
    # cJSON takes raw control bytes inside strings: the name ends at the NUL.
    model("config_nul_in_string", "ELECTRA_ERR_UNSUPPORTED", "architecture El is not supported",
          {"config.json": config()[:30] + "\0" + config()[30:]})
    model("config_layers_1e12", C, "num_hidden_layers = 1000000000000 is outside [1, 256]",
          {"config.json": patched(num_hidden_layers=10**12), "model.safetensors": W})
    model("config_hidden_1e9", C, "hidden_size = 1000000000 is outside [1, 65536]",
          {"config.json": patched(hidden_size=10**9), "model.safetensors": W})
    model("config_vocab_1e12", C, "vocab_size = 1000000000000 is outside [1, 4000000]",
          {"config.json": patched(vocab_size=10**12), "model.safetensors": W})
    model("config_positions_2e9", C, "max_position_embeddings = 2000000000 is outside",
          {"config.json": patched(max_position_embeddings=2 * 10**9)})
    model("config_intermediate_negative", C, "intermediate_size = -1 is outside",
          {"config.json": patched(intermediate_size=-1)})
    model("config_zero_heads", C, "num_attention_heads = 0 is outside",
          {"config.json": patched(num_attention_heads=0)})
    model("config_huge_float", C, "hidden_size = 1.0000000000000001e+300 is outside",
          {"config.json": patched(hidden_size=1e300)})
    model("config_labels_1e9", C, "num_labels = 1000000000 is outside [1, 100000]",
          {"config.json": patched(num_labels=10**9)})
    model("config_size_string", C, "hidden_size must be an integer",
          {"config.json": patched(hidden_size="4")})
    model("config_size_float", C, "hidden_size must be an integer",
          {"config.json": patched(hidden_size=4.5)})
    model("config_size_bool", C, "vocab_size must be an integer",
          {"config.json": patched(vocab_size=True)})
    model("config_size_nested", C, "num_hidden_layers must be an integer",
          {"config.json": patched(num_hidden_layers={"value": 1})})
    model("config_size_list", C, "embedding_size must be an integer",
          {"config.json": patched(embedding_size=[4])})
    model("config_heads_not_divisor", C,
          "hidden_size 4 is not a multiple of num_attention_heads 3",
          {"config.json": patched(num_attention_heads=3)})
    model("config_pad_past_vocab", C, "pad_token_id 8 >= vocab_size 8",
          {"config.json": patched(pad_token_id=8)})
    model("config_pad_negative", C, "pad_token_id = -1 is outside",
          {"config.json": patched(pad_token_id=-1)})
    model("config_eps_negative", C, "layer_norm_eps must be in [0, 1)",
          {"config.json": patched(layer_norm_eps=-1e-12)})
    model("config_eps_string", C, "layer_norm_eps must be in [0, 1)",
          {"config.json": patched(layer_norm_eps="1e-12")})
    model("config_act_unknown", "ELECTRA_ERR_UNSUPPORTED", "hidden_act \"tanh\" is not supported",
          {"config.json": patched(hidden_act="tanh")})
    model("config_act_number", C, "hidden_act must be a string",
          {"config.json": patched(hidden_act=3)})
    model("config_act_long", C, "hidden_act is too long",
          {"config.json": patched(hidden_act="g" * 5000)})
    model("config_architectures_string", C, "architectures must be a list of strings",
          {"config.json": patched(architectures="ElectraForMaskedLM")})
    model("config_architectures_numbers", C, "architectures must be a list of strings",
          {"config.json": patched(architectures=[1])})
    model("config_architecture_bert", "ELECTRA_ERR_UNSUPPORTED",
          "architecture BertForMaskedLM is not supported",
          {"config.json": patched(architectures=["BertForMaskedLM"])})
    model("config_architecture_long", C, "architecture name too long",
          {"config.json": patched(architectures=["E" * 100000])})
    model("config_model_type_bert", "ELECTRA_ERR_UNSUPPORTED",
          "model_type is \"bert\", not electra", {"config.json": patched(model_type="bert")})
    model("config_relative_positions", "ELECTRA_ERR_UNSUPPORTED",
          "position_embedding_type \"relative_key\" is not supported",
          {"config.json": patched(position_embedding_type="relative_key")})
    model("config_id2label_list", C, "id2label must be an object",
          {"config.json": patched(id2label=["A", "B"])})
    model("config_id2label_empty", C, "id2label has 0 entries",
          {"config.json": patched(id2label={})})
    model("config_id2label_bad_key", C, "id2label entry \"x\" is not id -> name",
          {"config.json": patched(id2label={"0": "A", "x": "B"})})
    model("config_id2label_gap", C, "id2label entry \"2\" is not id -> name",
          {"config.json": patched(id2label={"0": "A", "2": "B"}, num_labels=None)})
    model("config_id2label_number", C, "id2label entry \"1\" is not id -> name",
          {"config.json": patched(id2label={"0": "A", "1": 7}, num_labels=None)})
    model("config_id2label_repeated", C, "id2label repeats id 0",
          {"config.json": patched(id2label={"0": "A", "00": "B"}, num_labels=None)})
    model("config_num_labels_disagree", C, "num_labels 3 disagrees with id2label's 2 entries",
          {"config.json": patched(num_labels=3, id2label={"0": "A", "1": "B"})})
    model("config_problem_type_number", C, "problem_type must be a string",
          {"config.json": patched(problem_type=1)})
    deep = "[" * 100000 + "]" * 100000
    model("config_deep_nesting", C, "config.json is not valid JSON", {"config.json": deep})
    model("config_deep_value", C, "config.json is not valid JSON",
          {"config.json": "{\"hidden_size\": " + deep + "}"})
    # A huge but harmless document: every field takes its default, and the
    # defaults do not match the micro weights.
    big = "{\"padding\": [" + ",".join(["0"] * 60000) + "]}"
    model("config_huge_array_defaults", "ELECTRA_ERR_SHAPE",
          "embeddings.word_embeddings.weight has shape (8, 4) but the config needs (30522, 128)",
          {"config.json": big, "model.safetensors": W})
    model("config_wrong_nesting", "ELECTRA_ERR_SHAPE",
          "embeddings.word_embeddings.weight has shape (8, 4) but the config needs (30522, 128)",
          {"config.json": json.dumps({"config": cfg}), "model.safetensors": W})
    model("config_missing_sizes", "ELECTRA_ERR_SHAPE",
          "config needs (30522, 128)",
          {"config.json": patched(vocab_size=None, embedding_size=None),
           "model.safetensors": W})
    model("config_qa_three_labels", C, "question answering needs num_labels 2, not 3",
          {"config.json": patched(architectures=["ElectraForQuestionAnswering"], num_labels=3),
           "model.safetensors": safetensors_of(tensors("ElectraForQuestionAnswering", 3))})


# ---------------------------------------------------------------- weights


def weight_cases():
    cfg = config()
    ts = tensors()
    W = safetensors_of(ts)
    word = "electra.embeddings.word_embeddings.weight"

    def with_tensors(**changes):
        t = dict(ts)
        for k, v in changes.items():
            k = k.replace("__", ".")
            if v is None:
                t.pop(k)
            else:
                t[k] = v
        return t

    model("weights_absent", "ELECTRA_ERR_IO", "has no weights (model.safetensors, its index, "
          "or pytorch_model.bin)", {"config.json": cfg, "vocab.txt": vocab_txt()})
    model("weights_empty_file", "ELECTRA_ERR_FORMAT", "too short for a safetensors file",
          {"config.json": cfg, "model.safetensors": b""})
    model("weights_truncated", "ELECTRA_ERR_FORMAT", "of a 552-byte data section (file truncated?)",
          {"config.json": cfg, "model.safetensors": W[:len(W) - 600]})
    model("weights_not_safetensors", "ELECTRA_ERR_FORMAT", "past the end",
          {"config.json": cfg, "model.safetensors": b"PK\x03\x04 not really a zip" * 4})
    model("weights_missing_tensor", "ELECTRA_ERR_MISSING_TENSOR",
          "weights lack tensor electra.encoder.layer.0.output.dense.bias",
          {"config.json": cfg, "model.safetensors": safetensors_of(
              {k: v for k, v in ts.items() if k != "electra.encoder.layer.0.output.dense.bias"})})
    extra = dict(ts)
    extra["electra.encoder.layer.1.output.dense.bias"] = ([H], [0.0] * H)
    model("weights_extra_tensor", "ELECTRA_ERR_UNEXPECTED_TENSOR",
          "weights have tensor electra.encoder.layer.1.output.dense.bias",
          {"config.json": cfg, "model.safetensors": safetensors_of(extra)})
    model("weights_wider_than_config", "ELECTRA_ERR_SHAPE",
          "has shape (8, 4) but the config needs (8, 6)",
          {"config.json": config(embedding_size=6), "model.safetensors": W})
    model("weights_more_layers_in_config", "ELECTRA_ERR_MISSING_TENSOR",
          "weights lack tensor electra.encoder.layer.1.attention.self.query.weight",
          {"config.json": config(num_hidden_layers=2), "model.safetensors": W})
    model("weights_vocab_mismatch", "ELECTRA_ERR_SHAPE",
          "%s has shape (8, 4) but the config needs (9, 4)" % word,
          {"config.json": config(vocab_size=9), "model.safetensors": W})
    one_d = dict(ts)
    one_d[word] = ([V * E], ts[word][1])
    model("weights_flattened", "ELECTRA_ERR_SHAPE",
          "%s has shape (32) but the config needs (8, 4)" % word,
          {"config.json": cfg, "model.safetensors": safetensors_of(one_d)})
    three_d = dict(ts)
    three_d[word] = ([V, E, 1], ts[word][1])
    model("weights_extra_dimension", "ELECTRA_ERR_SHAPE",
          "%s has shape (8, 4, 1) but the config needs (8, 4)" % word,
          {"config.json": cfg, "model.safetensors": safetensors_of(three_d)})
    model("weights_int64", "ELECTRA_ERR_UNSUPPORTED",
          "%s has dtype I64; a float type is needed" % word,
          {"config.json": cfg, "model.safetensors": safetensors_of(ts, {word: "I64"})})
    # Shapes whose products overflow 64 bits (and size_t): refused by the
    # parser before anything is sized from them.
    model("weights_shape_overflow", "ELECTRA_ERR_FORMAT", "shape product overflows",
          {"config.json": cfg, "model.safetensors": mw.safetensors(
              {word: mw.st_entry("F32", [2**32, 2**32, 2**8], 0, 128)}, b"\0" * 128)})
    model("weights_bytes_overflow", "ELECTRA_ERR_FORMAT", "shape product overflows",
          {"config.json": cfg, "model.safetensors": mw.safetensors(
              {word: mw.st_entry("F32", [2**31, 2**31, 4], 0, 128)}, b"\0" * 128)})
    model("weights_huge_claimed", "ELECTRA_ERR_FORMAT",
          "ends at byte 1099511627776 of a 128-byte data section",
          {"config.json": cfg, "model.safetensors": mw.safetensors(
              {word: mw.st_entry("F32", [2**18, 2**20], 0, 2**40)}, b"\0" * 128)})
    model("weights_head_mismatch", "ELECTRA_ERR_MISSING_TENSOR",
          "weights lack tensor discriminator_predictions.dense.weight",
          {"config.json": config("ElectraForPreTraining"), "model.safetensors": W})
    # pytorch_model.bin with a size product past int64: the pickle's
    # tensor is refused before any copy is sized from it.
    big = mw.state_dict([(word, mw.tensor("FloatStorage", "0", 4, 0, [2**40, 2**40], [2**40, 1]))])
    model("weights_bin_size_overflow", "ELECTRA_ERR_FORMAT", "tensor %s" % word,
          {"config.json": cfg, "pytorch_model.bin": mw.torch_zip(big, [("0", mw.f32([0] * 4))])})
    # Shard indexes that try to leave the directory.
    for name, target in [("index_parent_dir", "../model.safetensors"),
                         ("index_absolute", "/etc/passwd"),
                         ("index_subdir", "shards/model.safetensors"),
                         ("index_dotdot", "..")]:
        model(name, "ELECTRA_ERR_FORMAT", "is not a shard file name",
              {"config.json": cfg, "model.safetensors.index.json": json.dumps(
                  {"metadata": {}, "weight_map": {word: target}}),
               "shards/model.safetensors": W})
    model("index_missing_shard", "ELECTRA_ERR_IO", "model-00002-of-00002.safetensors",
          {"config.json": cfg, "model.safetensors.index.json": json.dumps(
              {"weight_map": {word: "model-00002-of-00002.safetensors"}})})
    model("index_not_json", "ELECTRA_ERR_FORMAT", "not valid JSON",
          {"config.json": cfg, "model.safetensors.index.json": "{\"weight_map\": "})
    model("index_map_list", "ELECTRA_ERR_FORMAT", "no weight_map object",
          {"config.json": cfg, "model.safetensors.index.json": json.dumps(
              {"weight_map": ["model.safetensors"]})})
    model("index_tensor_elsewhere", "ELECTRA_ERR_MISSING_TENSOR",
          "tensor electra.extra is not in shard model-a.safetensors",
          {"config.json": cfg, "model-a.safetensors": W,
           "model.safetensors.index.json": json.dumps(
               {"weight_map": {word: "model-a.safetensors", "electra.extra": "model-a.safetensors"}})})
    model("index_self", "ELECTRA_ERR_FORMAT", "header length",
          {"config.json": cfg, "model.safetensors.index.json": json.dumps(
              {"weight_map": {word: "model.safetensors.index.json"}})})


# ---------------------------------------------------------------- tokenizers


def tokenizer_json(vocab=None, **over):
    vocab = {t: i for i, t in enumerate(VOCAB)} if vocab is None else vocab
    doc = {
        "version": "1.0",
        "added_tokens": [{"id": i, "content": t, "special": True, "single_word": False,
                          "lstrip": False, "rstrip": False, "normalized": False}
                         for i, t in enumerate(VOCAB[:5])],
        "normalizer": {"type": "BertNormalizer", "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {"type": "BertProcessing", "cls": ["[CLS]", 2], "sep": ["[SEP]", 3]},
        "decoder": {"type": "WordPiece", "prefix": "##"},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": vocab},
    }
    for path, value in over.items():
        node, keys = doc, path.split("__")
        for k in keys[:-1]:
            node = node[k]
        node[keys[-1]] = value
    return json.dumps(doc)


def tokenizer_cases():
    F, U = "ELECTRA_ERR_FORMAT", "ELECTRA_ERR_UNSUPPORTED"
    good = vocab_txt()
    tokenizer_file("vocab_invalid_utf8.txt", F, "line 7: invalid UTF-8 at byte",
                   vocab_txt(VOCAB[:6]) + b"f\xc3\x28x\n" + b"dog\n")
    tokenizer_file("vocab_overlong_utf8.txt", F, "line 6: invalid UTF-8",
                   vocab_txt(VOCAB[:5]) + b"\xc0\xaf\n")
    tokenizer_file("vocab_surrogate.txt", F, "line 1: invalid UTF-8", b"\xed\xa0\x80\n" + good)
    tokenizer_file("vocab_truncated_utf8.txt", F, "line 9: invalid UTF-8", good + b"\xe4\xb8")
    tokenizer_file("vocab_empty.txt", F, "the vocabulary is empty", b"")
    tokenizer_file("vocab_only_newlines.txt", F, "the vocabulary has no unknown token [UNK]",
                   b"\n\n\n")
    tokenizer_file("vocab_no_specials.txt", F, "the vocabulary has no unknown token [UNK]",
                   vocab_txt(VOCAB[5:]))
    tokenizer_file("vocab_latin1.txt", F, "invalid UTF-8", "caf\u00e9\n".encode("latin-1"))
    tokenizer_file("absent_vocab.txt", "ELECTRA_ERR_IO", "No such file", None)
    T = "tokenizer.json"
    tokenizer_file("tj_not_json.tokenizer.json", F, "not valid JSON", "{\"model\": ")
    tokenizer_file("tj_empty.tokenizer.json", F, "not valid JSON", "")
    tokenizer_file("tj_root_array.tokenizer.json", F, "the top level is not a JSON object", "[]")
    tokenizer_file("tj_no_model.tokenizer.json", F, "no \"model\" object", "{}")
    tokenizer_file("tj_model_string.tokenizer.json", F, "no \"model\" object",
                   tokenizer_json(model="WordPiece"))
    tokenizer_file("tj_bpe.tokenizer.json", U, "model type \"BPE\": only WordPiece is supported",
                   tokenizer_json(model__type="BPE"))
    tokenizer_file("tj_unigram.tokenizer.json", U, "model type \"Unigram\"",
                   tokenizer_json(model__type="Unigram"))
    tokenizer_file("tj_model_type_number.tokenizer.json", F, "model.type must be a string",
                   tokenizer_json(model__type=1))
    tokenizer_file("tj_vocab_list.tokenizer.json", F, "model.vocab must be an object token -> id",
                   tokenizer_json(vocab=VOCAB))
    tokenizer_file("tj_vocab_absent.tokenizer.json", F, "model.vocab must be an object",
                   tokenizer_json(model={"type": "WordPiece"}))
    tokenizer_file("tj_id_string.tokenizer.json", F, "model.vocab[\"the\"] must be a non-negative",
                   tokenizer_json(vocab={"[PAD]": 0, "the": "1"}))
    tokenizer_file("tj_id_negative.tokenizer.json", F, "model.vocab[\"the\"] must be a non-negative",
                   tokenizer_json(vocab={"[PAD]": 0, "the": -1}))
    tokenizer_file("tj_id_fraction.tokenizer.json", F, "must be a non-negative integer id",
                   tokenizer_json(vocab={"[PAD]": 0, "the": 1.5}))
    tokenizer_file("tj_id_huge.tokenizer.json", F, "must be a non-negative integer id",
                   tokenizer_json(vocab={"[PAD]": 0, "the": 1e12}))
    # Ids far past the number of tokens would size the id table from the
    # file's numbers, not its size: refused (also with added_tokens).
    tokenizer_file("tj_id_sparse.tokenizer.json", F, "token id 2147483647 is far beyond the 2 tokens",
                   tokenizer_json(vocab={"[PAD]": 0, "the": 2147483647}, added_tokens=[]))
    tokenizer_file("tj_id_sparse_added.tokenizer.json", F,
                   "token id 2147483647 is far beyond the 2 tokens",
                   tokenizer_json(vocab={"[PAD]": 0, "the": 2147483647}))
    tokenizer_file("tj_added_id_sparse.tokenizer.json", F, "far beyond",
                   tokenizer_json(added_tokens=[{"id": 2000000000, "content": "<x>"}]))
    tokenizer_file("tj_duplicate_ids.tokenizer.json", F, "id 1 is given to two tokens",
                   tokenizer_json(vocab={"[PAD]": 0, "the": 1, "fox": 1}, added_tokens=[]))
    tokenizer_file("tj_normalizer_lowercase.tokenizer.json", U,
                   "normalizer type \"Lowercase\": only BertNormalizer is supported",
                   tokenizer_json(normalizer={"type": "Lowercase"}))
    tokenizer_file("tj_normalizer_list.tokenizer.json", F, "\"normalizer\" must be an object",
                   tokenizer_json(normalizer=["BertNormalizer"]))
    tokenizer_file("tj_lowercase_string.tokenizer.json", F, "\"lowercase\" must be true or false",
                   tokenizer_json(normalizer={"type": "BertNormalizer", "lowercase": "yes"}))
    tokenizer_file("tj_pre_tokenizer_null.tokenizer.json", U, "\"pre_tokenizer\" is null",
                   tokenizer_json(pre_tokenizer=None))
    tokenizer_file("tj_pre_tokenizer_whitespace.tokenizer.json", U,
                   "pre_tokenizer type \"Whitespace\"",
                   tokenizer_json(pre_tokenizer={"type": "Whitespace"}))
    tokenizer_file("tj_post_processor_roberta.tokenizer.json", U,
                   "post_processor type \"RobertaProcessing\"",
                   tokenizer_json(post_processor={"type": "RobertaProcessing"}))
    tokenizer_file("tj_post_processor_untyped.tokenizer.json", F,
                   "post_processor must be an object with a type",
                   tokenizer_json(post_processor={"cls": ["[CLS]", 2]}))
    tokenizer_file("tj_template_odd.tokenizer.json", U,
                   "post_processor template is not BERT's [CLS] $A [SEP]",
                   tokenizer_json(post_processor={"type": "TemplateProcessing",
                                                  "single": [{"Sequence": {"id": "A"}}]}))
    tokenizer_file("tj_added_not_list.tokenizer.json", F, "added_tokens must be an array",
                   tokenizer_json(added_tokens={"id": 0}))
    tokenizer_file("tj_added_no_content.tokenizer.json", F,
                   "every added token needs an integer \"id\" and a string \"content\"",
                   tokenizer_json(added_tokens=[{"id": 0}]))
    tokenizer_file("tj_added_conflict.tokenizer.json", F,
                   "added token \"[MASK]\" has id 5, which the vocabulary gives to \"the\"",
                   tokenizer_json(added_tokens=[{"id": 5, "content": "[MASK]"}]))
    tokenizer_file("tj_added_single_word.tokenizer.json", U, "is single_word",
                   tokenizer_json(added_tokens=[{"id": 8, "content": "<w>", "single_word": True}]))
    tokenizer_file("tj_added_invalid_utf8.tokenizer.json", F, "an added token is not UTF-8",
                   tokenizer_json(added_tokens=[{"id": 8, "content": "<@>"}]).encode().replace(
                       b"<@>", b"<\xff>"))
    tokenizer_file("tj_token_invalid_utf8.tokenizer.json", F, "model.vocab has a token that is not UTF-8",
                   tokenizer_json(vocab={"[PAD]": 0, "a@": 1}).encode().replace(b"a@", b"a\xc0"))
    tokenizer_file("tj_lone_surrogate.tokenizer.json", F, "not valid JSON",
                   tokenizer_json(vocab={"[PAD]": 0, "a@": 1}).replace("a@", "a\\ud800"))
    tokenizer_file("tj_prefix_empty.tokenizer.json", U,
                   "continuing_subword_prefix must have 1 to 32 bytes",
                   tokenizer_json(model__continuing_subword_prefix=""))
    tokenizer_file("tj_prefix_long.tokenizer.json", U,
                   "continuing_subword_prefix must have 1 to 32 bytes",
                   tokenizer_json(model__continuing_subword_prefix="#" * 33))
    tokenizer_file("tj_max_chars_negative.tokenizer.json", F,
                   "max_input_chars_per_word must be a non-negative integer",
                   tokenizer_json(model__max_input_chars_per_word=-1))
    tokenizer_file("tj_unk_number.tokenizer.json", F, "must be strings",
                   tokenizer_json(model__unk_token=1))
    tokenizer_file("tj_deep.tokenizer.json", F, "not valid JSON",
                   "{\"model\": " + "[" * 50000 + "]" * 50000 + "}")
    # Tokenizer directories: the JSON files beside vocab.txt.
    tokenizer_dir("dir_without_vocab", "ELECTRA_ERR_IO", "no tokenizer.json or vocab.txt",
                  {"notes.txt": "nothing here\n"})
    tokenizer_dir("dir_config_not_json", F, "tokenizer_config.json: not valid JSON",
                  {"vocab.txt": good, "tokenizer_config.json": "{do_lower_case: true}"})
    tokenizer_dir("dir_config_array", F, "the top level is not a JSON object",
                  {"vocab.txt": good, "tokenizer_config.json": "[true]"})
    tokenizer_dir("dir_lowercase_string", F, "\"do_lower_case\" must be true or false",
                  {"vocab.txt": good, "tokenizer_config.json": json.dumps({"do_lower_case": "yes"})})
    tokenizer_dir("dir_max_length_string", F, "model_max_length must be a number",
                  {"vocab.txt": good,
                   "tokenizer_config.json": json.dumps({"model_max_length": "512"})})
    tokenizer_dir("dir_max_length_negative", F, "model_max_length must be a number",
                  {"vocab.txt": good, "tokenizer_config.json": json.dumps({"model_max_length": -5})})
    tokenizer_dir("dir_special_number", F, "\"mask_token\" must be a string",
                  {"vocab.txt": good, "special_tokens_map.json": json.dumps({"mask_token": 5})})
    tokenizer_dir("dir_special_no_content", F, "\"cls_token\" must be a string",
                  {"vocab.txt": good,
                   "special_tokens_map.json": json.dumps({"cls_token": {"lstrip": False}})})
    tokenizer_dir("dir_vocab_invalid", F, "vocab.txt: line 3: invalid UTF-8",
                  {"vocab.txt": b"[PAD]\n[UNK]\n\xff\n"})
    tokenizer_dir("dir_bad_tokenizer_json_wins", U, "model type \"BPE\"",
                  {"vocab.txt": good, "tokenizer.json": tokenizer_json(model__type="BPE")})
    # The same problems reached through a model directory.
    W = weights_ok()
    model("model_vocab_invalid_utf8", F, "vocab.txt: line 2: invalid UTF-8",
          {"config.json": config(), "model.safetensors": W, "vocab.txt": b"[PAD]\n\xfe\n"})
    model("model_vocab_empty", F, "the vocabulary is empty",
          {"config.json": config(), "model.safetensors": W, "vocab.txt": b""})
    model("model_tokenizer_json_bpe", U, "model type \"BPE\"",
          {"config.json": config(), "model.safetensors": W, "vocab.txt": good,
           "tokenizer.json": tokenizer_json(model__type="BPE")})
    model("model_tokenizer_config_bad", F, "\"do_lower_case\" must be true or false",
          {"config.json": config(), "model.safetensors": W, "vocab.txt": good,
           "tokenizer_config.json": json.dumps({"do_lower_case": 1})})


def write_manifest():
    lines = []
    if os.path.exists(MANIFEST):
        with open(MANIFEST) as f:
            lines = [l for l in f.read().splitlines() if not l.startswith(AREAS)]
    mine = ["%s %s %s" % c for c in CASES]
    with open(MANIFEST, "w") as f:
        f.write("\n".join(lines + mine) + "\n")


def main():
    config_cases()
    weight_cases()
    tokenizer_cases()
    for area in AREAS:
        shutil.rmtree(os.path.join(HERE, area), ignore_errors=True)
    for rel, data in sorted(OUT.items()):
        # make dist's tar (v7) drops paths over 99 bytes, with the
        # package's directory in front.
        assert len("libelectra-1.0.0/tests/hostile/" + rel) <= 99, rel
        path = os.path.join(HERE, rel)
        if data is None:
            if rel.endswith("/"):
                os.makedirs(path, exist_ok=True)
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    write_manifest()
    print("%d cases" % len(CASES))


if __name__ == "__main__":
    main()
