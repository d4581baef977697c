"""Public example tests for the bert-classifier problem.

Run them with `judge test bert-classifier PATH`. The hidden suite compares
your outputs and gradients with the reference's on shared weights, and runs
a short fine-tuning.
"""
import torch


def small_config(solution, **kw):
    base = dict(vocab_size=50, hidden_size=16, num_hidden_layers=2, num_attention_heads=4,
                intermediate_size=32, max_position_embeddings=16, num_labels=3)
    base.update(kw)
    return solution.BertConfig(**base)


def test_shapes(solution):
    torch.manual_seed(0)
    model = solution.BertClassifier(small_config(solution)).eval()
    ids = torch.randint(1, 50, (2, 7))
    logits = model(ids)
    seq, pooled = model.encode(ids)
    assert logits.shape == (2, 3)
    assert seq.shape == (2, 7, 16) and pooled.shape == (2, 16)
    assert pooled.abs().max() <= 1.0          # tanh


def test_state_dict_keys(solution):
    model = solution.BertClassifier(small_config(solution, num_hidden_layers=1))
    state = model.state_dict()
    assert len(state) == 9 + 16
    for key, shape in {
        "embeddings.word_embeddings.weight": (50, 16),
        "embeddings.position_embeddings.weight": (16, 16),
        "embeddings.token_type_embeddings.weight": (2, 16),
        "layers.0.attention.query.weight": (16, 16),
        "layers.0.attention.output.bias": (16,),
        "layers.0.intermediate.weight": (32, 16),
        "layers.0.output.weight": (16, 32),
        "layers.0.output_norm.bias": (16,),
        "pooler.weight": (16, 16),
        "classifier.weight": (3, 16),
    }.items():
        assert tuple(state[key].shape) == shape, key


def test_padding_on_either_side_changes_nothing(solution):
    torch.manual_seed(1)
    model = solution.BertClassifier(small_config(solution)).eval()
    ids = torch.tensor([[1, 7, 8, 9, 0, 0],
                        [0, 0, 1, 7, 8, 9],
                        [1, 7, 8, 9, 5, 5]])
    mask = torch.tensor([[1, 1, 1, 1, 0, 0],
                         [0, 0, 1, 1, 1, 1],
                         [1, 1, 1, 1, 0, 0]])
    with torch.no_grad():
        logits = model(ids, attention_mask=mask)
        alone = model(ids[:1, :4])
    for row in range(3):
        assert torch.allclose(logits[row], alone[0], atol=1e-5), row


def test_eval_is_deterministic_train_is_not(solution):
    torch.manual_seed(2)
    model = solution.BertClassifier(small_config(solution, hidden_dropout_prob=0.3))
    ids = torch.randint(1, 50, (4, 6))
    model.eval()
    with torch.no_grad():
        assert torch.equal(model(ids), model(ids))
        model.train()
        assert not torch.equal(model(ids), model(ids))


def test_token_types_are_used(solution):
    torch.manual_seed(3)
    model = solution.BertClassifier(small_config(solution)).eval()
    ids = torch.randint(1, 50, (2, 6))
    types = torch.tensor([[0, 0, 0, 1, 1, 1]] * 2)
    with torch.no_grad():
        assert torch.allclose(model(ids), model(ids, token_type_ids=torch.zeros_like(ids)))
        assert not torch.allclose(model(ids), model(ids, token_type_ids=types))
