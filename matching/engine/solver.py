"""The exact method: LP relaxation, dual bounds, a dive, and integer programs over the margin.

Outline (docs/matching-engine.md has the full argument):

1. Group households into interchangeable classes and build the aggregated integer program
   (:mod:`.aggregate`, capacities and quotas lowered to what whole households can fill);
   solve its LP relaxation with HiGHS (by sifting where classes have many pledges, :mod:`.lp`).
2. From the LP's prices ``y`` (free on the class rows, >= 0 on capacities and quotas) compute
   the bound ourselves: reduced profits ``r = c - A'y`` and
   ``D = y . row_upper + sum_j upper_j max(0, r_j)``. It holds for any such prices, so it is an
   honest upper bound whatever the LP's tolerances, and equals the LP optimum at its prices.
3. A dive turns the LP into integral counts: households the LP split between pledges are sent
   to one of them while places allow, the LP re-balancing the rest; the result, turned into
   households, each pledge repacked exactly and small pledges exchanging households with the
   others (:mod:`.repack`), is the first incumbent; two small programs around it (the LP's
   rounding, and the classes the incumbent and the LP disagree on, :mod:`.neighbourhoods`)
   improve it. Beside the dive, on the other core, rounding cuts on each pledge's capacity and
   quota rows (:mod:`.mir`) give ``M``, the LP with them: waited for before the first margin
   program, it bounds the solve, restricts the margin programs as ``D`` does (they then hold
   its cut rows), and the rounding neighbourhood of its optimum is searched once more.
4. Every solution is worth ``D`` minus its distance from the bound, priced by ``|r_j|`` per
   unit a column moves. So the program in which columns with ``|r_j| > tau`` stay where ``D``
   puts them contains every solution better than ``D - tau``. It is small, and HiGHS solves it
   (from the incumbent when it fits). With its optimum ``V``: if ``D - V <= tau`` nothing
   outside can beat ``V``, which is optimal; otherwise ``tau`` grows. The proven bound is
   ``max(bound of the restricted program, D - tau)``, never more than ``D``.
5. Where whole households cannot fill a pledge the way the LP does (small pledges, large
   families), ``D`` is loose. Pricing those pledges as exact knapsacks gives the tighter
   Lagrangian bound ``L``, and column generation improves its prices and finds whole
   packings of those pledges (:mod:`.decomposition`; it runs in a worker thread beside the
   small programs and the first margin program, see :class:`Beside`). With them,
   the *master program*
   (:mod:`.master`: those pledges as whole packings, the rest as counts, around ``L``) is
   searched on the other core beside the margin programs, under a time limit (it is read only
   when the time runs out): its LP is ``L``'s, so HiGHS finds there in about a second what a
   margin program needs seconds of root cuts for.
   After the first program around ``D``, the programs are restricted around ``L`` too: the
   same argument, each knapsack pledge's columns held only beyond ``tau`` plus what its
   knapsack gives up against its LP term. ``L`` is usually within a few thousandths of a
   percent of the optimum, so far smaller programs prove it.
6. HiGHS's root cuts on the whole program (:mod:`.cuts`) give ``D'``, the LP with them, at most
   0.0065 % above the optimum where ``D`` and ``L`` can be 0.08 % above it. Its reduced profits
   restrict the programs the same way (the program then holds the cut rows). The root takes
   0.1-40 s at 10,000 households, so it is waited for only with a time limit generous for the
   program's width (or none; ``CUTS_WAITED_FOR``, ``ROOT_COLUMNS_PER_SECOND``); otherwise,
   where the other core is free (no knapsack pledges) and the program has at most
   ``CUT_SEARCH_COLUMNS`` columns, and at most ``CUT_SEARCH_COLUMNS_PER_SECOND`` per second of
   the limit, it runs there with its own margin programs around ``D'``
   (:func:`search_with_cuts`).
   Every restriction is the intersection of those around each bound known (:class:`Margins`):
   each holds every solution worth more than the same target.
7. When the restriction has grown to most of the model, the whole program is solved and its
   bound is HiGHS's own. A time limit stops the loop with the best solution so far: a program
   whose root no longer fits the time left gives way to blocks of pledges, and no HiGHS run is
   waited for past the deadline (:func:`.highs.run_within`). Where the root cuts are not
   waited for, the blocks are also searched on the other core beside the margin programs,
   unless the cut search runs there: once column generation has ended (until the master
   search starts), or at once where no pledge is priced as a knapsack.
8. A solve the clock ended polishes its best placement (:mod:`.slots`): the best households
   for the slots it fills (so many households of each size per pledge, and of each state where
   the pledge has quotas), a transportation problem whose LP optimum is whole. All that
   follows the LP ends sooner by the time it is expected to take.

Everything is deterministic for a given instance and time limit: HiGHS is deterministic for
a given model (and runs on one thread, as a search may run beside it), the model is
built in a fixed order, counts are turned into households by a fixed order (best base value
first, then household id), column generation and (when waited for) the root cuts are waited
for wherever their result is used, and the searches beside the main one (the master program,
the cut search, the blocks beside) are read only when the clock cut the main search short
(a margin program, or no time left for one). Only a wall-clock limit that cuts a step short
makes a run differ. The limit itself decides whether the root cuts are waited for, so a short
limit and none may end on different placements of the same optimal value.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from .aggregate import (
    AggregateModel,
    build_aggregate,
    household_columns,
    levels_in_reach,
    row_activity,
)
from .classes import HouseholdClass, build_classes
from .cuts import root_cuts, with_cuts
from .decomposition import Tightened, improve_prices, knapsack_bound, pledge_columns
from .greedy import greedy, top_up
from .highs import (
    checked,
    is_infeasible,
    is_optimal,
    make_lp,
    new_highs,
    release_freed_memory,
    run_within,
    set_start,
    set_time_left,
    status_name,
)
from .lagrange import lagrangian_bound
from .lp import LpSolution, best_per_class, solve_lp
from .master import Master, master_program
from .mir import lp_with_cuts
from .model import UNPLACED, Prepared, Room, feasibility_violations
from .neighbourhoods import (
    block_bounds,
    disagreement_neighbourhood,
    pledge_blocks,
    pledge_losses,
    rounding_neighbourhood,
)
from .repack import eligible_lists, exchange, repack_all
from .slots import same_slots

MIP_REL_GAP = 1e-7  # the contract's "optimal" is a relative gap of 1e-6; leave room for it
START_TAU_REL = 5e-6
FULL_MODEL_SHARE = 0.5
# HiGHS checks its time limit between phases, not inside its root cut rounds, so a program
# started with too little time left would end past the limit (at 10,000 households a first
# program started at 1.9 s with 16,007 free columns took 2.2 s of a 3 s limit; one round of
# root cuts can take a second and more). So no program is waited for past the deadline plus
# a quarter of the reserve (:func:`.highs.run_within`), and a margin program or a block starts only
# with this much time per 10,000 free columns (counting the reserve), since one left running
# rarely reports anything: blocks that fit are searched instead. 0.5 and 1.5 did no better
# than 1.0 on 24 instances (14-15 met the targets with each).
ROOT_SECONDS_PER_10K_COLUMNS = 1.0
# Dive rounds: a count, not a clock (the result must not depend on the machine's speed). Four
# rounds, not ten: the repacking, the exchange and the small programs after the dive settle
# most of what its later rounds would, and at 3 s they get the time (the 104 outside files at
# 10,000 households: 84-89 met the targets in three sweeps with four, 80-83 in three with ten,
# one after the other; at 40,000 households with 30 s 5 of 5 either way; six proofs with a
# 120 s limit 70 s in all against 68 s, one twice as fast, one twice as slow;
# docs/benchmarks.md, "Four dive rounds").
DIVE_ROUNDS = 4
# Where the LP was sifted, the dive's LPs hold, besides the counts the LP uses, this many of each
# class's counts (the highest reduced profits; :func:`dive_near_lp`), and it takes fewer rounds:
# each costs more there, and the repacking after it gains more (many-pledges 16 of the outside
# set spent its whole 3 s in ten rounds; with three it ends 0.6 % higher; many-pledges 2 and 9
# as high or higher, tight-quotas 17 0.006 % lower).
DIVE_COUNTS_PER_CLASS = 3
DIVE_ROUNDS_SIFTED = 3
# Building that dive's LP took 0.14-0.28 s for 112,000-353,000 counts (0.5-1.25 microseconds
# per count, in a sitting where the machine ran at about half its usual speed); with less time
# than this per count it is not started, and the LP's counts are rounded down.
DIVE_SETUP_SECONDS_PER_COUNT = 7e-7
# The dive takes at most this share of the time left after the LP: the rest is for turning its
# counts into households, repacking and the exchange, which gain far more where the LP ended
# late. Many-pledges 30 of a second outside set (10,000 households, 150 pledges, 3 s) had its
# LP end at 1.4-1.7 s and its dive run to 2.4 s, leaving the exchange little or no time:
# 0.78-1.69 % below its optimum (median 1.04 %, seven runs), 0.21-1.24 % (median 0.94 %) with
# half the time left. With a quarter, on a day the machine ran at half its usual speed and most
# LPs ended at 1.1-2.0 s: 62 of the 104 outside files met the targets at 3 s against 58 with
# half (mean distance below the optimum 0.106 % against 0.165 %, same sitting). Where the LP
# ends early most dives end before this (on that day ten rounds took 0.07-1.0 s, 0.47 s on
# average, over LPs solved whole).
DIVE_SHARE = 0.25
# What must follow the LP even with no time left (the knapsack bound's setup, turning counts
# into households and topping them up, the result) takes 0.28-0.44 microseconds per eligible
# (household, pledge) pair on our machine (six instances, 0.2-6.2 million pairs). Where that
# is more than the reserve, the LP stops earlier by the difference: at 10,000 households with
# 600 pledges of 1-12 places (2.7 million pairs) and 3 s, the LP ended at 2.3-2.7 s, the solve
# at 3.4-3.9 s and the command at 3.4-3.7 s; with this, the command at 2.5-2.6 s.
CONVERSION_SECONDS_PER_PAIR = 4e-7
# Turning the dive's counts into households, repacking them and one exchange pass took 0.6-3
# microseconds per eligible pair (13 instances of 10,000 households, 0.13-0.6 s, in a sitting
# where the machine ran at about half its usual speed); the dive, and the knapsack bound before
# it, stop in time for that, or a reserve before the deadline where that is longer
# (:func:`first_incumbent_seconds`). The first exchange pass gains far more than the dive where
# pledges are small (many-pledges 9 of the outside set: the LP rounded down and its households
# exchanged once, 0.28 % below the optimum; dived, 1.39 %; dived and exchanged once, 0.18 %).
# On 11 instances of many small pledges (two runs each, 3 s) 2 microseconds left them 0.55 %
# below their optima on average against 0.66 % with 1. Per pair the estimate overshoots where
# pairs are millions (40,000 households with 600 pledges, 12 million pairs: 25 s, where the
# exchange took 2.8 s), so it is held to ``FIRST_INCUMBENT_SECONDS_PER_HOUSEHOLD`` (twice the
# most measured per household, 60 microseconds): 1.2 s at 10,000 households, 4.8 s at 40,000.
# 60 microseconds per household alone, with the knapsack bound given the whole time, left the
# 104 outside files 0.185 % below their optima on average at 3 s against 0.149 % (47 against 51
# met the targets, same sitting).
EXCHANGE_SECONDS_PER_PAIR = 2e-6
FIRST_INCUMBENT_SECONDS_PER_HOUSEHOLD = 1.2e-4
EXCHANGE_PASSES = 3
# Pledges of at most this many places take households from others; larger ones only while
# they have places left (:func:`.repack.exchange`).
EXCHANGE_LIMIT = 200
# When the time left is too short for the next margin program, blocks of pledges with at most
# this many free count columns each (0.1-0.5 s of HiGHS at 10,000 households) are searched.
BLOCK_COLUMNS = 3000
# The neighbourhood programs (the rounding ones and the disagreement, item 3 of the outline)
# prove nothing: they are searched for a better incumbent only, and HiGHS stops each after
# this many nodes. Over the 35 files of the first two outside sets at 10,000 households with
# 30 s, most ended within 31 nodes, six took 101-252, and three ran on for 16-22 s to the
# limit (big-families 33's disagreement: 34,012 nodes; the rounding around ``M`` of
# many-pledges 16 and 30: 871 and 1,165), as did family-heavy 11's of the fourth set (24 s):
# the main search's time, that the root's cuts and the margin programs then did not have. A
# count of nodes, not a clock, so that a solve ended before its limit gives the same placement
# on every run.
SEARCH_NODES = 200
# The last placement of a solve the clock ended is polished (:mod:`.slots`, step 8 of the
# outline) over the counts it holds and those whose reduced profit at the LP's prices is
# within this share of its distance from ``D``. With the whole distance nothing better would be
# left out (by the argument of the margin programs: a count dearer than that is zero in every
# placement worth more), in 0.1-1.0 s at 10,000 households; with a tenth, the same gains on 10
# of 12 outside files (0.0009 % and 0.0014 % of the optimum less on two uniform-waiting ones)
# in 0.06-0.3 s. All that follows the LP ends sooner for it by this many seconds per count
# column, at most ``POLISH_SHARE`` of the limit (0.24 s at 3 s), and the polish holds at most
# as many counts as that time allows at ``POLISH_SECONDS_PER_KEPT`` each (those the placement
# uses, then those of highest reduced profit): where the programs are wide, with 100-150
# pledges, a polish of all the counts within the margin (250,000) did not end in time.
POLISH_MARGIN_SHARE = 0.1
POLISH_SECONDS_PER_COUNT = 1.5e-6
POLISH_SHARE = 0.08
POLISH_SECONDS_PER_KEPT = 4e-6
# A margin program too large for the time left is tried this many times with ``tau`` half as
# far grown (:meth:`Margins.bounds_that_fit`) before the blocks are searched instead.
FIT_STEPS = 3
# A program whose start HiGHS misread (:func:`_run_program`) is solved again only with at least
# this many seconds left, and gets this much more than twice the first run's time.
MISREAD_LEAST_SECONDS = 0.2
# With at least this many seconds per 10,000 households (or no limit), and a program narrow
# enough for the limit (``ROOT_COLUMNS_PER_SECOND``), the main search waits for HiGHS's root
# cuts (:mod:`.cuts`, 0.1-40 s at 10,000 households) and restricts its margin programs around
# the LP with them too; otherwise the cut search may run them beside it (below). It
# waits before its first margin program when the incumbent is further than this (relative)
# from the bound, else after this many programs: those prove the easy instances without the
# cuts (standard seeds 1 and 2 at 10,000 households: 0.0035 % and 0.0005 % apart, proven in
# 1.7 and 0.8 s, where their roots take 2.2 and 3.3 s; with the dive's 4 rounds, on a slower
# day, 0.0006 % and 0.0005 %, proven in 1.7 and 3.1 s, as with 10; the hard ones are
# 0.006-0.17 % apart, and random shape 301 took 106 s to prove after two programs without the
# cuts, 6.5 s with).
CUTS_WAITED_FOR = 20.0
CUTS_FIRST_GAP = 5e-5
CUTS_AFTER_PROGRAMS = 2
# Under a limit, only on programs of at most this many columns per second of it (at 30 s,
# 90,000; above it the cut search may still run the root beside, unwaited, where its own
# conditions hold, as in the measurements below). The root takes about a ten-thousandth of a
# second per column (3.9 s on 62,758 columns, 9.4 s on 78,073, 40 s and 2.7 GB on 363,028;
# 10,000 households each), the other core all that time, and the main search waits for it. At
# 10,000 households with 30 s, over the 25 outside programs of 109,920-363,028 columns, the
# solves without it ended closer to the optimum or proved it sooner on 18, later on 6 (the same
# placements to 0.0001 %, 4 not proven by the deadline), the same on one; the widest gained most
# (many-pledges 9: 0.0029 % below the optimum at 1.46 GB, with it 0.0173 % at 1.91 GB;
# quota-lattice 13: 0.0102 % against 0.0296 %), and the peak memory over them was 1.59 GB
# against 1.96 GB. On those of 60,000-79,000 columns it helped (family-heavy 11: 0.0040 % below
# against 0.0275 %; realistic 8 and tight-quotas 10 proven at 18.7 and 16.8 s, not by 27 s
# without). Without a limit it always runs: it is what brings the widest programs to a proof, at
# a price in memory (many-pledges 9 with 120 s: 0.0002 % from a proof with it at 4.6 GB,
# 0.0099 % without at 1.8 GB).
ROOT_COLUMNS_PER_SECOND = 3_000
# HiGHS restarts its programs after their root (presolves them again, then a second root) only
# with at least this many seconds per 10,000 households (or no limit). Under a shorter limit
# the second root takes the time the search needed: without restarts 87 of our 90 instances met
# both targets at 3 s against 84, and 13 of the 21 outside ones against 12 (same sitting). With
# time for a search after it, it pays: at 40,000 households with 30 s, a margin program of
# 49,502 free counts (realistic 1 of the outside set) was solved at 18.6 s with restarts and
# not by 27 s without; proofs without a limit of random 132 and 301 and large-families 2
# (10,000 households) took 12.7, 8.7 and 35.7 s with them, 16.1, 12.9 and 40.7 s without.
RESTARTS_FROM = 5.0
# Under such a short limit the programs of :func:`_run_program` (the margin, neighbourhood,
# block and master programs; not the root cuts' own run, :mod:`.cuts`) also keep a small cut
# pool: some small neighbourhood programs spent most of their time in root rounds over
# thousands of pooled cuts (vulnerable-first 4 of the third outside set, 10,000 households: a
# rounding program of 385 free counts, 3,100 cuts in its pool, 0.9-1.0 s with HiGHS's 10,000
# rows, 0.37 s with 100). Over many programs it saves little (5 %, some slower), but in three
# sweeps of the 104 outside files at 3 s, in turns with the engine before, vulnerable-first 4
# met the targets in all three instead of none, and the rest moved within the noise. With
# time to prove, the pool pays (vulnerable-first 4 with 100 s: proven in 27 s with HiGHS's,
# in 97 s with 100 rows), so wherever restarts are on it is HiGHS's own. docs/benchmarks.md,
# "A small cut pool under a short limit".
SHORT_LIMIT_POOL_ROWS = 100
# The cut search beside the main one (where the root is not waited for) holds a second copy of
# the whole program, with its root's cuts and LU factors, and runs only where it has at most
# this many columns. Above it the root alone took 11 s (uniform-waiting 6 of the outside set,
# 152,002 columns, 10,000 households) and 18 s and 624 MB (realistic 1 at 40,000 households,
# 197,535 columns); beside the main search it ended in neither of two 30 s solves at 40,000
# households (197,535 and 844,721 columns), whose peak memory it took from 0.59-0.66 GB to
# 1.19-1.86 GB. At 10,000 households all our 90 instances have at most 84,788 columns; switched
# off there, 80 of them met the targets at 3 s against 85 (same sitting), before the rounding
# cuts (9ab07e3) could use that core instead (below: now 30 of them, those of at most 19,500
# columns, may have it at 3 s).
CUT_SEARCH_COLUMNS = 150_000
# Nor where its root would not end in time: it runs only on programs of at most this many
# columns per second of the limit (at 3 s, 19,500), a root of about 1 s per 10,000 columns
# (0.4-1.5 s measured) ending within two thirds of it. Above it, at 3 s, the 31 outside
# instances of 39,018 columns or more had no cuts from it, its core idle where the rounding
# cuts and the blocks beside now use it: 29-30 of those 31 met both targets against 27-28
# (docs/benchmarks.md, "The cut search only where its root can end in time").
CUT_SEARCH_COLUMNS_PER_SECOND = 6_500
# The master program (item 5 of the outline) starts at this ``tau`` relative to ``L`` (a fifth
# of the first margin's: its programs hold more free columns at ``L``'s prices than the margin
# programs at ``D``'s) and grows it by this factor, this many times at most, while each round
# is solved in time and could still hold something better.
MASTER_TAU_REL = 1e-6
MASTER_ROUNDS = 3
MASTER_GROWTH = 4.0


@dataclass(slots=True)
class Outcome:
    assignment: list[int]
    bound: float
    timed_out: bool = False
    log: list[dict] = field(default_factory=list)


def solve_exact(
    prep: Prepared, time_limit: float | None = None, started: float | None = None
) -> Outcome:
    """The exact method (see the outline above) within ``time_limit`` seconds from
    ``started`` (a ``time.perf_counter()`` reading; None: now), or until proven optimal."""
    beside: list[Beside] = []  # the searches started beside the main one
    try:
        return _solve(prep, time_limit, time.perf_counter() if started is None else started, beside)
    except BaseException:
        for search in beside:  # none is left running for nothing
            search.stop.set()
        raise


def _solve(prep: Prepared, time_limit: float | None, started: float, beside: list) -> Outcome:
    # Keep a little of the limit for turning the last solution into households.
    reserve = 0.0 if time_limit is None else min(3.0, 0.1 * time_limit)
    deadline = math.inf if time_limit is None else started + time_limit - reserve

    def remaining() -> float:
        return deadline - time.perf_counter()

    def seconds_left():
        return None if time_limit is None else remaining()

    def wait_left():  # HiGHS may use a quarter of the reserve before it is left running
        return None if time_limit is None else remaining() + reserve / 4

    def root_fits(free_columns: int) -> bool:
        """Whether the time left (with the reserve) holds a program's root (see above)."""
        return remaining() + reserve >= ROOT_SECONDS_PER_10K_COLUMNS * free_columns / 1e4

    classes = build_classes(prep)
    model = build_aggregate(prep.instance, classes)
    n_households = len(prep.instance.households)
    if model.n_y == 0:
        return Outcome([UNPLACED] * n_households, 0.0)

    # 1. LP relaxation (:mod:`.lp`: by sifting where the program is wide). It stops in time
    # for its counts (or, cut short, the fallback's) to be turned into households after it.
    pairs = sum(map(len, prep.eligible))  # eligible (household, pledge) pairs
    lp_seconds = seconds_left()
    if lp_seconds is not None:
        lp_seconds -= max(0.0, CONVERSION_SECONDS_PER_PAIR * pairs - reserve)
    lp = solve_lp(model, lp_seconds)
    log = [{
        "step": "lp", "status": lp.status, "seconds": time.perf_counter() - started,
        "lp_columns": lp.columns, "lp_rounds": lp.rounds,
    }]
    if not lp.optimal:
        return _without_lp(prep, model, classes, lp, log, deadline + reserve / 4)
    # The time the last placement's polish (step 8) is expected to take is kept for it: all
    # that follows the LP ends that much sooner.
    polish_seconds = 0.0
    if time_limit is not None:
        polish_seconds = min(POLISH_SHARE * time_limit, POLISH_SECONDS_PER_COUNT * model.n_y)
        deadline -= polish_seconds
    lp_point = lp.x
    prices = price_vector(model, lp.row_dual)

    # The same prices with the pledges whole households cannot fill as the LP does priced as
    # knapsacks give ``L`` (:mod:`.decomposition`). Column generation improves its prices and
    # finds whole packings of those pledges; it needs only the LP's prices and basis, and runs
    # on the other core from the first incumbent on (step 2), beside the first programs; its
    # result is waited for before the master program. Like the dive (step 2), it stops in
    # time for the first incumbent (``after_dive``).
    after_dive = first_incumbent_seconds(pairs, n_households, reserve)
    pledges = pledge_columns(model, len(prep.instance.pledges))
    late = remaining() <= 0  # the LP ended past the deadline (a slow machine)
    if late:  # no knapsack pledges, the LP's bound alone; no search beside (below)
        tight = Tightened(math.inf, prices[: model.n_rows].copy(), [], {})
    else:
        tight = knapsack_bound(model, pledges, prices, deadline - after_dive)
        # Cut short, its choice of pledges says nothing, and what time is left is the first
        # incumbent's: late all the same.
        late = remaining() <= after_dive
    generation = None

    # The searches beside the main one that are read only when the time runs out (the master
    # search, the pledge blocks beside) start only under a limit: without one the main search
    # ends in a proof, which ignores them, and their HiGHS trees would only hold memory and a
    # core (many-pledges 9 of the outside set, 10,000 households: proven in 139 s at 4.05 GB
    # without its master search beside the root, 159 s at 4.64 GB with it). Only a margin
    # program that HiGHS ended neither solved nor infeasible (never seen) would end a solve
    # without a limit unproven; its placement is then the main search's alone.
    limited = time_limit is not None

    # Whether HiGHS may restart a program after its root (``RESTARTS_FROM``).
    restart = time_limit is None or time_limit >= RESTARTS_FROM * n_households / 1e4

    # HiGHS's root cuts on the whole program give a tighter LP, ``D'`` (:mod:`.cuts`). With a
    # generous time limit for the program's width (or none) they are computed from here in a
    # worker thread and waited for at a fixed point of the margin programs (step 6). Otherwise,
    # where the other core is free (nothing priced as a knapsack) and the program is not too
    # wide for it (``CUT_SEARCH_COLUMNS``) nor its root too long for the limit
    # (``CUT_SEARCH_COLUMNS_PER_SECOND``), the cut search runs there with its own margin programs
    # around ``D'``; like the master search, it is read only when the time runs out. Which of
    # the two depends on the limit the caller gave, never on the time left, unless the LP
    # itself ended past the deadline, or the knapsack bound after it left no more than the first
    # incumbent's time (``late``): then neither starts.
    offered = Offered()  # what the cut search is given by the main search
    cut_search, cut_runs = None, []
    root = None
    if _waits_for_cuts(time_limit, n_households, len(model.cost)):
        root = Beside(root_cuts, model, seconds_left(), None)
        beside.append(root)
    elif (
        not late and not tight.knapsack_pledges and time_limit is not None
        and len(model.cost) <= min(CUT_SEARCH_COLUMNS, CUT_SEARCH_COLUMNS_PER_SECOND * time_limit)
    ):
        cut_search = Beside(
            search_with_cuts, model, classes, prep, lp.basis(), offered, cut_runs,
            seconds_left, wait_left, root_fits, restart,
        )
        beside.append(cut_search)
    # Rounding cuts on the pledges' rows (:mod:`.mir`) give ``M``, the LP with them, most of
    # the way from ``D`` to the optimum in 0.14-1.1 s at 10,000 households; they are computed on
    # the other core and waited for before the first margin program. Not where the cut search
    # has that core: its root (HiGHS's own, tighter cuts) then ended later, and tight-quotas 10
    # of the outside set missed in three sweeps out of three, met without them. They start
    # now, beside the dive; where the LP was sifted, once the first incumbent is there, as
    # column generation does (below): there their Python took Python's lock from the dive,
    # whose deadline then cut it short (many-pledges 9 at 3 s: 1.2 % below the optimum
    # instead of 0.10 %).
    def start_rounding_cuts() -> Beside:
        counts, basis = lp.held()
        search = Beside(lp_with_cuts, model, lp.x, basis, counts, seconds_left)
        beside.append(search)
        return search

    rounding_cuts = None
    with_rounding_cuts = not late and cut_search is None
    if with_rounding_cuts and not lp.sifted:
        rounding_cuts = start_rounding_cuts()

    # 2. First incumbent: dive to integral counts, turn them into households, repack each
    # pledge exactly, let small pledges exchange households with the others.
    def rounded_value(y):  # the aggregated program's value of integral counts
        return float(model.cost @ full_vector(model, classes, y))

    # Bounds and reduced profits, computed by us (step 3 below; the dive uses them).
    reduced, lp_bound = dual_bound(model, prices)
    y_dive = dive_near_lp(model, lp, reduced, dive_deadline(deadline, after_dive), rounded_value)
    lp.highs = None  # its memory back: nothing solves that LP again
    release_freed_memory()
    candidate = assignment_from_counts(prep, model, classes, y_dive)
    log[-1]["rounded"] = assignment_value(prep, candidate)
    log[-1]["seconds_after_dive"] = time.perf_counter() - started
    eligible_for = eligible_lists(prep)
    repack_all(prep, candidate, eligible_for, deadline=deadline)
    candidate = improve_by_exchange(prep, model, prices, candidate, eligible_for, deadline)
    log[-1]["seconds_after_exchange"] = time.perf_counter() - started
    best, best_value = candidate, assignment_value(prep, candidate)
    best_y = counts_of(model, classes, best, n_households)
    # Column generation starts only now: its Python and the dive's and repacking's take turns
    # with Python's lock, and beside them it had made the exchange start 0.8 s later
    # (many-pledges 9 of the outside set: 2.7 s instead of 1.9 s); the programs from here on
    # are HiGHS's, which releases the lock. Started here, 86 of our 90 instances met both
    # targets at 3 s against 84 (same sitting). Past the deadline (an LP that ended late, an
    # exchange cut short) neither starts: nothing could use them, and handing them the LP's
    # basis alone takes a moment the result is waiting for.
    in_time = remaining() > 0
    cuts_now = None  # the rounding cuts when they start here, beside column generation
    if with_rounding_cuts and lp.sifted and in_time:
        rounding_cuts = cuts_now = start_rounding_cuts()
    if tight.knapsack_pledges and in_time:
        # Its master LP holds the counts the LP was solved over (a sifted LP's: a tenth of them
        # or fewer; many-pledges 44 of the outside set at 40,000 households: 16 rounds in 3.6 s
        # instead of 19 s, each round's re-solve paying for every column it holds). Where the
        # rounding cuts have just started too (a sifted LP), it waits for them: the two took
        # turns with Python's lock on the other core, and the cuts, which the main search
        # waits for, took twice as long (family-heavy 11 of the fourth outside set at
        # 3 s: 0.95 s beside it, 0.41 s before it). The 45 sifted files of the 104 at 3 s:
        # 10-12 missed in five sweeps, against 12-16 (docs/benchmarks.md).
        master_counts, master_basis = lp.held()
        generation = Beside(
            improve_prices, model, pledges, tight, deadline, master_basis, master_counts,
            after=cuts_now,
        )
        beside.append(generation)
    log[-1]["repacked"] = best_value
    log[-1]["seconds_after_repack"] = time.perf_counter() - started

    # 3. The LP's prices give ``D``, and ``L`` at the same prices is tighter.
    bound = min(lp_bound, tight.bound)
    log[-1].update(lp_bound=lp_bound, knapsack_bound=tight.bound, incumbent=best_value)

    offered.lp = Reference("D", lp_bound, reduced)
    offered.offer(best, best_value)
    # Bounds proven with the root's cuts hold for every placement worth more than the root's
    # cutoff (:class:`.cuts.Root`), whose placement is taken: the bound is floored there.
    floor = -math.inf

    def take(run: ProgramRun) -> None:
        nonlocal best, best_value, best_y
        if run.value > best_value:
            best, best_value = run.assignment, run.value
            best_y = counts_of(model, classes, best, n_households)
            offered.offer(best, best_value)

    def proven() -> bool:  # within the contract's 1e-6, with room to spare
        return max(bound, floor) - best_value <= 0.5e-6 * max(abs(best_value), 1e-9)

    # 4. Two small programs inside the first margin below (:mod:`.neighbourhoods`), 0.05-0.3 s
    # each at 10,000 households: the LP's rounding neighbourhood rounds its fractional counts
    # jointly where the dive rounded them one by one; then the classes on which the incumbent
    # and the LP disagree may go to any pledge their margin allows, the others held.
    tau = max(START_TAU_REL * abs(lp_bound), 1e-6)
    margin_lower, margin_upper, _ = restrict(model, reduced, tau)

    def search(step: str, lower, upper) -> None:
        run = _run_program(
            model, classes, prep, lower, upper, model.row_lower, best_y, seconds_left(),
            wait=wait_left(), restart=restart, max_nodes=SEARCH_NODES,
        )
        take(run)
        log.append(_entry(step, run, started, best_value))

    # The blocks searched so far, with the incumbent they started from: where the main search
    # and the blocks beside it both search blocks (from the same incumbent, as each takes up the
    # other's better ones), each block is searched once.
    claimed, claims = set(), threading.Lock()

    def claim(start_y: np.ndarray, block: list[int], searched: bool = True) -> bool:
        """Whether ``block`` from the counts ``start_y`` was still to be searched; it is then
        taken (``searched``), or given back (not ``searched``: its run was cut short)."""
        key = (start_y.tobytes(), tuple(sorted(block)))
        with claims:
            fresh = key not in claimed
            if searched:
                claimed.add(key)
            else:
                claimed.discard(key)
        return fresh

    def search_blocks(start_y, value, found, stop=None, better=None) -> None:
        """Until the deadline (or ``stop``): programs over blocks of pledges inside the first
        margin from the counts ``start_y`` (worth ``value``), the pledges where they lose most
        against ``D`` first; then again, from the new incumbent's losses, while a round of
        blocks improved it. Each run goes to ``found``. ``better()`` (optional) gives an
        incumbent found elsewhere, as (assignment, value): when it is worth more, the blocks
        start again from it. A block another search has taken (:func:`claim`) is skipped."""
        free = margin_upper > margin_lower
        n_pledges = len(prep.instance.pledges)

        def stopped() -> bool:
            return remaining() <= 0 or (stop is not None and stop.is_set())

        while not stopped():
            value_before = value
            loss = pledge_losses(model, prices, reduced, full_vector(model, classes, start_y), n_pledges)
            for block in pledge_blocks(model, free, loss, BLOCK_COLUMNS):
                if stopped():
                    return
                elsewhere = None if better is None else better()
                if elsewhere is not None and elsewhere[1] > value:
                    value, start_y = elsewhere[1], counts_of(model, classes, elsewhere[0], n_households)
                    break  # blocks formed again from its losses
                incumbent = full_vector(model, classes, start_y)
                lower, upper = block_bounds(model, block, incumbent, margin_lower, margin_upper)
                if not root_fits(np.count_nonzero(upper[: model.n_y] > lower[: model.n_y])):
                    continue  # the blocks get smaller
                if not claim(start_y, block):
                    continue
                run = _run_program(
                    model, classes, prep, lower, upper, model.row_lower, start_y, seconds_left(),
                    wait=wait_left(), stop=stop, restart=restart,
                )
                if not (run.solved or run.infeasible):  # cut short: the other may search it
                    claim(start_y, block, searched=False)
                found(run)
                if run.value > value:
                    value, start_y = run.value, counts_of(model, classes, run.assignment, n_households)
            if value <= value_before:
                return

    def search_blocks_beside(runs: list, stop) -> None:
        """The pledge blocks on the other core (started after column generation, which runs
        there), from the main search's incumbent, and from each better one it finds; every run
        goes to ``runs``. Past the deadline it searches nothing."""
        start, value = offered.incumbent
        search_blocks(
            counts_of(model, classes, start, n_households), value, runs.append, stop,
            better=lambda: offered.incumbent,
        )

    # Where the root cuts are not waited for, the other core runs column generation
    # (when some pledges are priced as knapsacks, else the cut search). Generation ends within
    # a second or so, and the first margin program often runs to the deadline without finding
    # anything better; so, once generation has ended, the pledge blocks are searched there,
    # beside the margin programs (and the small programs, should those last longer), until the
    # master search starts (which then has that core) or the deadline. Where nothing else runs
    # there (no knapsack pledges, and a program too wide for the cut search), they start at
    # once, beside the small programs. They are read only when the time runs out, like the
    # master search. Three sittings, 3 s: 81-83 of our 90 instances met the targets against
    # 80-82, and 12-13 of the 21 outside ones against 11-13 (docs/benchmarks.md, with the
    # blocks started after the small programs).
    blocks_beside, block_runs = None, []
    if root is None and cut_search is None and not late and not proven() and limited:
        blocks_beside = Beside(search_blocks_beside, block_runs, after=generation)
        beside.append(blocks_beside)

    def best_beside() -> tuple[list[int], float] | None:
        """The best placement the blocks beside have found so far, as (assignment, value)."""
        found = max(list(block_runs), key=lambda run: run.value, default=None)
        return None if found is None or found.assignment is None else (found.assignment, found.value)

    if remaining() > 0:
        search("rounding", *rounding_neighbourhood(model, lp_point, margin_lower, margin_upper))

    def search_disagreement() -> None:
        if remaining() > 0:
            incumbent = full_vector(model, classes, best_y)
            search(
                "disagreement",
                *disagreement_neighbourhood(model, lp_point, incumbent, margin_lower, margin_upper),
            )

    # Where the rounding cuts started right after the LP (not sifted), they have mostly ended
    # by now (random 301: at 1.1 s, its rounding program ending at 1.3-1.8 s), and the
    # disagreement program comes after the rounding neighbourhood of ``M`` (below), from its
    # better incumbent: random 301 of our 90 ended 0.0001-0.0010 % below its optimum instead of
    # 0.0137-0.0143 %, big-families 33 of the second outside set 0.0087-0.0169 % instead of
    # 0.0365 % (docs/benchmarks.md). Where they start only after the first incumbent (a sifted
    # LP), the main search would wait for them instead of searching.
    disagreement_after_m = rounding_cuts is not None and not lp.sifted
    if not disagreement_after_m:
        search_disagreement()

    timed_out = False

    def generated() -> Tightened | None:
        """Column generation's result once, waited for until the deadline (None: not in time)."""
        nonlocal generation
        if generation is None:
            return None
        result, generation = generation.result(wait_left()), None
        if result is not None:
            log.append(
                {
                    "step": "column-generation",
                    "rounds": result.rounds,
                    "knapsack_pledges": len(result.knapsack_pledges),
                    "bound": min(bound, result.bound),
                    "seconds": time.perf_counter() - started,
                }
            )
        return result

    # 5. The master program (:mod:`.master`): the knapsack pledges as column generation's whole
    # packings, the rest as counts, around ``L``. Its LP is column generation's master, so
    # HiGHS does not need the seconds of root cuts that a margin program needs on those
    # pledges before it finds anything. It is searched beside the margin programs, on the
    # other core (each HiGHS run on one thread), after one more exchange of households with
    # the small pledges, at ``L``'s prices (a pledge the LP fills well at ``D``'s prices may
    # still give up much at ``L``'s), and its solutions are taken only when the
    # margin programs were cut short by the clock: a proven optimum ignores them, so the
    # result does not depend on which of the two searches ends first. Under a limit too short
    # to wait for the root cuts, column generation is waited for only after the first margin
    # program, which needs nothing from it (it is restricted around ``D``): at 40,000
    # households with 150 pledges its 36 rounds took 11 s, which that program now has
    # (many-pledges 2: its bound from 0.076 % above the objective to 0.047 %). Where the root
    # cuts are waited for, ``L`` also decides whether they come first (below), so it is read
    # here.

    def search_master(start: list[int], value: float, runs: list, stop: threading.Event) -> None:
        """From the incumbent ``start`` (worth ``value``): the small pledges' exchange again,
        at ``L``'s prices when column generation moved them, then master programs, ``tau``
        growing while each is solved and could still hold something better. Each result
        goes to ``runs`` as (step, run, tau)."""
        start_y = counts_of(model, classes, start, n_households)
        if not np.array_equal(tight.prices, prices):
            trial = improve_by_exchange(prep, model, tight.prices, start, eligible_for, deadline)
            trial_value = assignment_value(prep, trial)
            if trial_value > value:
                run = ProgramRun(
                    status="Exchanged", free=0, started_from_incumbent=True, solved=False,
                    infeasible=False, has_solution=True, bound=math.inf, value=trial_value,
                    assignment=trial,
                )
                runs.append(("exchange-at-L", run, None))
                value, start_y = trial_value, counts_of(model, classes, trial, n_households)
        reduced_at_l, _ = dual_bound(model, tight.prices)
        tau_master = max(MASTER_TAU_REL * abs(tight.bound), 1e-6)
        for _ in range(MASTER_ROUNDS):
            master = master_program(model, pledges, tight, start_y)
            lower, upper, _ = restrict(model, reduced_at_l, tau_master)
            lower, upper = master.bounds(lower, upper, tau_master)
            row_lower = master.model.row_lower
            if stop.is_set() or remaining() <= 0 or not root_fits(np.count_nonzero(upper > lower)):
                return
            run = _run_program(
                master.model, classes, prep, lower, upper, row_lower, start_y, seconds_left(),
                wait=wait_left(), master=master, stop=stop, restart=restart,
            )
            runs.append(("master", run, tau_master))
            if run.value > value:
                value, start_y = run.value, counts_of(model, classes, run.assignment, n_households)
            if not run.solved or tau_master >= tight.bound - value:
                return
            tau_master *= MASTER_GROWTH

    master_search, master_runs = None, []

    def read_generation(then_master: bool = True) -> None:
        """Column generation's result (waited for), its ``L``, and (``then_master``) the
        master search from it."""
        nonlocal tight, bound, master_search
        tight = generated() or tight
        bound = min(bound, tight.bound)
        if then_master and tight.packings and not proven() and limited:
            if blocks_beside is not None:
                blocks_beside.stop.set()
            master_search = Beside(search_master, list(best), best_value, master_runs)
            beside.append(master_search)

    if generation is not None and root is not None:
        read_generation()

    def use_root() -> None:
        """6. The root cuts, when waited for: ``D'`` restricts the margin programs too, which
        then hold the cut rows. A root that proves the optimum alone gives it (and no cuts)."""
        nonlocal bound, root, floor
        found, root = root.result(wait_left()), None
        if found is None:
            return
        if found.solution is not None:
            take(_placement(prep, model, classes, found.solution))
            bound = min(bound, found.bound)
            log.append(
                {"step": "root", "solved": found.solved, "value": best_value, "bound": bound,
                 "seconds": time.perf_counter() - started}
            )
        if found.cuts is not None:
            cut_model, reference = tightened_by_cuts(model, lp.basis(), found.cuts, seconds_left())
            if reference is not None:
                floor = max(floor, found.cutoff)
                margins.add(reference, cut_model)
                bound = min(bound, reference.value)
                log.append(
                    {"step": "cuts", "cuts": len(found.cuts), "bound": bound,
                     "seconds": time.perf_counter() - started}
                )

    # 7. Integer programs over the margin, growing until the optimum is proven.
    # The first is restricted around ``D``'s prices and ``M``'s (the fewest free columns: the
    # best first search for a better incumbent); the rest around ``L``'s too and, when they
    # were waited for, the root cuts' ``D'``, each restriction within its own bound's margin.
    margins = Margins(model, model, [offered.lp], tau)
    if rounding_cuts is not None:
        found_cuts = rounding_cuts.result(None if time_limit is None else remaining())
        if found_cuts is not None:
            cut_model = with_cuts(model, found_cuts.cuts)
            reduced_at_m, value_at_m = dual_bound(cut_model, price_vector(cut_model, found_cuts.row_dual))
            margins.add(Reference("M", value_at_m, reduced_at_m), cut_model)
            bound = min(bound, value_at_m)
            log.append(
                {"step": "rounding-cuts", "cuts": len(found_cuts.cuts), "rounds": found_cuts.rounds,
                 "cut_bound": value_at_m, "bound": bound, "seconds": time.perf_counter() - started}
            )
            # The LP with the cuts is nearer whole households: its rounding neighbourhood
            # holds placements the LP's did not (small-pledges 1 of our 90: 0.018 % below the
            # optimum before it, 0.007 % after it).
            if remaining() > 0 and not proven():
                search("rounding-at-M", *rounding_neighbourhood(model, found_cuts.x, model.lower, model.upper))
    if disagreement_after_m:
        search_disagreement()
    programs = 0
    # The first programs prove the easy instances without the cuts; where the incumbent is far
    # from the bound, the programs around D (and L) can take minutes, and those around D' do not.
    far = bound - best_value > CUTS_FIRST_GAP * max(abs(best_value), 1e-9)
    cuts_after = 0 if far else CUTS_AFTER_PROGRAMS
    while True:
        if remaining() <= 0:
            timed_out = True
            break
        if root is not None and programs == cuts_after:
            use_root()
            if proven():
                break
        fitting = margins.bounds_that_fit(root_fits)
        if fitting is None:
            # Not enough time left for any program's root (see above): search blocks instead.
            timed_out = True

            def found(run: ProgramRun) -> None:
                take(run)
                log.append(_entry("pledge-block", run, started, best_value))

            # From the blocks beside's improvements too (the time has run out: what the searches
            # beside found counts now).
            search_blocks(best_y, best_value, found, better=best_beside)
            break
        lower, upper, restricted = fitting
        value_before = best_value
        run = _run_program(
            margins.program_model, classes, prep, lower, upper, margins.program_model.row_lower,
            best_y, seconds_left(), widen=restricted, wait=wait_left(), restart=restart,
        )
        take(run)
        programs += 1
        timed_out = not (run.solved or run.infeasible)
        bound = min(bound, margins.proven(run, restricted))
        log.append(
            _entry("margin-mip", run, started, best_value)
            | {
                "around": "+".join(r.name for r in margins.references),
                "tau": margins.tau,
                "restricted": restricted,
                "started_from_incumbent": run.started_from_incumbent,
                "bound": bound,
            }
        )
        if generation is not None and not proven():
            read_generation()
        if timed_out or not restricted or proven():
            break
        if tight.knapsack_pledges and not any(r.name == "L" for r in margins.references):
            # Column generation's prices for L (step 5), then restrictions around them too.
            reduced_at_l, _ = dual_bound(model, tight.prices)
            margins.add(
                Reference("L", tight.bound, reduced_at_l, tight.column_slack(model, pledges))
            )
        margins.grow(best_value, stalled=run.has_solution and best_value <= value_before)
    if generation is not None:  # not read: no program ran, or the first proved the optimum
        if proven():
            generation.stop.set()
        else:  # by the clock: its bound still counts, a master search would have no time
            read_generation(then_master=False)
    if blocks_beside is not None:
        if timed_out:
            blocks_beside.result(None if time_limit is None else wait_left() + reserve / 4)
            for run in list(block_runs):
                take(run)
                log.append(_entry("pledge-block-beside", run, started, best_value))
        else:
            blocks_beside.stop.set()
    if master_search is not None:
        if timed_out:  # its solutions count; HiGHS gets a little of the reserve, as above
            master_search.result(None if time_limit is None else wait_left() + reserve / 4)
            for step, run, tau_master in list(master_runs):
                take(run)
                log.append(_entry(step, run, started, best_value) | {"tau": tau_master})
        else:  # proven without it: it is told to stop (HiGHS's interrupt), nothing is read
            master_search.stop.set()
    if cut_search is not None:
        if timed_out:  # its placements and bounds count (floored, as its own cuts require)
            cut_search.result(wait_left() + reserve / 4)
            for step, run, cut_bound in list(cut_runs):
                if run is not None:
                    take(run)
                bound = min(bound, cut_bound)
                entry = {"step": step, "read_at": time.perf_counter() - started, "bound": cut_bound}
                if run is not None:
                    entry = _entry(step, run, started, best_value) | entry
                log.append(entry)
        else:  # proven without it: told to stop, nothing is read
            cut_search.stop.set()
    if root is not None:
        root.stop.set()  # the optimum was proven before its cuts were waited for
    # 8. Stopped by the clock: the best placement's households moved between pledges, each
    # pledge holding at most its persons of each size (and state, where it has quotas)
    # (:mod:`.slots`), in the time kept for it.
    if timed_out and not proven():
        margin = POLISH_MARGIN_SHARE * (lp_bound - best_value)
        used = best_y > 0
        near = np.flatnonzero((reduced[: model.n_y] >= -margin) & ~used)
        room = max(0, int(polish_seconds / POLISH_SECONDS_PER_KEPT) - int(np.count_nonzero(used)))
        if time_limit is not None and len(near) > room:  # the highest reduced profits
            near = near[np.argsort(-reduced[near], kind="stable")[:room]]
        columns = np.union1d(np.flatnonzero(used), near)
        # Until the deadline kept for it, plus a quarter of the reserve as a program gets;
        # where the searches beside were waited for past that, its own time from now; never
        # past half the reserve after the deadline, where a solve without it could end (then
        # come its households: 1-2 microseconds each, 0.02 s at 10,000).
        until = min(
            deadline + polish_seconds + reserve / 2,
            max(deadline + polish_seconds + reserve / 4, time.perf_counter() + polish_seconds),
        )
        polished = same_slots(model, best_y, columns, until)
        entry = {"step": "slots", "free_columns": len(columns), "solved": polished is not None}
        if polished is not None:
            candidate = assignment_from_counts(prep, model, classes, polished)
            value = assignment_value(prep, candidate)
            if value > best_value and not feasibility_violations(prep.instance, candidate):
                best, best_value = candidate, value
        log.append(entry | {"seconds": time.perf_counter() - started, "value": best_value})
    return Outcome(best, max(bound, floor, best_value), timed_out=timed_out, log=log)


