"""ember's airspeed-velocity benchmarks (see docs/performance.md)."""
