"""dse built-in plugin: snn."""
