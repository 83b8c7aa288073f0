"""finetune_reference.py - sequence classification fine-tuning in PyTorch, on
the protocol of `electra finetune --task classify` (the [CLS] token through
ElectraForSequenceClassification's head: dropout, dense, gelu, dropout, out;
AdamW eps 1e-6, decay 0.01 off biases and LayerNorm, warm-up over a tenth of
the steps then linear decay, clipping at 1.0, dropout 0.1, no layer-wise
decay), to fine-tune a model that bench/pretrain_reference.py wrote (or
libelectra, or random weights) on a GPU when there is one.

The texts are tokenized by libelectra's `electra tokenize` with the model's
vocabulary and cut to --max-length as `electra finetune` cuts them. For each
seed it prints one JSON line with the test accuracy after every epoch.

  python3 bench/finetune_reference.py --init models/discriminator \\
      --train spam/train.jsonl --test spam/test.jsonl --epochs 3 --seeds 42 1 2

Needs PyTorch and numpy."""
import argparse
import json
import math
import os
import subprocess
import time
import types

import torch
import torch.nn as nn
import torch.nn.functional as F

from pretrain_reference import Electra, SEP, load_hf, optimizer

DEV = "cuda" if torch.cuda.is_available() else "cpu"


def examples(path, a, labels=None):
    """(ids, labels) of a JSON-lines file of {"text", "label"}: ids padded
    with 0 to --max-length, [SEP] kept last when a text is cut."""
    with open(path) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    lines = "".join(json.dumps({"text": r["text"]}) + "\n" for r in rows)
    out = subprocess.run([a.electra, "tokenize", "--vocab", os.path.join(a.vocab_dir, "vocab.txt"), "--jsonl"],
                         input=lines.encode(), capture_output=True, check=True).stdout.decode().splitlines()
    labels = labels or sorted({r["label"] for r in rows})
    x = torch.zeros(len(rows), a.max_length, dtype=torch.long)
    for i, line in enumerate(out):
        ids = json.loads(line)["ids"]
        if len(ids) > a.max_length:
            ids = ids[:a.max_length - 1] + [SEP]
        x[i, :len(ids)] = torch.tensor(ids)
    y = torch.tensor([labels.index(r["label"]) for r in rows])
    return x.to(DEV), y.to(DEV), labels


class Classifier(nn.Module):
    def __init__(self, shape, init, classes):
        super().__init__()
        self.enc = Electra(shape)
        if init != "random":
            load_hf(self.enc, init)
        # The pre-training heads are not part of a classifier.
        del self.enc.gen_dense, self.enc.gen_ln, self.enc.gen_bias, self.enc.disc_dense, self.enc.disc_out
        self.dense, self.out = nn.Linear(shape.hidden, shape.hidden), nn.Linear(shape.hidden, classes)
        for m in (self.dense, self.out):
            nn.init.normal_(m.weight, 0, 0.02)
            nn.init.zeros_(m.bias)

    def forward(self, ids):
        bias = ((ids == 0).float() * -1e4)[:, None, None, :]
        x = self.enc.encode(ids, bias)[:, 0]
        p = self.enc.a.dropout
        x = F.dropout(F.gelu(self.dense(F.dropout(x, p, self.training))), p, self.training)
        return self.out(x)


def run(a, shape, train, test, seed):
    torch.manual_seed(seed)
    m = Classifier(shape, a.init, len(train[2])).to(DEV)
    x, y = train[0], train[1]
    per = math.ceil(len(x) / a.batch)
    opt, sched = optimizer(m, a.lr, per * a.epochs)
    order_rng = torch.Generator()
    order_rng.manual_seed(seed)
    accs = []
    for _ in range(a.epochs):
        m.train()
        order = torch.randperm(len(x), generator=order_rng)
        for s in range(per):
            idx = order[s * a.batch:(s + 1) * a.batch]
            loss = F.cross_entropy(m(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(m.parameters(), 1.0)
            opt.step()
            sched.step()
        m.eval()
        with torch.no_grad():
            pred = torch.cat([m(test[0][r:r + 256]).argmax(-1) for r in range(0, len(test[0]), 256)])
        accs.append(round(float((pred == test[1]).float().mean()), 4))
    return accs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--init", required=True, help="a discriminator directory, or random")
    ap.add_argument("--vocab-dir", help="where vocab.txt and config.json are (default: --init's "
                    "directory; for random, the bundled discriminator's)")
    ap.add_argument("--electra", default=os.path.join(os.path.dirname(__file__), "..", "src", "electra"))
    ap.add_argument("--train", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--max-length", type=int, default=128)
    ap.add_argument("--seeds", type=int, nargs="+", default=[42])
    a = ap.parse_args()
    if not a.vocab_dir:
        a.vocab_dir = a.init if a.init != "random" else \
            os.path.join(os.path.dirname(__file__), "..", "models", "discriminator")
    with open(os.path.join(a.vocab_dir, "config.json")) as f:
        c = json.load(f)
    shape = types.SimpleNamespace(hidden=c["hidden_size"], layers=c["num_hidden_layers"],
                                  heads=c["num_attention_heads"], vocab=c["vocab_size"],
                                  seq=c["max_position_embeddings"], dropout=c["hidden_dropout_prob"])
    train = examples(a.train, a)
    test = examples(a.test, a, train[2])
    for seed in a.seeds:
        start = time.time()
        accs = run(a, shape, train, test, seed)
        print(json.dumps({"init": a.init, "train": a.train, "seed": seed, "lr": a.lr, "epochs": a.epochs,
                          "test_accuracy_by_epoch": accs, "test_accuracy": accs[-1],
                          "seconds": round(time.time() - start, 1)}), flush=True)


if __name__ == "__main__":
    main()
