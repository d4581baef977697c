"""apply_masks: in place, gradients masked, pruned weights kept at zero through optimizer steps."""
import math

import pytest
import torch

from conftest import PRUNABLE


def snapshot(net):
    return {n: p.detach().clone() for n, p in net.named_parameters()}


def train(net, opt, images, randn, steps):
    net.train()
    for _ in range(steps):
        x, target = images(), randn(4, 5)
        opt.zero_grad()
        torch.nn.functional.mse_loss(net(x), target).backward()
        opt.step()


def pruned_nonzero(net, masks):
    params = dict(net.named_parameters())
    return {n: int((params[n].detach()[~m] != 0).sum()) for n, m in masks.items()}


def zero_counts(net):
    return {n: int((p.detach() == 0).sum()) for n, p in net.named_parameters()}


@pytest.mark.weight(2)
def test_apply_zeroes_in_place(check, rng, solution, make_net):
    net = make_net()
    masks = solution.global_masks(net, float(rng.uniform(0.3, 0.7)))
    before = snapshot(net)
    objects = dict(net.named_parameters())
    buffers = [n for n, _ in net.named_buffers()]
    result = solution.apply_masks(net, masks)
    assert result is None
    after = dict(net.named_parameters())
    assert list(after) == list(objects) and all(after[n] is objects[n] for n in after)
    assert [n for n, _ in net.named_buffers()] == buffers
    for n, p in after.items():
        if n in masks:
            assert bool((p[~masks[n]] == 0).all()) and torch.equal(p[masks[n]], before[n][masks[n]]), n
        else:
            assert torch.equal(p, before[n]), n
    check("params", snapshot(net), exact=True)


@pytest.mark.weight(2)
def test_gradients_masked(check, rng, solution, make_net, images, randn):
    net = make_net()
    masks = solution.layerwise_masks(net, float(rng.uniform(0.3, 0.7)))
    solution.apply_masks(net, masks)
    net.train()
    torch.nn.functional.mse_loss(net(images()), randn(4, 5)).backward()
    grads = {n: p.grad.clone() for n, p in net.named_parameters()}
    for n, m in masks.items():
        assert bool((grads[n][~m] == 0).all()), n
    check("grads", grads, rtol=1e-4, atol=1e-7)


@pytest.mark.weight(3)
def test_adam_weight_decay_keeps_zeros(check, rng, solution, make_net, images, randn):
    net = make_net()
    masks = solution.global_masks(net, float(rng.uniform(0.4, 0.8)))
    opt = torch.optim.Adam(net.parameters(), lr=0.01, weight_decay=0.1)
    bias0 = net.conv1.bias.detach().clone()
    solution.apply_masks(net, masks, opt)
    train(net, opt, images, randn, int(rng.integers(4, 7)))
    nonzero = pruned_nonzero(net, masks)
    check("pruned_nonzero", nonzero, exact=True)
    assert not any(nonzero.values()), nonzero
    assert not torch.equal(net.conv1.bias, bias0)   # biases train as usual
    check("params", snapshot(net), rtol=1e-4, atol=1e-6)


@pytest.mark.weight(3)
@pytest.mark.parametrize("kind", ["adam", "sgd-momentum", "adamw"])
def test_state_from_before_pruning_does_not_revive(check, rng, solution, make_net, images, randn, kind):
    net = make_net()
    if kind == "adam":
        opt = torch.optim.Adam(net.parameters(), lr=0.01, weight_decay=0.05)
    elif kind == "sgd-momentum":
        opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9, weight_decay=0.01)
    else:
        opt = torch.optim.AdamW(net.parameters(), lr=0.01, weight_decay=0.1)
    train(net, opt, images, randn, 3)              # moments / momentum built up unpruned
    masks = solution.layerwise_masks(net, float(rng.uniform(0.3, 0.7)))
    solution.apply_masks(net, masks, opt)
    train(net, opt, images, randn, int(rng.integers(2, 5)))
    nonzero = pruned_nonzero(net, masks)
    check("pruned_nonzero", nonzero, exact=True)
    assert not any(nonzero.values()), nonzero
    check("params", snapshot(net), rtol=1e-4, atol=1e-6)


@pytest.mark.weight(2)
def test_masks_copied_not_modified(check, rng, solution, make_net, images, randn):
    net = make_net()
    masks = solution.layerwise_masks(net, float(rng.uniform(0.3, 0.7)))
    masks["conv2.weight"] = solution.structured_channel_masks(net.conv2, float(rng.uniform(0.3, 0.7)))
    given = {n: m.clone() for n, m in masks.items()}
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    train(net, opt, images, randn, 2)
    solution.apply_masks(net, masks, opt)
    untouched = list(masks) == list(given) and all(
        masks[n].dtype == torch.bool and torch.equal(masks[n], given[n]) for n in given)
    check("masks_untouched", untouched, exact=True)
    assert untouched
    for m in masks.values():     # the caller changes its masks afterwards: no effect
        m.fill_(True)
    masks.clear()
    train(net, opt, images, randn, 3)
    nonzero = pruned_nonzero(net, given)
    check("pruned_nonzero", nonzero, exact=True)
    assert not any(nonzero.values()), nonzero
    check("params", snapshot(net), rtol=1e-4, atol=1e-6)


