"""matrix-factorization-recsys: fill in the six functions (see spec.md)."""
import numpy as np


def predict(model, users, items):
    """Predicted ratings mu + bu[u] + bi[i] + P[u] @ Q[i], float64 (len(users),)."""
    raise NotImplementedError


def rmse(model, users, items, ratings):
    """Root mean squared error of predict(model, users, items) against ratings (a float)."""
    raise NotImplementedError


def sgd_fit(users, items, ratings, n_users, n_items, k, rng, epochs=10, lr=0.01,
            reg=0.02, reg_bias=0.0, init_scale=0.1):
    """Biased matrix factorization trained by SGD (protocol in spec.md).

    Returns a dict with "mu", "bu", "bi", "P", "Q" and "rmse" (epochs + 1,).
    """
    raise NotImplementedError


def als_fit(users, items, ratings, n_users, n_items, k, rng, iters=10, reg=0.1,
            init_scale=0.1):
    """Matrix factorization of the centred ratings by alternating least squares.

    Returns a dict with "mu", "bu" (zeros), "bi" (zeros), "P", "Q" and "rmse" (iters + 1,).
    """
    raise NotImplementedError


def recommend(model, users, items, ratings, user, n):
    """Top-n unrated items for `user` by predicted rating (popularity for a user with no rating).

    Returns an int64 array of item indices, best first.
    """
    raise NotImplementedError
