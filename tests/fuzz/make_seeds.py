#!/usr/bin/env python3
"""Writes the seed inputs of the fuzz targets into tests/fuzz/corpus/<target>/
(run by hand at development time; the outputs are committed, so neither CI
nor make check needs Python). Seeds are named seed-*; files the fuzzer found
(crash-*, leak-*, oom-*, timeout-*) and merged corpus files (cov-*) are left
alone.

Seeds are valid inputs plus a few deliberate mutations of each; the weight
file seeds reuse the byte-level writers of tests/hostile/make_weights.py and
the hostile weight files themselves.

Usage: python3 tests/fuzz/make_seeds.py
"""
import json
import os
import pickle
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, "..", ".."))
CORPUS = os.path.join(HERE, "corpus")
sys.path.insert(0, os.path.join(TOP, "tests", "hostile"))
import make_weights as mw  # noqa: E402

# The tiny model's vocabulary (tests/tiny_model.c holds the same list).
VOCAB = (["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", ",", "!", "?", "'", "-", "(", ")"] +
         list("abcdefghijklmnoprstuwy") +
         ["the", "quick", "brown", "fox", "jump", "over", "lazy", "dog", "paris", "is", "of",
          "france", "##s", "##ed", "##ing", "##a", "##e", "##o", "un", "##aff", "##able",
          "\u4e2d", "\u56fd", "caf", "##e\u0301"])
assert len(VOCAB) == 60

SEEDS = {}


def seed(target, name, data):
    if isinstance(data, str):
        data = data.encode()
    SEEDS.setdefault(target, {})["seed-" + name] = data


def vocab_text(tokens, nl="\n"):
    return nl.join(tokens) + nl


def vocab_seeds():
    v = vocab_text(VOCAB)
    seed("vocab", "tiny", v)
    seed("vocab", "crlf", vocab_text(VOCAB, "\r\n"))
    seed("vocab", "cr", vocab_text(VOCAB, "\r"))
    seed("vocab", "no_final_newline", v[:-1])
    seed("vocab", "empty", b"")
    seed("vocab", "only_newlines", b"\n\n\n")
    seed("vocab", "duplicates", vocab_text(VOCAB + ["the", "[MASK]", "fox"]))
    seed("vocab", "no_specials", vocab_text(VOCAB[5:]))
    seed("vocab", "invalid_utf8", v.encode() + b"\xff\xfe\n\xc3\n")
    seed("vocab", "nul", v.encode() + b"a\x00b\n")
    seed("vocab", "long_line", v + "x" * 3000 + "\n")
    seed("vocab", "prefix_only", vocab_text(VOCAB + ["##", "###", "##\u00e9"]))


def tokenizer_json(vocab=None, **over):
    vocab = VOCAB if vocab is None else vocab
    specials = [t for t in vocab if t.startswith("[")]
    doc = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [{"id": vocab.index(t), "content": t, "single_word": False,
                          "lstrip": False, "rstrip": False, "normalized": False,
                          "special": True} for t in specials],
        "normalizer": {"type": "BertNormalizer", "clean_text": True,
                       "handle_chinese_chars": True, "strip_accents": None,
                       "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                       {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                     {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
                     {"Sequence": {"id": "B", "type_id": 1}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
            "special_tokens": {},
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]",
                  "continuing_subword_prefix": "##", "max_input_chars_per_word": 100,
                  "vocab": {t: i for i, t in enumerate(vocab)}},
    }
    for path, value in over.items():
        node = doc
        keys = path.split(".")
        for k in keys[:-1]:
            node = node[k]
        if value is DELETE:
            del node[keys[-1]]
        else:
            node[keys[-1]] = value
    return json.dumps(doc, ensure_ascii=False)


DELETE = object()