def _waits_for_cuts(time_limit: float | None, n_households: int, n_columns: int) -> bool:
    """Whether the root cuts are waited for (see ``CUTS_WAITED_FOR``, inf: never, and
    ``ROOT_COLUMNS_PER_SECOND``)."""
    needed = CUTS_WAITED_FOR * n_households / 1e4
    if needed == math.inf:
        return False
    if time_limit is None:
        return True
    return time_limit >= needed and n_columns <= ROOT_COLUMNS_PER_SECOND * time_limit


@dataclass(slots=True)
class Offered:
    """What the main search offers the searches beside it (the cut search, the blocks beside):
    the LP's bound ``D`` and, from the first on (``first`` is then set), its incumbent as
    (assignment, value)."""

    first: threading.Event = field(default_factory=threading.Event)
    lp: Reference | None = None
    incumbent: tuple[list[int], float] | None = None

    def offer(self, assignment: list[int], value: float) -> None:
        self.incumbent = (assignment, value)  # one assignment: read whole by the other thread
        self.first.set()


@dataclass(slots=True)
class Reference:
    """A bound and the reduced profits that prove it (``D``, ``L`` or ``D'``)."""

    name: str
    value: float
    reduced: np.ndarray
    slack: np.ndarray | None = None  # per column, for ``L`` (see :func:`restrict`)


