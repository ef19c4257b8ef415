"""Implementation modules of :mod:`ember.nn.functional`, one per family; import from there."""
