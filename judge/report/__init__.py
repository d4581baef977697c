"""Reports rendered from a result document (``judge.result/1``)."""
