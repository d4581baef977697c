"""keras-cnn-augmentation: a small CNN with seeded augmentation, trained with
a validation split and early stopping (see spec.md)."""
import keras


def build_model(input_shape, num_classes, seed):
    """Return an uncompiled keras.Sequential: RandomFlip, RandomTranslation,
    Conv2D, MaxPooling2D, Conv2D, Flatten, Dense(num_classes) (logits), with
    the arguments of spec.md."""
    raise NotImplementedError


def train(model, x, y, *, epochs, batch_size, patience, callbacks=()):
    """Compile (Adam(0.01), sparse categorical cross-entropy from logits,
    "accuracy"), fit on the first 80 % of the rows validating on the last 20 %,
    without shuffling, with early stopping on val_loss that restores the best
    weights; the extra ``callbacks`` go before it. Return the History."""
    raise NotImplementedError
