"""Train a small character-level Transformer language model, then let it write: nn.TransformerEncoder with
a causal mask, token and learned position embeddings, AdamW with gradient clipping, and sampling.

The model reads a short built-in text, learns to predict each next character from the ones before it
(the causal mask hides the future), and then continues a prompt one character at a time.

    python examples/transformer_lm.py --device jax --steps 300
"""

from __future__ import annotations

import argparse
import math

import ember
import ember.nn.functional as F
from ember import nn

TEXT = """\
the river runs down to the sea, and the sea runs out to the sky.
the wind runs over the hill, and the hill looks down on the river.
the rain falls into the river, and the river carries the rain to the sea.
the sun warms the sea, and the sea gives the rain back to the wind.
"""


class CharTransformer(nn.Module):
    def __init__(self, vocab: int, context: int, d_model: int = 64, nhead: int = 4, layers: int = 2) -> None:
        super().__init__()
        self.token = nn.Embedding(vocab, d_model)
        self.position = nn.Embedding(context, d_model)
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward=4 * d_model, dropout=0.0,
                                           batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab)

    def forward(self, idx: ember.Tensor) -> ember.Tensor:
        """(batch, time) character ids -> (batch, time, vocab) logits for the next character."""
        t = idx.size(1)
        positions = ember.arange(t, device=idx.device)
        x = self.token(idx) + self.position(positions)
        mask = nn.Transformer.generate_square_subsequent_mask(t, device=idx.device)
        x = self.encoder(x, mask=mask, is_causal=True)
        return self.head(self.norm(x))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default=None, help="cpu, jax, cuda, ... (default: the default device)")
    parser.add_argument("--steps", type=int, default=300, help="optimizer steps (default: 300)")
    parser.add_argument("--batch-size", type=int, default=32, help="sequences per step (default: 32)")
    parser.add_argument("--context", type=int, default=32, help="characters the model sees (default: 32)")
    parser.add_argument("--prompt", default="the river ", help="text to continue")
    args = parser.parse_args()
    device = ember.device(args.device) if args.device else ember.get_default_device()
    ember.manual_seed(0)

    chars = sorted(set(TEXT))
    stoi = {c: i for i, c in enumerate(chars)}
    data = ember.tensor([stoi[c] for c in TEXT], dtype=ember.int64)
    print(f"{len(TEXT)} characters, vocabulary of {len(chars)}")

    model = CharTransformer(len(chars), args.context).to(device)
    print(f"{sum(p.numel() for p in model.parameters()):,} parameters, training on {device}")
    optimizer = ember.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
    scheduler = ember.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.steps)

    print(f"uniform guessing would score a loss of {math.log(len(chars)):.3f}")
    for step in range(1, args.steps + 1):
        model.train()
        # random windows of context + 1 characters: the first `context` are the input, the last the target
        starts = ember.randint(0, len(data) - args.context, (args.batch_size,)).tolist()
        batch = ember.stack([data[i:i + args.context + 1] for i in starts]).to(device)
        inputs, targets = batch[:, :-1], batch[:, 1:]
        logits = model(inputs)
        loss = F.cross_entropy(logits.reshape(-1, len(chars)), targets.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        if step == 1 or step % 50 == 0 or step == args.steps:
            print(f"step {step:4d}  loss {loss.item():.3f}")

    # generation: feed the last `context` characters, sample the next from the softmax, append, repeat
    model.eval()
    idx = ember.tensor([[stoi[c] for c in args.prompt if c in stoi]], dtype=ember.int64, device=device)
    with ember.no_grad():
        for _ in range(60):
            logits = model(idx[:, -args.context:])[:, -1, :]
            probs = F.softmax(logits / 0.5, dim=-1)  # temperature 0.5: more likely characters, less noise
            nxt = ember.multinomial(probs.cpu(), num_samples=1).to(device)
            idx = ember.cat([idx, nxt], dim=1)
    print("sample: " + repr("".join(chars[i] for i in idx[0].tolist())))
    print(f"final loss {loss.item():.3f}")


if __name__ == "__main__":
    main()