def tokenizer_json_seeds():
    seed("tokenizer_json", "tiny", tokenizer_json())
    seed("tokenizer_json", "compact", json.dumps(json.loads(tokenizer_json()),
                                                 separators=(",", ":")))
    seed("tokenizer_json", "bert_processing", tokenizer_json(
        post_processor={"type": "BertProcessing", "cls": ["[CLS]", 2], "sep": ["[SEP]", 3]}))
    seed("tokenizer_json", "no_added_tokens", tokenizer_json(added_tokens=DELETE))
    seed("tokenizer_json", "added_new_token", tokenizer_json(added_tokens=[
        {"id": 60, "content": "<new>", "special": False, "single_word": False}]))
    seed("tokenizer_json", "bpe", tokenizer_json(**{"model.type": "BPE"}))
    seed("tokenizer_json", "vocab_list", tokenizer_json(**{"model.vocab": VOCAB}))
    seed("tokenizer_json", "cased", tokenizer_json(**{"normalizer.lowercase": False,
                                                      "normalizer.strip_accents": True}))
    seed("tokenizer_json", "sparse_ids", tokenizer_json(**{"model.vocab": {"a": 0, "b": 5000}}))
    seed("tokenizer_json", "id_int32_max", tokenizer_json(**{"model.vocab": {"a": 0,
                                                                            "b": 2**31 - 1}}))
    seed("tokenizer_json", "prefix", tokenizer_json(**{"model.continuing_subword_prefix": "@@"}))
    seed("tokenizer_json", "null_normalizer", tokenizer_json(normalizer=None))
    seed("tokenizer_json", "truncated", tokenizer_json()[:300])


def tokenizer_dir_seeds():
    config = {"do_lower_case": True, "model_max_length": 512, "pad_token": "[PAD]",
              "unk_token": "[UNK]", "cls_token": "[CLS]", "sep_token": "[SEP]",
              "mask_token": "[MASK]", "strip_accents": None, "tokenize_chinese_chars": True,
              "tokenizer_class": "ElectraTokenizer"}
    special = {"cls_token": "[CLS]", "mask_token": "[MASK]", "pad_token": "[PAD]",
               "sep_token": "[SEP]", "unk_token": "[UNK]"}

    def both(name, flags, c, s):
        c = c if isinstance(c, bytes) else json.dumps(c).encode()
        s = s if isinstance(s, bytes) else json.dumps(s).encode()
        seed("tokenizer_dir", name, bytes([flags]) + c + b"\xff" + s)

    both("both", 3, config, special)
    both("config_only", 1, config, {})
    both("special_only", 2, {}, special)
    both("neither", 0, {}, {})
    both("cased", 3, dict(config, do_lower_case=False, tokenize_chinese_chars=False), special)
    both("added_token_objects", 3, config,
         {"mask_token": {"content": "[MASK]", "lstrip": True, "single_word": False}})
    both("renamed_specials", 3, dict(config, unk_token="the"), dict(special, mask_token="fox"))
    both("huge_max_length", 1, dict(config, model_max_length=1e30), {})
    both("wrong_types", 3, dict(config, do_lower_case="yes"), dict(special, pad_token=7))
    both("missing_token", 2, {}, dict(special, mask_token="<mask>"))


def config(head="ElectraForMaskedLM", **over):
    c = {"architectures": [head], "model_type": "electra", "vocab_size": 60,
         "embedding_size": 8, "hidden_size": 16, "num_hidden_layers": 2,
         "num_attention_heads": 2, "intermediate_size": 32, "max_position_embeddings": 32,
         "type_vocab_size": 2, "hidden_act": "gelu", "layer_norm_eps": 1e-12,
         "attention_probs_dropout_prob": 0.1, "hidden_dropout_prob": 0.1,
         "initializer_range": 0.02, "pad_token_id": 0, "position_embedding_type": "absolute",
         "summary_type": "first", "summary_use_proj": True, "torch_dtype": "float32",
         "transformers_version": "4.34.1"}
    for k, v in over.items():
        if v is DELETE:
            c.pop(k, None)
        else:
            c[k] = v
    return json.dumps(c, indent=2)


