import sys

from .cli import exit_now_if_highs_runs_on, main

code = main()
exit_now_if_highs_runs_on(code)  # the result is written: no HiGHS run left going is waited for
sys.exit(code)
