"""dse built-in plugin: accuracy models (``table``, ``digits-proxy``); knobs in :mod:`dse_accuracy.knobs`."""