def within(model: AggregateModel, references: list[Reference], target: float):
    """Column bounds holding every solution worth at least ``target``: the intersection of
    each reference's restriction within its own margin (``value - target``). Returns
    (lower, upper, whether anything was restricted)."""
    lower, upper, restricted = model.lower, model.upper, False
    for r in references:
        lo, up, held = restrict(model, r.reduced, max(r.value - target, 0.0), r.slack)
        lower, upper, restricted = np.maximum(lower, lo), np.minimum(upper, up), restricted or held
    # Two references may hold a column at different values: no solution is worth ``target``
    # then, and whatever the program finds, ``target`` is proven. The bounds are kept ordered
    # (the solver widens them to hold the incumbent).
    return lower, np.maximum(upper, lower), restricted


def tightened_by_cuts(model, lp_basis, cuts, seconds):
    """The program with ``cuts`` as rows, and ``D'``: the LP with them, warm-started from the
    LP's basis (None when it was not solved in time)."""
    h = new_highs(seconds, presolve="off")
    checked(h.passModel(make_lp(**model.arrays())), "the LP")
    h.setBasis(lp_basis)
    n = len(cuts)
    added = h.addRows(
        n, np.full(n, -np.inf), cuts.upper, len(cuts.index),
        cuts.starts[:-1].astype(np.int32), cuts.index.astype(np.int32), cuts.values,
    )
    checked(added, "the cut rows")
    cut_model = with_cuts(model, cuts)
    if not run_within(h, seconds) or not is_optimal(h):
        return cut_model, None
    prices = price_vector(cut_model, np.asarray(h.getSolution().row_dual))
    reduced, value = dual_bound(cut_model, prices)
    return cut_model, Reference("D'", value, reduced)