@pytest.mark.weight(2)
def test_masks_accumulate(check, rng, solution, make_net, images, randn):
    net = make_net()
    opt = torch.optim.Adam(net.parameters(), lr=0.01, weight_decay=0.05)
    train(net, opt, images, randn, 2)
    first = solution.layerwise_masks(net, 0.3)
    solution.apply_masks(net, first, opt)
    train(net, opt, images, randn, 2)
    # a second mask that re-allows every weight the first one pruned, and prunes others
    second = {n: ~m | torch.from_numpy(rng.random(tuple(m.shape)) < 0.5) for n, m in first.items()}
    second["conv2.weight"] = solution.structured_channel_masks(net.conv2, 0.25)
    given = {n: m.clone() for n, m in second.items()}
    solution.apply_masks(net, second, opt)
    untouched = all(torch.equal(second[n], given[n]) for n in given)   # True over zero weights stays True
    check("second_untouched", untouched, exact=True)
    assert untouched
    train(net, opt, images, randn, 3)
    union = {n: first[n] & second[n] for n in first}
    nonzero = pruned_nonzero(net, union)
    check("pruned_nonzero", nonzero, exact=True)
    assert not any(nonzero.values()), nonzero
    check("params", snapshot(net), rtol=1e-4, atol=1e-6)


@pytest.mark.weight(1)
def test_invalid_masks_raise_and_change_nothing(check, rng, solution, make_net, images, randn):
    net = make_net()
    good = solution.layerwise_masks(net, 0.5)
    before = snapshot(net)
    cases = {
        "unknown": ({"conv1.weight": good["conv1.weight"], "conv9.weight": good["conv2.weight"]}, KeyError),
        "float": ({"conv1.weight": good["conv1.weight"], "conv2.weight": good["conv2.weight"].float()}, ValueError),
        "shape": ({"conv1.weight": good["conv1.weight"], "head.3.weight": good["head.3.weight"].T}, ValueError),
    }
    raised = {}
    for label, (masks, exc) in cases.items():
        with pytest.raises(exc):
            solution.apply_masks(net, masks)
        raised[label] = exc.__name__
    check("raised", raised)
    same = all(torch.equal(before[n], p) for n, p in net.named_parameters())
    assert same
    # nothing was hooked either: the gradients are the ordinary ones
    net.train()
    torch.nn.functional.mse_loss(net(images()), randn(4, 5)).backward()
    grads = {n: p.grad.clone() for n, p in net.named_parameters()}
    assert int((grads["conv1.weight"][~good["conv1.weight"]] != 0).sum()) > 0
    check("grads", grads, rtol=1e-4, atol=1e-7)


@pytest.mark.weight(2)
def test_iterative_pruning_sparsity(check, rng, solution, make_net, images, randn):
    net = make_net()
    opt = torch.optim.Adam(net.parameters(), lr=0.01, weight_decay=0.01)
    s1 = float(rng.uniform(0.2, 0.4))
    solution.apply_masks(net, solution.layerwise_masks(net, s1), opt)
    train(net, opt, images, randn, 3)
    s2 = float(rng.uniform(0.6, 0.8))
    masks = solution.global_masks(net, s2)
    solution.apply_masks(net, masks, opt)
    train(net, opt, images, randn, 3)
    zeros = zero_counts(net)
    params = dict(net.named_parameters())
    per_layer = {n: zeros[n] / params[n].numel() for n in PRUNABLE}
    total = sum(params[n].numel() for n in PRUNABLE)
    overall = sum(zeros[n] for n in PRUNABLE) / total
    check("zeros", zeros, exact=True)
    check("per_layer_sparsity", per_layer, rtol=1e-9)
    check("overall_sparsity", overall, rtol=1e-9)
    assert sum(zeros[n] for n in PRUNABLE) == math.floor(s2 * total)   # the first pruning is inside the second


class SharedGradient(torch.nn.Module):
    """Two Linear layers whose weights are summed: autograd hands both the same gradient tensor."""

    def __init__(self, n_in, n_out):
        super().__init__()
        self.a = torch.nn.Linear(n_in, n_out)
        self.b = torch.nn.Linear(n_in, n_out, bias=False)

    def forward(self, x):
        return torch.nn.functional.linear(x, self.a.weight + self.b.weight, self.a.bias)


@pytest.mark.weight(1)
def test_gradient_shared_with_unmasked_parameter(check, rng, solution, randn):
    model = SharedGradient(6, 4)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(randn(*p.shape))
    masks = solution.layerwise_masks(model, 0.5)
    solution.apply_masks(model, {"a.weight": masks["a.weight"]})
    x = randn(5, 6)
    model(x).pow(2).sum().backward()
    grads = {n: p.grad.clone() for n, p in model.named_parameters()}
    w = (model.a.weight + model.b.weight).detach()
    expected_b = 2 * (x @ w.T + model.a.bias.detach()).T @ x   # the ordinary gradient, not masked
    close = torch.allclose(grads["b.weight"], expected_b, rtol=1e-4, atol=1e-5)
    check("grads", grads, rtol=1e-4, atol=1e-6)
    assert close and bool((grads["a.weight"][~masks["a.weight"]] == 0).all())
