"""The parts of ``ember.serialization`` (the public module): structure encoding, modules by class path,
the ``weights_only`` allowlist, device placement, foreign-file diagnosis and the safetensors format."""