class Margins:
    """The margin programs' restrictions (step 4 of the outline) within ``tau`` of the tightest
    of ``references``, over ``program_model`` (the aggregated program, with the cuts' rows
    when ``D'`` is among them), and how ``tau`` grows."""

    def __init__(self, model, program_model, references: list[Reference], tau: float):
        self.model = model
        self.program_model = program_model
        self.references = list(references)
        self.tau = tau
        self.last_tau = 0.0  # of the last program: ``tau`` grows from there
        self.target = -math.inf  # of the last restriction: every better solution is inside

    def add(self, reference: Reference, program_model=None) -> None:
        """A bound found since (``L``; ``D'``, whose programs hold the cut rows: then
        ``program_model``, and ``tau`` starts again from its first value, around it)."""
        self.references.append(reference)
        if program_model is not None:
            self.program_model = program_model
            self.tau = max(START_TAU_REL * abs(reference.value), 1e-6)
            self.last_tau = 0.0

    @property
    def top(self) -> float:
        """The tightest bound known."""
        return min(r.value for r in self.references)

    def bounds(self):
        """Column bounds for the next program, and whether anything is restricted. When the
        margin is most of the model, the whole of it (HiGHS then does its own reduced-cost
        fixing from the incumbent, plus cuts)."""
        model = self.model
        self.target = self.top - self.tau
        lower, upper, restricted = within(model, self.references, self.target)
        free = np.count_nonzero(upper[: model.n_y] > lower[: model.n_y])
        if restricted and free > FULL_MODEL_SHARE * model.n_y:
            return model.lower, model.upper, False
        return lower, upper, restricted

    def bounds_that_fit(self, fits):
        """:meth:`bounds`, with ``tau`` brought back towards the last program's (halfway, at
        most ``FIT_STEPS`` times) until ``fits`` the program's free count columns; None when
        none does. A smaller step still proves ``top - tau`` where the grown one would not
        have run at all."""
        for _ in range(FIT_STEPS + 1):
            lower, upper, restricted = self.bounds()
            if fits(np.count_nonzero(upper[: self.model.n_y] > lower[: self.model.n_y])):
                return lower, upper, restricted
            self.tau = self.last_tau + (self.tau - self.last_tau) / 2
        return None

    def proven(self, run: ProgramRun, restricted: bool) -> float:
        """The bound that ``run`` (over the last :meth:`bounds`) proves on every solution."""
        if run.solved:
            inside = run.bound
        elif run.infeasible:
            inside = -math.inf  # nothing inside the restriction: all is outside
        else:  # stopped by the time limit: HiGHS's bound, if it had one
            inside = run.bound if run.has_solution and math.isfinite(run.bound) else math.inf
        return max(inside, self.target) if restricted else inside

    def grow(self, best_value: float, stalled: bool) -> None:
        """Straight to a proof round when it is at most twice as large; else double ``tau``,
        or quadruple it when the round found nothing better (the incumbent is then probably
        optimal, but a proof round over the whole model may not fit the time)."""
        gap = self.top - best_value
        self.last_tau = self.tau
        if gap <= 2 * self.tau:
            self.tau = gap * (1 + 1e-9) + 1e-9
        else:
            self.tau = min(gap * (1 + 1e-9) + 1e-9, (4 if stalled else 2) * self.tau)


