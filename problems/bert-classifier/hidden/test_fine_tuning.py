"""Hidden test: a short fine-tuning run on a synthetic task reaches the stated accuracy.

Task: a sequence is "[CLS] w1 ... wL" (L = 3..11 words drawn from ids 3..29,
padded to 12 on the right or the left); its label is 1 when the marker id 2
occurs among the words, else 0. The test, not the submission, writes the
training loop: Adam (lr 3e-3), batches of 32, 80 steps, train mode; then
accuracy on 256 fresh examples in eval mode must be >= 0.9.
"""
import numpy as np
import pytest
import torch

CFG = dict(vocab_size=30, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
           intermediate_size=64, max_position_embeddings=16, num_labels=2)
LENGTH = 12
STEPS = 80
TARGET = 0.9


def make_data(rng, n):
    ids = rng.integers(3, CFG["vocab_size"], size=(n, LENGTH))   # junk in padded places
    mask = np.zeros((n, LENGTH), dtype=np.int64)
    labels = rng.integers(0, 2, size=n)
    for i in range(n):
        words = int(rng.integers(3, LENGTH))
        start = 0 if rng.random() < 0.5 else LENGTH - words - 1
        ids[i, start] = 1
        mask[i, start:start + words + 1] = 1
        if labels[i]:
            ids[i, start + 1 + int(rng.integers(0, words))] = 2
    return torch.from_numpy(ids), torch.from_numpy(mask), torch.from_numpy(labels)


@pytest.mark.weight(3)
def test_fine_tuning_reaches_accuracy(make_model, rng, torch_seed, check):
    model, _ = make_model(**CFG)
    train_ids, train_mask, train_y = make_data(rng, 512)
    test_ids, test_mask, test_y = make_data(rng, 256)
    loss_fn = torch.nn.functional.cross_entropy

    with torch.no_grad():
        initial_loss = loss_fn(model(test_ids, test_mask), test_y)
    check("initial_test_loss", initial_loss, rtol=1e-4, atol=1e-5)

    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    model.train()
    losses = []
    for _ in range(STEPS):
        idx = torch.from_numpy(rng.integers(0, len(train_y), size=32))
        loss = loss_fn(model(train_ids[idx], train_mask[idx]), train_y[idx])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    model.eval()
    with torch.no_grad():
        logits = model(test_ids, test_mask)
    accuracy = (logits.argmax(dim=-1) == test_y).float().mean().item()
    final_loss = loss_fn(logits, test_y).item()

    check("reached_target", accuracy >= TARGET, exact=True)
    check("loss_decreased", final_loss < initial_loss.item(), exact=True)
    assert np.isfinite(losses).all(), "training loss is not finite"
    assert accuracy >= TARGET, f"test accuracy {accuracy:.3f} after fine-tuning is below {TARGET}"
