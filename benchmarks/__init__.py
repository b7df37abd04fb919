"""distviz benchmarks: ``python -m benchmarks`` (``make bench``) runs them all and rewrites
``benchmarks/RESULTS.md``. Each module is runnable on its own and rewrites only its section."""