def search_with_cuts(
    model, classes, prep, lp_basis, offered: Offered, runs, seconds_left, wait_left, root_fits,
    restart: bool, stop,
) -> None:
    """The search beside the main one where nothing is priced as a knapsack: HiGHS's root
    cuts (:mod:`.cuts`), the LP with them (``D'``, warm-started from the LP's basis), then
    margin programs around ``D'`` and ``D`` (:class:`Margins`) from the main search's latest
    incumbent (``offered``). Each result goes to ``runs`` as (step, run or None, the bound it
    proves, floored at the root's cutoff as its cuts require). ``restart``: as the main
    search's programs (``RESTARTS_FROM``)."""
    root = root_cuts(model, seconds_left(), wait_left(), stop)
    if root is None or stop.is_set():
        return
    if root.solution is not None:
        runs.append(("root", _placement(prep, model, classes, root.solution), root.bound))
    if root.cuts is None:
        return
    cut_model, tightened = tightened_by_cuts(model, lp_basis, root.cuts, wait_left())
    if tightened is None:
        return
    runs.append(("cuts", None, max(tightened.value, root.cutoff)))
    while not offered.first.wait(0.05):  # the main search's first incumbent
        if stop.is_set():
            return
    margins = Margins(model, model, [offered.lp], math.inf)
    margins.add(tightened, cut_model)
    best, best_value = [], -math.inf
    while not stop.is_set() and seconds_left() > 0:
        incumbent, value = offered.incumbent
        if value > best_value:
            best, best_value = incumbent, value
        fitting = margins.bounds_that_fit(root_fits)
        if fitting is None:
            return
        lower, upper, restricted = fitting
        best_y = counts_of(model, classes, best, len(prep.instance.households))
        run = _run_program(
            cut_model, classes, prep, lower, upper, cut_model.row_lower, best_y, seconds_left(),
            widen=restricted, wait=wait_left(), stop=stop, restart=restart,
        )
        proven = min(tightened.value, margins.proven(run, restricted))
        runs.append(("cut-margin-mip", run, max(proven, root.cutoff)))
        stalled = run.has_solution and run.value <= best_value
        if run.value > best_value:
            best, best_value = run.assignment, run.value
        if not (run.solved or run.infeasible) or not restricted or proven - best_value <= 0:
            return
        if margins.top - best_value <= margins.tau:
            return
        margins.grow(best_value, stalled)


