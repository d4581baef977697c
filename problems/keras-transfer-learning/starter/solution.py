"""keras-transfer-learning: frozen base, new head, fine-tuning (see spec.md)."""
import keras


def build_model(base: keras.Model, num_classes: int) -> keras.Model:
    """Freeze ``base`` and return a model: images -> base -> Dense(num_classes,
    activation="softmax", name="head"). Do not compile."""
    raise NotImplementedError


def train_head(model, base, x, y, *, epochs, batch_size, learning_rate) -> dict:
    """Phase 1: compile (SGD(learning_rate, momentum=0.9), sparse categorical
    cross-entropy), fit with shuffle=False; only the head trains.
    Returns the history dict (at least "loss": one float per epoch)."""
    raise NotImplementedError


def fine_tune(model, base, x, y, *, n_unfreeze, epochs, batch_size, learning_rate) -> dict:
    """Phase 2: unfreeze the last ``n_unfreeze`` layers of ``base.layers`` except
    BatchNormalization layers, compile again with a new SGD(learning_rate,
    momentum=0.9), fit with shuffle=False. Returns the history dict."""
    raise NotImplementedError
