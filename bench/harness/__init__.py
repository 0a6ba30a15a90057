"""What the benchmarks share: servers pinned to a core, the load generator (wrk) pinned to another, and the
registry they measure. Not a benchmark itself (./run bench runs bench/*.py only)."""