def config_seeds():
    for head in ["ElectraModel", "ElectraForMaskedLM", "ElectraForPreTraining",
                 "ElectraForSequenceClassification", "ElectraForTokenClassification",
                 "ElectraForQuestionAnswering"]:
        seed("config", head, config(head))
    seed("config", "labels", config("ElectraForTokenClassification",
                                    id2label={"0": "O", "1": "B-PER", "2": "I-PER"},
                                    label2id={"O": 0, "B-PER": 1, "I-PER": 2}))
    seed("config", "no_architectures", config(architectures=DELETE))
    seed("config", "minimal", "{}")
    seed("config", "huge_layers", config(num_hidden_layers=10**12))
    seed("config", "negative", config(hidden_size=-16))
    seed("config", "float_size", config(hidden_size=16.5))
    seed("config", "string_size", config(vocab_size="60"))
    seed("config", "not_object", "[1, 2, 3]")
    seed("config", "nested", config(num_hidden_layers={"value": 2}))
    seed("config", "deep", "[" * 300 + "]" * 300)
    seed("config", "problem_type", config("ElectraForSequenceClassification",
                                          problem_type="multi_label_classification",
                                          num_labels=4))
    for target in ["model_config"]:
        seed(target, "generator", config())
        seed(target, "no_architectures", config(architectures=DELETE))
        seed(target, "discriminator", config("ElectraForPreTraining"))
        seed(target, "bare", config("ElectraModel"))
        seed(target, "more_layers", config(num_hidden_layers=3))
        seed(target, "fewer_layers", config(num_hidden_layers=1))
        seed(target, "wider", config(hidden_size=32))
        seed(target, "positions", config(max_position_embeddings=16))
        seed(target, "vocab", config(vocab_size=61))
        seed(target, "no_projection", config(embedding_size=16))
        seed(target, "gelu_new", config(hidden_act="gelu_new"))
        seed(target, "heads", config(num_attention_heads=4))


def safetensors_seeds():
    data_dir = os.path.join(TOP, "tests", "data", "weights")
    with open(os.path.join(data_dir, "small.safetensors"), "rb") as f:
        small = f.read()
    seed("safetensors", "small", small)
    seed("safetensors", "bf16", mw.safetensors(
        {"w": mw.st_entry("BF16", [2, 3], 0, 12), "b": mw.st_entry("F32", [3], 12, 24)},
        struct.pack("<6H", 0x3F80, 0xC000, 0, 0x7F80, 0xFF80, 0x7FC0) +
        mw.f32([1.5, -2.5, 1e-40])))
    seed("safetensors", "empty_tensor", mw.safetensors(
        {"e": mw.st_entry("F32", [0, 4], 0, 0), "s": mw.st_entry("F64", [], 0, 8)},
        struct.pack("<d", 3.25)))
    seed("safetensors", "unaligned_f32", mw.safetensors(
        {"u8": mw.st_entry("U8", [1], 0, 1), "f": mw.st_entry("F32", [2], 1, 9)},
        b"\x07" + mw.f32([1, 2])))
    seed("safetensors", "metadata_only", mw.safetensors({"__metadata__": {"format": "pt"}}))
    for name in sorted(os.listdir(os.path.join(TOP, "tests", "hostile", "weights"))):
        if name.endswith(".safetensors"):
            with open(os.path.join(TOP, "tests", "hostile", "weights", name), "rb") as f:
                seed("safetensors", "h-" + name.split(".")[0], f.read())
    index = {"metadata": {"total_size": 72},
             "weight_map": {"x": "a.safetensors", "y": "a.safetensors", "z": "b.safetensors"}}
    seed("safetensors_index", "valid", json.dumps(index, indent=2))
    seed("safetensors_index", "one_shard", json.dumps({"weight_map": {"z": "b.safetensors"}}))
    seed("safetensors_index", "missing_tensor",
         json.dumps({"weight_map": {"x": "a.safetensors", "q": "a.safetensors"}}))
    seed("safetensors_index", "wrong_shard", json.dumps({"weight_map": {"z": "a.safetensors"}}))
    seed("safetensors_index", "traversal",
         json.dumps({"weight_map": {"x": "../a.safetensors"}}))
    seed("safetensors_index", "absent_shard", json.dumps({"weight_map": {"x": "c.safetensors"}}))
    seed("safetensors_index", "not_object", json.dumps({"weight_map": ["a.safetensors"]}))
    seed("safetensors_index", "self", json.dumps(
        {"weight_map": {"x": "model.safetensors.index.json"}}))


