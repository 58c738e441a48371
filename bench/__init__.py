"""`make bench`: the performance suite (bench/README.md). Nothing here runs in production:
the bench-only URL and socket route are mounted only when SOCIALCO_BENCH=1."""
