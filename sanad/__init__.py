"""The umbrella `sanad` command: the one place that wires the packages together."""
