"""A network as data: the model, its file format, graph facts, layout, builders, datasets and
sample files, errors and how numbers are written. Imports nothing of the engine and no Qt."""
