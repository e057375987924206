"""dse built-in plugin: systolic."""