def torch_seeds():
    data_dir = os.path.join(TOP, "tests", "data", "weights")
    for name in sorted(os.listdir(data_dir)):
        with open(os.path.join(data_dir, name), "rb") as f:
            data = f.read()
        if name.endswith(".bin"):
            seed("torch_bin", name, data)
        if data[:2] == b"PK":
            seed("zip", name, data)
    hostile = os.path.join(TOP, "tests", "hostile", "weights")
    for name in sorted(os.listdir(hostile)):
        if name.endswith(".bin"):
            with open(os.path.join(hostile, name), "rb") as f:
                data = f.read()
            if len(data) > 8192:  # the big ones only repeat an opcode
                continue
            seed("torch_bin", "h-" + name.split(".")[0], data)
            if name.startswith("zip"):
                seed("zip", "h-" + name.split(".")[0], data)
    sd = mw.state_dict([("w", mw.simple_tensor("0", [2, 2])),
                        ("b", mw.simple_tensor("1", [2], "HalfStorage"))])
    seed("torch_bin", "zip_two", mw.torch_zip(sd, [("0", mw.f32([1, 2, 3, 4])),
                                                   ("1", struct.pack("<2H", 0x3C00, 0xBC00))]))
    legacy_sd = mw.state_dict([("w", mw.simple_tensor("7", [2], legacy=True))])
    seed("torch_bin", "legacy_one", mw.legacy_file(legacy_sd, ["7"],
                                                   [mw.storage_blob(2, mw.f32([5, 6]))]))
    # Pickles: state dicts as torch writes them, and plain data from Python's own pickler.
    seed("pickle", "state_dict_zip", sd)
    seed("pickle", "state_dict_legacy", legacy_sd)
    seed("pickle", "sys_info", mw.sys_info())
    seed("pickle", "key_list", mw.key_list(["0", "1", "2"]))
    seed("pickle", "magic", mw.MAGIC)
    plain = {"a": [1, 2.5, "x", (None, True, False)], "b": {"n": -70000, "big": 2**70},
             "c": ("t",) * 3, "d": b"bytes", "e": "\u00e9\u4e2d"}
    for proto in (2, 3, 4):
        seed("pickle", "plain_proto%d" % proto, pickle.dumps(plain, protocol=proto))
    seed("pickle", "memo", pickle.dumps([[1, 2]] * 3 + [{"k": "v"}] * 2, protocol=4))
    seed("pickle", "global_refused", b"\x80\x02cos\nsystem\n(S'true'\ntR.")
    seed("pickle", "nested", b"\x80\x02" + b"]" * 70 + b"." )


def encode_seeds():
    def enc(name, flags, max_len, stride, multiple, *pieces):
        body = b"\xff".join(p.encode() if isinstance(p, str) else p for p in pieces)
        seed("encode", name, bytes([flags, max_len, stride, multiple]) + body)

    enc("plain", 0, 0, 0, 0, "The quick brown fox jumps over the lazy dog.")
    enc("pair", 2, 0, 0, 0, "Paris is the capital of France.", "un aff able caf\u00e9")
    enc("truncate_longest", 2 | 4, 12, 0, 0, "the quick brown fox jumps", "over the lazy dog")
    enc("truncate_second_overflow", 2 | 12 | 16, 10, 3, 0, "the fox", "jumped over the lazy dogs")
    enc("padding", 2 << 5, 16, 0, 0, "a b c", "d e", "the dog")
    enc("pad_multiple", 1 << 5, 0, 0, 8, "a", "the quick brown", "fox")
    enc("no_specials", 1, 0, 0, 0, "[CLS] the [MASK] [SEP] [PAD]")
    enc("unicode", 0, 0, 0, 0, "Caf\u00e9 \u4e2d\u56fd \u00c5ngstr\u00f6m \u0130 \ufb01 \U0001f600 "
                               "\u200b\u00ad\t\r\n\x00\x07")
    enc("cased", 128, 0, 0, 0, "The QUICK Brown \u4e2d\u56fd caf\u00e9")
    enc("invalid_utf8", 0, 0, 0, 0, b"the \xc3\x28 fox \xe2\x82 \xf0\x9f\x98")
    enc("long_word", 0, 0, 0, 0, "a" * 150 + " b" * 40)
    enc("ids", 0, 0, 0, 0, "the", struct.pack("<6i", 2, 35, 4, 3, 59, -1))
    enc("batch", 2, 0, 0, 0, "the fox", "the dog", "paris", "", "a b", "c")