class Beside:
    """``function(*args, stop=event)`` run in a worker thread beside the main one; with
    ``after``, once that search has ended (unless told to stop meanwhile: its value is then
    None)."""

    def __init__(self, function, *args, after: Beside | None = None):
        self.stop = threading.Event()
        self._value = None
        self._error: Exception | None = None

        def work():
            if after is not None:
                after.wait(None)
                if self.stop.is_set():
                    return
            try:
                self._value = function(*args, stop=self.stop)
            except Exception as error:  # noqa: BLE001 -- re-raised by result(), in the caller
                self._error = error

        self._thread = threading.Thread(target=work, name="beside")
        self._thread.start()

    def wait(self, seconds: float | None) -> None:
        """Wait for it to end, at most ``seconds`` (None: until it ends), reading nothing."""
        self._thread.join(None if seconds is None else max(0.0, seconds))

    def result(self, seconds: float | None):
        """Its value, waited for at most ``seconds`` (None: until it ends); None if not in time
        (the thread is then told to stop, and ends at its next check)."""
        self._thread.join(None if seconds is None else max(0.0, seconds))
        if self._thread.is_alive():
            self.stop.set()
            return None
        if self._error is not None:
            raise self._error
        return self._value


def _without_lp(prep, model, classes, lp: LpSolution, log, until: float) -> Outcome:
    """No LP in time: where a sifted LP had ended a round, that round's counts rounded down,
    else the greedy answer (either with, within each class, the best households for the same
    counts, which can only raise the value, and topped up). At 10,000 households with 3 s,
    quota-lattice 13 of the fourth outside set once had its LP cut short on a busy machine:
    the greedy answer was 19 % below the optimum; the counts of its first three or four rounds
    are 5.5 and 3.4 % below (its LP cut short at 1 and 1.4 s).

    Bounded by the least of the trivial bound, that round's prices (``D`` holds for any
    prices; a round's, over the few counts it held, price the others badly: at 10,000
    households with 1,000 pledges, 114 times the trivial bound) and the pledges' places priced
    by hand until ``until`` (:mod:`.lagrange`: there 12.6-14.6 % above the placement where
    the trivial bound was 169 %)."""
    # One placement, not the better of both: past the deadline, each costs 0.1-0.2 s at 10,000
    # households, and a round's counts were far better than the greedy answer where measured.
    bound = trivial_bound(prep)
    if lp.round_kept:
        y = rounded_down(lp.x[: model.n_y])
        _, priced = dual_bound(model, price_vector(model, lp.row_dual))
        bound = min(bound, priced)
        log[-1].update(lp_bound=priced)
    else:
        y = counts_of(model, classes, greedy(prep), len(prep.instance.households))
    best = assignment_from_counts(prep, model, classes, y)
    best_value = assignment_value(prep, best)
    by_hand = lagrangian_bound(model, len(prep.instance.pledges), best_value, until)
    bound = min(bound, by_hand)
    log[-1].update(incumbent=best_value, lagrangian_bound=by_hand)
    return Outcome(best, max(bound, best_value), timed_out=True, log=log)


def first_incumbent_seconds(pairs: int, households: int, reserve: float) -> float:
    """How long turning the dive's counts into households, repacking them and one exchange
    pass are expected to take over ``pairs`` eligible (household, pledge) pairs of
    ``households`` (see ``EXCHANGE_SECONDS_PER_PAIR``), at least the ``reserve``."""
    per_pair = EXCHANGE_SECONDS_PER_PAIR * pairs
    return max(reserve, min(per_pair, FIRST_INCUMBENT_SECONDS_PER_HOUSEHOLD * households))


def dive_deadline(deadline: float, after_dive: float) -> float:
    """When the dive stops: the ``after_dive`` seconds its counts take to be turned into
    households, repacked and exchanged once before the solve's ``deadline`` (a dive that ran to
    the deadline had the solve end at 3.15 s of a 3 s limit), and after ``DIVE_SHARE`` of the
    time left now if that is sooner."""
    now = time.perf_counter()
    return min(deadline - after_dive, now + DIVE_SHARE * (deadline - now))


def dive_near_lp(model, lp: LpSolution, reduced, deadline: float, evaluate) -> np.ndarray:
    """The dive (:func:`dive`); where the LP was sifted (:mod:`.lp`), over the counts near its
    optimum: in each class the ``DIVE_COUNTS_PER_CLASS`` with the highest reduced profit, and
    every count the LP's basis holds, places households in, or leaves at no reduced profit;
    the others stay at zero.

    Those others are dearer at the LP's prices, so the dive's rounding rarely wants them, and
    leaving them out makes each of its LPs several times faster where classes are eligible for
    dozens of pledges (at 10,000 households with 100-150 pledges, 350,000 counts: a 5 s dive
    before). Any integral counts are a valid start, so nothing proven depends on this choice.
    """
    if not lp.sifted:  # the LP's own HiGHS holds every column: the dive goes on from there
        return dive(lp.highs, model, lp.x.copy(), deadline, evaluate)
    ny = model.n_y
    if time.perf_counter() + DIVE_SETUP_SECONDS_PER_COUNT * ny > deadline:
        return rounded_down(lp.x[:ny])  # no time to build its LP: the LP's counts rounded down
    profit = reduced[:ny]
    near = np.zeros(ny, dtype=bool)
    near[best_per_class(model, np.arange(ny), profit, DIVE_COUNTS_PER_CLASS)] = True
    keep = np.flatnonzero(near | (lp.x[:ny] > 1e-9) | (profit > -1e-9) | lp.basic[:ny])
    part, columns = model.with_counts(keep)
    h = new_highs(None if math.isinf(deadline) else deadline - time.perf_counter(), presolve="off")
    checked(h.passModel(make_lp(**part.arrays())), "the dive's LP")
    checked(h.setBasis(lp.basis(columns)), "the LP's basis")
    h.run()  # no iterations: the LP's optimum is this program's too
    if not is_optimal(h):  # only when out of time: the LP's counts rounded down fit
        return rounded_down(lp.x[:ny])

    def whole(y_part):
        y = np.zeros(ny, dtype=np.int64)
        y[keep] = y_part
        return y

    y_part = dive(
        h, part, lp.x[columns].copy(), deadline, lambda y: evaluate(whole(y)), DIVE_ROUNDS_SIFTED
    )
    return whole(y_part)


