"""dse built-in plugin: hybrid."""
