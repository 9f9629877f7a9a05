"""Training in the window: the session that drives the training process, the Training dock,
the loss plot and the decision boundary."""