def rounded_down(y: np.ndarray) -> np.ndarray:
    """LP counts rounded down (a count within 1e-6 below an integer counts as that integer):
    they always fit, as the LP's did."""
    return np.maximum(np.floor(y + 1e-6), 0).astype(np.int64)


def dive(
    h, model: AggregateModel, x: np.ndarray, deadline: float, evaluate=None, rounds=DIVE_ROUNDS
):
    """Integral counts near the LP optimum (a dive).

    Each round looks at the fractional counts: in each class, the one with the largest
    fractional part is rounded up when the class's fractional parts add up to at least one
    half (a household the LP split between two pledges goes to one of them), as long as the
    counts fixed so far still fit every capacity and quota; those are fixed and the LP
    (warm-started) re-balances the rest. When nothing can be rounded up, the point is kept as
    a candidate (rounded down) and every fractional count is fixed at its floor. Ends when the
    LP is integral, after ``rounds`` or at ``deadline``; returns the best candidate by
    ``evaluate`` (the value of its households), else the last one rounded down.
    """
    ny = model.n_y
    y = x[:ny]
    column = model.column_of_entry()[: model.starts[ny]]
    entries = np.arange(model.starts[ny])
    coupling = model.index[entries] >= len(model.classes)
    row_of = model.index[entries][coupling]
    column_of = column[coupling]
    size_of = model.values[entries][coupling]
    fixed = np.zeros(ny)  # the count each fixed column is held at (0 while free)
    candidates = []
    for _ in range(rounds):
        fractional = np.flatnonzero(np.abs(y - np.rint(y)) > 1e-6)
        if len(fractional) == 0 or time.perf_counter() > deadline:
            break
        part = y[fractional] - np.floor(y[fractional])
        value = np.floor(y[fractional])
        cls = model.y_class[fractional]
        mass = np.bincount(cls, weights=part, minlength=len(model.classes))
        order = np.lexsort((fractional, -part, cls))  # by class, largest part first
        first = np.ones(len(order), dtype=bool)
        first[1:] = cls[order][1:] != cls[order][:-1]
        up = order[first & (mass[cls[order]] >= 0.5)]
        up = up[np.argsort(-part[up], kind="stable")]
        # Round up only while the fixed counts alone still fit every place and quota.
        fixed[fractional] = value
        load = np.bincount(row_of, weights=size_of * fixed[column_of], minlength=model.n_rows)
        rounded = value.copy()
        for u in up:
            k = fractional[u]
            rows = model.index[model.starts[k] + 1 : model.starts[k + 1]]
            size = model.values[model.starts[k] + 1]
            if np.all(load[rows] + size <= model.row_upper[rows] + 1e-9):
                load[rows] += size
                rounded[u] += 1
        raised = rounded > value
        if raised.any():  # fix only what was rounded up; the LP re-balances the rest
            fixed[fractional[~raised]] = 0
            fractional, rounded = fractional[raised], rounded[raised]
        elif evaluate is not None:  # stuck: keep this point's rounding, then round all down
            candidates.append(rounded_down(y))
        fixed[fractional] = rounded
        h.changeColsBounds(len(fractional), fractional.astype(np.int32), rounded, rounded)
        if math.isfinite(deadline):
            set_time_left(h, deadline - time.perf_counter())
        h.run()
        if not is_optimal(h):
            break
        y = np.asarray(h.getSolution().col_value)[:ny]
    candidates.append(rounded_down(y))
    if evaluate is None or len(candidates) == 1:
        return candidates[-1]
    values = [evaluate(c) for c in candidates]
    return candidates[int(np.argmax(values))]


def improve_by_exchange(prep, model, prices, assignment, eligible_for, deadline):
    """Up to ``EXCHANGE_PASSES`` passes of :func:`.repack.exchange` while they improve: small
    pledges, and large ones with places left, take households from other pledges, valued at
    the LP price of the places freed."""
    instance = prep.instance
    n_classes = len(model.classes)
    row = n_classes + len(instance.pledges)
    quota_row = {}
    for j, p in enumerate(instance.pledges):
        for state in sorted(p.quotas):
            quota_row[j, state] = row
            row += 1
    households = instance.households

    def place_price(i: int, q: int) -> float:
        h = households[i]
        price = prices[n_classes + q]
        k = quota_row.get((q, h.frontline_state))
        if k is not None:
            price += prices[k]
        return h.size * float(price)

    value = assignment_value(prep, assignment)
    for _ in range(EXCHANGE_PASSES):
        if time.perf_counter() > deadline:
            break
        trial = exchange(prep, assignment, eligible_for, place_price, deadline, EXCHANGE_LIMIT)
        trial_value = assignment_value(prep, trial)
        if trial_value <= value + 1e-9 or feasibility_violations(instance, trial):
            break
        assignment, value = trial, trial_value
    return assignment


def _entry(step: str, run: ProgramRun, started: float, value: float) -> dict:
    entry = {
        "step": step,
        "free_columns": run.free,
        "status": run.status,
        "seconds": time.perf_counter() - started,
        "value": value,
    }
    if run.misread_start:
        entry["misread_start"] = True
    return entry


@dataclass(slots=True)
class ProgramRun:
    """What one integer program over part of the model gave."""

    status: str
    free: int  # count columns left free
    started_from_incumbent: bool
    solved: bool  # to optimality (within MIP_REL_GAP)
    infeasible: bool
    has_solution: bool
    bound: float  # HiGHS's bound for this program
    value: float = -math.inf  # of the households its counts give (-inf: none)
    assignment: list[int] | None = None
    misread_start: bool = False  # HiGHS read its start as better than it is (:func:`_run_program`)


def _run_program(
    model, classes, prep, lower, upper, row_lower, best_y, seconds, widen=True,
    wait=None, master: Master | None = None, stop: threading.Event | None = None,
    restart: bool = True, max_nodes: int | None = None,
) -> ProgramRun:
    """Solve the aggregated program within the column bounds ``lower``/``upper`` from the
    incumbent's counts ``best_y``, for at most ``seconds`` (None: no limit); HiGHS is waited for
    at most ``wait`` seconds (None: until it ends), and a run still going then is left with
    the best solution it had reported (see :func:`.highs.run_within`). With ``widen``, the
    bounds are first widened to hold the incumbent, so that it is a feasible start (a
    restriction then only grows). Each class's levels are held where its counts' bounds put
    them (:func:`.aggregate.levels_in_reach`; docs/matching-engine.md has what they cost HiGHS
    left free). With ``master``, ``model`` is that master program (:mod:`.master`), and its
    packings are turned back into counts; HiGHS runs on one thread (a search may run beside it
    on the other core, and a thread count that depends on the machine would make the result
    depend on it too); once ``stop`` is set, HiGHS is interrupted; ``restart`` lets HiGHS
    presolve the program again after its root (``RESTARTS_FROM``), and without it HiGHS keeps
    a small cut pool (``SHORT_LIMIT_POOL_ROWS``); ``max_nodes`` (None: no
    limit) stops its branch and bound after that many nodes."""
    if master is None:
        start_x = full_vector(model, classes, best_y)
    else:
        start_x = master.vector(full_vector(master.base, classes, best_y))
    if widen:
        lower = np.minimum(lower, start_x)
        upper = np.maximum(upper, start_x)
    if master is None:  # a master program's packings count households of the classes too
        lower, upper = levels_in_reach(model, lower, upper)
    free_columns = upper > lower
    if not free_columns.any():  # HiGHS calls an empty model "Empty", feasible or not
        feasible = _inside(model, lower, lower, upper, row_lower)
        value = float(model.cost @ lower) if feasible else -math.inf
        return ProgramRun(
            status="Nothing free",
            free=0,
            started_from_incumbent=False,
            solved=feasible,
            infeasible=not feasible,
            has_solution=False,
            bound=value,  # its one solution, already the incumbent's counts
        )
    # HiGHS's own RENS is off: its sub-program's presolve (strengthenInequalities) ran for over
    # ten minutes past a 50 s time limit on one program (sweep seed 132, HiGHS 1.16), and
    # the engine solves its own rounding program first.
    options = dict(
        mip_rel_gap=MIP_REL_GAP, mip_heuristic_run_rens=False, threads=1,
        mip_allow_restart=restart,
    )
    if max_nodes is not None:
        options["mip_max_nodes"] = max_nodes
    if not restart:  # a limit too short for restarts: a small cut pool (see its constant)
        options["mip_pool_soft_limit"] = SHORT_LIMIT_POOL_ROWS
    # HiGHS gets only the free columns, the fixed ones moved into the row bounds: its presolve
    # would remove them anyway, more slowly.
    lp, offset = _free_part(model, lower, upper, row_lower, free_columns)
    started_from_incumbent = _inside(model, start_x, lower, upper, row_lower)
    free_count = int(np.count_nonzero(upper[: model.n_y] > lower[: model.n_y]))

    def solve(start, seconds, wait) -> ProgramRun:
        """One HiGHS run over the free columns, from ``start`` (None: none), read."""
        h = new_highs(seconds, **options)
        checked(h.passModel(lp), "a program")
        if start is not None:
            set_start(h, start)
        reported = {}  # the latest better solution HiGHS found: all a run left running gives

        def keep(event):
            reported["x"] = np.array(event.data_out.mip_solution, dtype=np.float64)

        h.cbMipImprovingSolution.subscribe(keep)
        if stop is not None:  # HiGHS asks between phases (up to a second or so apart)

            def interrupt(event):
                if stop.is_set():
                    event.data_in.user_interrupt = True

            h.cbMipInterrupt.subscribe(interrupt)
        if not run_within(h, wait):
            found = reported.get("x")
            run = ProgramRun(
                status="Left running at the deadline", free=free_count,
                started_from_incumbent=start is not None, solved=False, infeasible=False,
                has_solution=found is not None,
                bound=math.inf,  # not read: the run goes on
            )
            if found is not None:
                run.assignment, run.value = _households(
                    prep, model, classes, lower, free_columns, found, master
                )
            return run
        info = h.getInfo()
        run = ProgramRun(
            status=status_name(h), free=free_count, started_from_incumbent=start is not None,
            solved=is_optimal(h), infeasible=is_infeasible(h),
            has_solution=info.primal_solution_status == 2, bound=info.mip_dual_bound + offset,
        )
        if run.has_solution:
            free_values = np.asarray(h.getSolution().col_value)
            run.assignment, run.value = _households(
                prep, model, classes, lower, free_columns, free_values, master
            )
            # HiGHS 1.16 can misread a start: its presolve's reduction of parallel columns
            # (the levels of a class are parallel) maps it to a point worth more than the start
            # is, which it then holds as its incumbent, cutting off everything worth less, and
            # it returns the start as "optimal" (big-families 54 of the outside set: a rounding
            # program's start worth 1,027.48 read as 1,036.97, the program's optimum 1,035.99).
            # Its dual bound still holds: it cut off only what was worth less than that value,
            # and never reports less than it. Its value and its solution's differ by far more
            # than rounding (8.5 there, 0.067 on realistic 1's), so a millionth tells them apart.
            claimed = info.objective_function_value
            actual = float(model.cost[free_columns] @ free_values)
            run.misread_start = start is not None and claimed > actual + 1e-6 * max(1.0, abs(claimed))
        del h  # HiGHS's memory, and what it freed while solving, back before the next program
        release_freed_memory()
        return run

    began = time.perf_counter()
    run = solve(start_x[free_columns] if started_from_incumbent else None, seconds, wait)
    spent = time.perf_counter() - began
    if (
        run.misread_start
        and not (stop is not None and stop.is_set())
        and (seconds is None or seconds - spent > MISREAD_LEAST_SECONDS)
        and (wait is None or wait - spent > MISREAD_LEAST_SECONDS)
    ):
        # Once more without the start. Under a limit, for at most twice as long as the first
        # run took (and a little more): without a start HiGHS can take far longer (family-heavy
        # 11 of the fourth set, 10,000 households, 10 s: a master program misread in 0.26 s,
        # then not solved again in the 9.7 s left, which the master search then lacked).
        again = solve(
            None,
            None if seconds is None else min(seconds - spent, 2 * spent + MISREAD_LEAST_SECONDS),
            None if wait is None else wait - spent,
        )
        better = again.has_solution and again.value > run.value
        if better:
            run.assignment, run.value = again.assignment, again.value
        if again.solved:  # the program's own optimum and bound; the first's bound holds too
            run.status, run.solved = again.status, True
            run.bound = min(again.bound, run.bound)
        # (Infeasible would contradict the start the first run had: not believed.) The run
        # keeps ``misread_start``, so the log says so; cut short, the first run's "optimal"
        # stands with its bound, which holds.
    return run


