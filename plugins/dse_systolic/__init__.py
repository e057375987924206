"""dse built-in plugin: the ``systolic`` backend, a TPU-like ANN accelerator (see backend.py)."""
