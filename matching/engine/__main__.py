import sys
import time

from .cli import run

# --time-limit counts from here: after the package's imports (0.15 s), which ``python -m``
# runs first (``manage.py match_instance`` counts from before them).
run(sys.argv[1:], "python -m matching.engine", time.perf_counter())