def _placement(prep, model, classes, x) -> ProgramRun:
    """A solution ``x`` of the whole program that HiGHS found, as a (search) run."""
    assignment, value = _households(
        prep, model, classes, model.lower, np.ones(len(x), dtype=bool), x
    )
    return ProgramRun("Found", 0, False, False, False, True, math.inf, value, assignment)


def _households(prep, model, classes, lower, free_columns, free_values, master=None):
    """The households, and their value, for a solution of a program over ``free_columns``."""
    x = lower.copy()
    x[free_columns] = free_values
    if master is None:
        y = np.maximum(np.rint(x[: model.n_y]).astype(np.int64), 0)
    else:
        y = master.counts(x)
    assignment = assignment_from_counts(prep, model, classes, y)
    return assignment, assignment_value(prep, assignment)


def _free_part(model: AggregateModel, lower, upper, row_lower, free):
    """The program over the ``free`` columns only, the others held at ``lower`` (their
    activity taken off the row bounds), and the objective value of those held columns."""
    column = model.column_of_entry()
    held = np.where(free, 0.0, lower)
    activity = np.bincount(model.index, weights=model.values * held[column], minlength=model.n_rows)
    kept = free[column]
    starts = np.zeros(np.count_nonzero(free) + 1, dtype=np.int32)
    starts[1:] = np.cumsum(np.diff(model.starts)[free])
    lp = make_lp(
        cost=model.cost[free],
        lower=lower[free],
        upper=upper[free],
        row_lower=row_lower - activity,
        row_upper=model.row_upper - activity,
        starts=starts,
        index=model.index[kept],
        values=model.values[kept],
        integrality=model.integrality[free],
    )
    return lp, math.fsum(model.cost * held)


def _inside(model, x, lower, upper, row_lower) -> bool:
    if not (np.all(x >= lower - 1e-9) and np.all(x <= upper + 1e-9)):
        return False
    activity = row_activity(model, x)
    return bool(np.all(activity >= row_lower - 1e-9))


# ---------------------------------------------------------------------------------------------


def price_vector(model: AggregateModel, row_dual: np.ndarray) -> np.ndarray:
    """Prices usable in the bound: free on the class rows, >= 0 on capacities and quotas."""
    prices = np.asarray(row_dual, dtype=np.float64).copy()
    n_classes = len(model.classes)
    prices[n_classes:] = np.maximum(prices[n_classes:], 0.0)
    return prices


def dual_bound(model: AggregateModel, prices: np.ndarray) -> tuple[np.ndarray, float]:
    """Reduced profits ``c - A'prices`` and the bound they prove.

    For prices that are >= 0 on the capacity and quota rows (free on the class rows), every
    feasible ``x`` has ``c x = D - sum_j |r_j| * (distance of x_j from the bound D puts it at)
    - sum_rows price * slack``, with ``D = prices . row_upper + sum_j upper_j max(0, r_j)``.
    So ``D`` is an upper bound whatever the LP's tolerances, and a solution that moves one
    column with ``|r_j| > tau`` by a whole unit is worth less than ``D - tau``.
    """
    column = model.column_of_entry()
    used = np.bincount(column, weights=model.values * prices[model.index], minlength=len(model.cost))
    reduced = model.cost - used
    bound = math.fsum(
        (
            _exact_sum(prices * model.row_upper),
            _exact_sum(model.upper * np.maximum(reduced, 0.0)),
            _exact_sum(model.lower * np.minimum(reduced, 0.0)),
        )
    )
    return reduced, bound


def _exact_sum(terms: np.ndarray) -> float:
    """``math.fsum`` of the terms that are not zero (most are: a tenth of the time)."""
    return math.fsum(terms[terms != 0].tolist())


def restrict(model: AggregateModel, reduced, tau: float, slack=None):
    """Column bounds allowing only solutions within ``tau`` of the bound (``D``, ``L`` or
    ``D'``, whose reduced profits are ``reduced``).

    A column whose reduced profit is above ``tau`` stays at its upper bound (a count: all the
    class's places there; a level: its households must be placed), one below ``-tau`` at zero:
    moving either by a whole unit (counts are integers, and for integer counts the levels are
    too) costs more than ``tau``. Forcing levels can leave no feasible solution when places are
    tight; the program is then infeasible, which proves the bound ``D - tau``.
    Around ``L``, a pledge priced as a knapsack loses against its best packing, which is worth
    ``slack`` less than its LP term: a packing that moves a column by a unit loses at least
    ``|r_j| - slack`` there, so that pledge's columns are held only beyond ``tau + slack``.
    Returns (lower, upper, whether anything was restricted).
    """
    lower = model.lower.copy()
    upper = model.upper.copy()
    threshold = tau if slack is None else tau + slack
    at_upper = (reduced > threshold) & (upper > lower)
    at_lower = (reduced < -threshold) & (upper > lower)
    lower[at_upper] = upper[at_upper]
    upper[at_lower] = lower[at_lower]
    restricted = bool(at_upper.any() or at_lower.any())
    return lower, upper, restricted


def counts_of(
    model: AggregateModel, classes: list[HouseholdClass], assignment: list[int], n: int
) -> np.ndarray:
    """Per y column: how many households of its class the assignment sends to its pledge."""
    class_of, column_of_pair = household_columns(model, n)
    pledge = np.asarray(assignment, dtype=np.int64)
    placed = np.flatnonzero(pledge != UNPLACED)
    return np.bincount(column_of_pair[class_of[placed], pledge[placed]], minlength=model.n_y)


def full_vector(model: AggregateModel, classes: list[HouseholdClass], y: np.ndarray):
    """The complete column vector (y, and z filling the best levels first) for counts ``y``."""
    x = np.zeros(len(model.cost))
    x[: model.n_y] = y
    placed = np.bincount(model.y_class, weights=y, minlength=len(classes))
    k = model.n_y
    for c, cls in enumerate(classes):
        left = placed[c]
        for _, count in cls.levels:
            take = min(left, count)
            x[k] = take
            left -= take
            k += 1
    return x


def assignment_from_counts(
    prep: Prepared, model: AggregateModel, classes: list[HouseholdClass], y: np.ndarray
) -> list[int]:
    """Households for counts ``y``: in each class the best ones, in pledge order; then repaired
    (should rounding ever break a limit) and topped up greedily."""
    n = len(prep.instance.households)
    assignment = [UNPLACED] * n
    next_member = [0] * len(classes)
    for k in np.flatnonzero(y > 0):
        c = int(model.y_class[k])
        j = int(model.y_pledge[k])
        members = classes[c].members
        take = min(int(y[k]), len(members) - next_member[c])
        for i in members[next_member[c] : next_member[c] + take]:
            assignment[i] = j
        next_member[c] += take
    top_up(prep, assignment, _repair(prep, assignment))
    return assignment


def _repair(prep: Prepared, assignment: list[int]) -> Room:
    """Remove the least valuable households from any pledge or quota over its limit."""
    instance = prep.instance
    room = Room(instance)
    for i, j in enumerate(assignment):
        if j != UNPLACED:
            room.take(i, j)
    broken = [
        j
        for j in range(len(instance.pledges))
        if room.capacity[j] < 0 or any(v < 0 for v in room.quota[j].values())
    ]
    for j in broken:
        members = sorted(
            (i for i, a in enumerate(assignment) if a == j),
            key=lambda i: (prep.value(i, j), instance.households[i].id),
        )
        for i in members:
            if room.capacity[j] >= 0 and all(v >= 0 for v in room.quota[j].values()):
                break
            front = instance.households[i].frontline_state
            if room.capacity[j] < 0 or room.quota[j].get(front, 0) < 0:
                room.give_back(i, j)
                assignment[i] = UNPLACED
    return room


def assignment_value(prep: Prepared, assignment: list[int]) -> float:
    return math.fsum(prep.value(i, j) for i, j in enumerate(assignment) if j != UNPLACED)


def trivial_bound(prep: Prepared) -> float:
    """Every household in its best pledge, ignoring places: a (weak) upper bound."""
    return math.fsum(
        max(0.0, prep.base[i] + max(bonus)) for i, bonus in enumerate(prep.bonus) if bonus
    )
