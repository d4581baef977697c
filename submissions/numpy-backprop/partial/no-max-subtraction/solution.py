import numpy as np


def softmax(scores):
    exp_scores = np.exp(scores)
    return exp_scores / np.sum(exp_scores, axis=1, keepdims=True)


def loss_and_grads(params, X, y, reg=0.0):
    W1, b1 = params["W1"], params["b1"]
    W2, b2 = params["W2"], params["b2"]
    num_train = X.shape[0]

    z1 = X @ W1 + b1
    a1 = np.maximum(z1, 0)
    scores = a1 @ W2 + b2
    probs = softmax(scores)

    correct_logprobs = -np.log(probs[range(num_train), y])
    data_loss = np.sum(correct_logprobs) / num_train
    reg_loss = 0.5 * reg * np.sum(W1 * W1) + 0.5 * reg * np.sum(W2 * W2)
    loss = data_loss + reg_loss

    dscores = probs.copy()
    dscores[range(num_train), y] -= 1
    dscores /= num_train

    dW2 = a1.T @ dscores + reg * W2
    db2 = np.sum(dscores, axis=0)
    da1 = dscores @ W2.T
    da1[z1 <= 0] = 0
    dW1 = X.T @ da1 + reg * W1
    db1 = np.sum(da1, axis=0)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
