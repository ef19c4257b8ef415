"""The parts of ``ember.serialization`` (the public module): structure encoding and its checked decoding,
modules by class path, the ``weights_only`` allowlist, device placement, reading that trusts no declared
length, atomic saves, foreign-file diagnosis and the safetensors format."""
