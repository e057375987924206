"""dse built-in plugin: workloads."""
