"""FlexFlow's benchmarks: ``python -m bench`` measures and writes docs/benchmarks.md.

Targets are checked here, in the report, never by timed assertions in the tests.
"""
