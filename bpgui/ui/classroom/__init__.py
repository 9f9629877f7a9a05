"""The classroom: presentation mode for a projector, lessons played in it with speaker
notes, and a neuron expanded into its gates."""
