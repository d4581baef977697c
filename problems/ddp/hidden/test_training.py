"""Hidden tests: train_step and train against single-process training on the full batch.

The single-process run is computed here with plain torch (no submitted code): when
every rank's local batch has the same size, averaging the ranks' mean-loss gradients
equals the gradient of the mean loss over the union of the local batches.
"""
import numpy as np
import pytest
import torch

from ddp_util import make_mlp, random_state, tensor

TOL = dict(rtol=1e-4, atol=1e-5)


def _optimizer(name, params):
    if name == "sgd":
        return torch.optim.SGD(params, lr=0.2)
    if name == "momentum":
        return torch.optim.SGD(params, lr=0.1, momentum=0.9)
    return torch.optim.Adam(params, lr=0.02)


def _params(model):
    return {f"param/{n}": p.detach().clone() for n, p in model.named_parameters()}


def _step_task(sol, rank, world_size, state, steps, opt_name):
    model = make_mlp()
    model.load_state_dict(state)
    opt = _optimizer(opt_name, model.parameters())
    losses, floats = [], True
    for xs, ys in steps:
        loss = sol.train_step(model, opt, torch.nn.CrossEntropyLoss(), xs[rank], ys[rank])
        floats = floats and isinstance(loss, float)
        losses.append(float(loss))
    return {"losses": np.asarray(losses, dtype=np.float64), "python_floats": np.asarray(floats),
            **_params(model)}


def _single_process_steps(state, steps, opt_name):
    model = make_mlp()
    model.load_state_dict(state)
    opt = _optimizer(opt_name, model.parameters())
    losses = []
    for xs, ys in steps:
        opt.zero_grad()
        if len({x.shape[0] for x in xs}) == 1:   # one batch: the concatenation of the ranks'
            loss = torch.nn.functional.cross_entropy(model(torch.cat(xs)), torch.cat(ys))
        else:   # the mean over ranks of each rank's mean loss (its gradient: the averaged one)
            loss = torch.stack([torch.nn.functional.cross_entropy(model(x), y)
                                for x, y in zip(xs, ys)]).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return np.asarray(losses), {k: v.numpy() for k, v in _params(model).items()}


def _compare(results, losses, params, check):
    for r, res in enumerate(results):
        for key, value in params.items():
            assert np.array_equal(res[key], results[0][key]), f"rank {r}: {key} differs from rank 0's"
            assert np.allclose(res[key], value, **TOL), \
                f"rank {r}: {key} differs from single-process training on the full batch"
        assert np.allclose(res["losses"], losses, **TOL), f"rank {r}: returned losses are wrong"
        assert bool(res["python_floats"]), f"rank {r}: must return Python floats"
    check("params", {k: results[-1][k] for k in params}, **TOL)
    check("losses", results[0]["losses"], **TOL)
    identical = all(np.array_equal(res[k], results[0][k]) for res in results for k in params)
    check("ranks_identical", identical, exact=True)


def _make_steps(rng, world_size, n_steps, local_batch):
    """``local_batch``: one size for every rank, or a list of per-rank sizes."""
    sizes = local_batch if isinstance(local_batch, list) else [local_batch] * world_size
    steps = []
    for _ in range(n_steps):
        xs = [tensor(rng.standard_normal((m, 6))) for m in sizes]
        ys = [torch.from_numpy(rng.integers(0, 3, size=m)) for m in sizes]
        steps.append((xs, ys))
    return steps


@pytest.mark.weight(2)
@pytest.mark.parametrize("world_size,opt_name,local_batch", [(2, "sgd", 5), (3, "momentum", [5, 3, 4])])
def test_train_step_matches_full_batch(ranks, rng, check, world_size, opt_name, local_batch):
    # with unequal local batches the step is still: gradients = mean over ranks of each
    # rank's gradient, returned loss = mean over ranks of each rank's mean loss
    state = random_state(make_mlp(), rng)
    steps = _make_steps(rng, world_size, n_steps=4, local_batch=local_batch)
    results = ranks(world_size, _step_task, state, steps, opt_name)
    losses, params = _single_process_steps(state, steps, opt_name)
    _compare(results, losses, params, check)


def _train_task(sol, rank, world_size, states, X, Y, epochs, batch_size, seed, opt_name):
    model = make_mlp()
    model.load_state_dict(states[rank])  # ranks start different: train() must broadcast
    opt = _optimizer(opt_name, model.parameters())
    history = sol.train(model, opt, torch.nn.CrossEntropyLoss(), X, Y,
                        epochs=epochs, batch_size=batch_size, seed=seed)
    floats = isinstance(history, list) and all(isinstance(h, float) for h in history)
    return {"losses": np.asarray([float(h) for h in history], dtype=np.float64),
            "python_floats": np.asarray(floats), **_params(model)}


def _single_process_train(state, X, Y, epochs, batch_size, seed, opt_name, world_size):
    model = make_mlp()
    model.load_state_dict(state)
    opt = _optimizer(opt_name, model.parameters())
    n = X.shape[0]
    global_batch = world_size * batch_size
    history = []
    for epoch in range(epochs):
        perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed + epoch))
        losses = []
        for s in range(n // global_batch):
            idx = perm[s * global_batch:(s + 1) * global_batch]
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(X[idx]), Y[idx])
            loss.backward()
            opt.step()
            losses.append(loss.item())
        history.append(float(np.mean(losses)))
    return np.asarray(history), {k: v.numpy() for k, v in _params(model).items()}


def _dataset(rng, n):
    X = tensor(rng.standard_normal((n, 6)))
    w = rng.standard_normal((6, 3))
    Y = torch.from_numpy(np.argmax(X.numpy() @ w, axis=1))
    return X, Y


@pytest.mark.weight(3)
def test_train_matches_single_process(ranks, rng, check):
    world_size, batch_size, epochs = 2, 4, 2
    template = make_mlp()
    states = [random_state(template, rng) for _ in range(world_size)]
    X, Y = _dataset(rng, 32)
    seed = int(rng.integers(0, 10_000))
    results = ranks(world_size, _train_task, states, X, Y, epochs, batch_size, seed, "sgd")
    losses, params = _single_process_train(states[0], X, Y, epochs, batch_size, seed, "sgd", world_size)
    _compare(results, losses, params, check)


@pytest.mark.weight(3)
@pytest.mark.parametrize("extra", [2, 10])
def test_train_uneven_dataset(ranks, rng, check, extra):
    # 3 ranks, batch 4: 3 steps per epoch on every rank and the last `extra` samples dropped.
    # extra=2: 38 samples, shards of 13, 13 and 12: walking the shard with a short last batch
    #   takes 4, 4 and 3 steps (rank 2 skips a collective the others call);
    # extra=10: 46 samples, shards of 16, 15 and 15: counting full batches of the local shard
    #   takes 4, 3 and 3 steps (rank 0 calls a collective the others skip).
    world_size, batch_size, epochs = 3, 4, 2
    template = make_mlp()
    states = [random_state(template, rng) for _ in range(world_size)]
    X, Y = _dataset(rng, world_size * batch_size * 3 + extra)
    seed = int(rng.integers(0, 10_000))
    results = ranks(world_size, _train_task, states, X, Y, epochs, batch_size, seed, "momentum")
    losses, params = _single_process_train(states[0], X, Y, epochs, batch_size, seed, "momentum",
                                           world_size)
    _compare(results, losses, params, check)
