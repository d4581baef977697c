"""Public examples for magnitude-pruning (the example of spec.md and a few conventions)."""
import pytest
import torch
from torch import nn


def small_model():
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([[0.5, -0.1, 0.3, -0.2],
                                            [0.1, 0.9, -0.3, 0.0],
                                            [-0.8, 0.2, 0.1, 0.4]]))
    return model


def test_spec_example(solution):
    torch.manual_seed(0)
    model = small_model()
    masks = solution.layerwise_masks(model, 0.4)
    assert list(masks) == ["0.weight", "2.weight"]
    assert masks["0.weight"].dtype == torch.bool
    assert masks["0.weight"].tolist() == [[True, False, True, True],
                                          [False, True, True, False],
                                          [True, True, False, True]]
    assert int((~masks["2.weight"]).sum()) == 2
    m = solution.structured_channel_masks(model[0], 0.5)
    assert m.shape == (3, 4) and m.all(dim=1).tolist() == [False, True, True] and not m[0].any()
    opt = torch.optim.Adam(model.parameters(), lr=0.1, weight_decay=0.01)
    bias = model[0].bias.detach().clone()
    solution.apply_masks(model, masks, opt)
    assert torch.equal(model[0].bias, bias)
    for _ in range(3):
        opt.zero_grad()
        model(torch.randn(5, 4)).pow(2).sum().backward()
        opt.step()
    assert torch.all(model[0].weight[~masks["0.weight"]] == 0)
    assert torch.all(model[2].weight[~masks["2.weight"]] == 0)


def test_global_threshold_spans_layers(solution):
    model = nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 4))
    with torch.no_grad():
        model[0].weight.fill_(0.01)   # all smaller than every weight of the second layer
        model[1].weight.fill_(1.0)
    masks = solution.global_masks(model, 0.5)
    assert not masks["0.weight"].any() and masks["1.weight"].all()


@pytest.mark.parametrize("bad", [-0.1, 1.5, float("nan")])
def test_fraction_outside_0_1_raises(solution, bad):
    with pytest.raises(ValueError):
        solution.layerwise_masks(nn.Linear(3, 2), bad)
