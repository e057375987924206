"""dse built-in plugin: accuracy."""
