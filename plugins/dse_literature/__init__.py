"""dse built-in plugin: literature."""
