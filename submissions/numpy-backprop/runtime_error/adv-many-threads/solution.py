"""Adversarial: start threads until the system refuses.

Docker: the pids limit counts threads; starting one more raises at import.
Local: the poller counts threads and kills the session.
"""
import threading
import time

import numpy as np

_threads = []
for _ in range(100000):
    _t = threading.Thread(target=time.sleep, args=(3600,), daemon=True)
    _t.start()
    _threads.append(_t)


def softmax(scores):
    return np.zeros_like(np.asarray(scores, dtype=np.float64))


def loss_and_grads(params, X, y, reg=0.0):
    return 0.0, {k: np.zeros_like(np.asarray(v, dtype=np.float64)) for k, v in params.items()}