def tasks_seeds():
    def task(name, call, top_k, flags, length, *pieces):
        body = b"\xff".join(p.encode() if isinstance(p, str) else p for p in pieces)
        seed("tasks", name, bytes([call, top_k, flags, length]) + body)

    task("fill_mask", 0, 5, 0, 0, "the capital of france is [MASK] .")
    task("fill_mask_two", 0, 3, 0, 0, "the [MASK] fox jumps over the [MASK] dog")
    task("fill_mask_targets", 16, 0, 0, 0, "the [MASK] dog", "fox", "dog", "unaffable", "zzz")
    task("fill_mask_none", 0, 5, 0, 0, "no mask here")
    task("fill_mask_truncated", 8, 200, 0, 10, "the " * 40 + "[MASK]")
    task("detect", 1, 0, 0x80, 0, "the quick brown fox jumps over the lazy dog")
    task("detect_long", 1, 0, 0, 0, "the " * 40)
    task("classify", 2, 0, 0x10, 0, "the fox is quick")
    task("classify_pair", 2 | 16, 0, 0x20, 0, "the fox", "the dog")
    task("tag", 3, 0, 1, 0, "paris is of france , the dog")
    task("tag_none", 3, 0, 0, 0, "paris is of france")
    task("tag_max", 3, 0, 4, 0, "un aff able caf\u00e9 \u4e2d\u56fd")
    task("answer", 4, 2, 0, 15, "what is the capital of france ?", "paris is the capital of france .")
    task("answer_windows", 4, 3, 8, 0x45, "the dog ?", "the quick brown fox " * 10)
    task("answer_empty", 4, 1, 8, 0, "", "")
    task("forward", 5, 2, 0, 0, bytes([2, 35, 4, 3, 2, 36, 37, 3, 0, 0]))
    task("forward_bad_ids", 5, 0, 0, 0, bytes([2, 200, 4, 3]))


def hostile_seeds():
    """The crafted tokenizer files and configs of tests/hostile (small ones)."""
    hostile = os.path.join(TOP, "tests", "hostile")
    for root, _, files in sorted(os.walk(hostile)):
        for name in sorted(files):
            path = os.path.join(root, name)
            rel = os.path.relpath(path, hostile)
            if os.path.getsize(path) > 8192:
                continue
            with open(path, "rb") as f:
                data = f.read()
            # a case is a file, or a directory of files
            case = name if os.path.dirname(rel).count("/") == 0 else os.path.basename(root)
            tag = "h-" + case.split(".")[0]
            if rel.startswith("tokenizers/") and name.endswith(".tokenizer.json"):
                seed("tokenizer_json", tag, data)
            elif rel.startswith("tokenizers/") and name.endswith(".txt"):
                seed("vocab", tag, data)
            elif rel.startswith("models/") and name == "config.json":
                seed("config", tag, data)
                seed("model_config", tag, data)


def main():
    hostile_seeds()
    vocab_seeds()
    tokenizer_json_seeds()
    tokenizer_dir_seeds()
    config_seeds()
    safetensors_seeds()
    torch_seeds()
    encode_seeds()
    tasks_seeds()
    for target, files in SEEDS.items():
        d = os.path.join(CORPUS, target)
        os.makedirs(d, exist_ok=True)
        for old in os.listdir(d):
            if old.startswith("seed-"):
                os.unlink(os.path.join(d, old))
        for name, data in files.items():
            # make dist's tar (v7) drops paths over 99 bytes
            assert len("libelectra-1.0.0/tests/fuzz/corpus/%s/%s" % (target, name)) <= 99, name
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
    print("\n".join("%s: %d seeds" % (t, len(f)) for t, f in sorted(SEEDS.items())))


if __name__ == "__main__":
    main()
