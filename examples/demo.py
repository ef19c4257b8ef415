"""The tour printed by `ember demo`: run `python examples/demo.py`."""
import ember.demo

ember.demo.main()
