"""A bound where the LP did not end in time: the pledges' places priced by hand.

For prices ``pi >= 0`` on the pledges' capacity and quota rows, every placement is worth at
most

    B(pi) = pi . b + sum over the levels l of count_l * max(0, base_l + best_c(pi)),
    best_c(pi) = max over the pledges j of class c of (bonus_cj - size_c * pi_j),

where ``pi_j`` adds up the prices of the rows a household of class ``c`` takes places in at
``j`` and the levels are :mod:`.aggregate`'s (a class's households by base value): freed from
the places, each household goes where it gains most at those prices, or nowhere, and a
placement never takes more places than ``b``. This is the Lagrangian relaxation of the
pledges' rows, without the counts' own upper bounds (a count held at zero is left out): its
least value over all ``pi`` is the optimum of the LP without those bounds, at or above the
LP's, and any ``pi`` gives a bound.

Without the LP's prices, two steps find good ones. First one price per person for every
pledge's places: ``B`` is convex and piecewise linear in it and least where the households
still worth placing at that price no longer fill the places, which a sort finds exactly. Then
subgradient steps on each row's price (Polyak's step towards the placement's value, halved
while the bound stalls), as many as ``STEPS`` and the time allow. On many-pledges 9 of the
outside set (10,000 households, 149 pledges), whose trivial bound is 219 % above the optimum:
one price 5.1 %, 100 steps bring it to 1.5 % (3-5 ms a step over its 353,129 counts;
``bench/lagrangian_bound.py``).
"""

from __future__ import annotations

import time

import numpy as np

from .aggregate import AggregateModel

STEPS = 100  # subgradient steps at most (a count, so that a solve in time gives one bound)
STALLED_STEPS = 10  # steps without a better bound before the step is halved (5 and 20 did no better)


class Pricing:
    """The program's counts and levels as arrays for pricing (built once)."""

    def __init__(self, model: AggregateModel, n_pledges: int):
        ny, self.n_classes = model.n_y, len(model.classes)
        self.capacity_row, self.quota_row, self.size = model.count_rows()
        # A count held at zero (its quota or capacity holds no household of its size) takes
        # no one, whatever the prices: left out, as if dear beyond any price.
        self.bonus = np.where(model.upper[:ny] > 0, model.cost[:ny], -np.inf)
        self.y_class = model.y_class
        self.class_first = np.searchsorted(model.y_class, np.arange(self.n_classes))
        # Every class has counts (:func:`.classes.build_classes` keeps only households with a
        # pledge), in one run each: else ``reduceat`` would give a class another's best.
        assert np.all(np.diff(np.append(self.class_first, ny)) > 0)
        self.class_size = self.size[self.class_first]
        self.level_class = model.level_classes()
        self.level_base = model.cost[ny:]
        self.level_count = model.upper[ny:]
        self.places = model.row_upper.copy()  # b on the pledges' rows
        self.places[: self.n_classes] = 0.0
        self.capacity_rows = np.arange(self.n_classes, self.n_classes + n_pledges)

    def bound(self, prices: np.ndarray) -> tuple[float, np.ndarray]:
        """``B(prices)``, and the places left on each row by what it places (a subgradient:
        ``B`` falls in the direction of raising a row's price where that is negative)."""
        on_quota = self.quota_row >= 0
        price = prices[self.capacity_row] + np.where(on_quota, prices[np.maximum(self.quota_row, 0)], 0.0)
        gain = self.bonus - self.size * price
        best = np.maximum.reduceat(gain, self.class_first)
        reaching = np.flatnonzero(gain >= best[self.y_class])  # exact: ``best`` is one of them
        _, first = np.unique(self.y_class[reaching], return_index=True)
        column = reaching[first]  # each class's first best count
        level_gain = self.level_base + best[self.level_class]  # -inf: a class held at zero
        worth = level_gain > 0
        placed = np.where(worth, self.level_count, 0.0)
        value = float(prices @ self.places) + float(placed[worth] @ level_gain[worth])
        persons = np.bincount(self.level_class, weights=placed, minlength=self.n_classes) * self.class_size
        used = np.bincount(self.capacity_row[column], weights=persons, minlength=len(prices))
        quota = self.quota_row[column] >= 0
        used += np.bincount(self.quota_row[column][quota], weights=persons[quota], minlength=len(prices))
        left = self.places - used
        left[: self.n_classes] = 0.0
        return value, left

    def per_person(self) -> np.ndarray:
        """The best single price per person on every pledge's capacity row (see the module's
        doc)."""
        top = self.level_base + np.maximum.reduceat(self.bonus, self.class_first)[self.level_class]
        size = self.class_size[self.level_class]
        breakpoint = np.maximum(top / size, 0.0)  # below it a level is worth placing
        order = np.argsort(-breakpoint, kind="stable")
        wanted = np.cumsum((self.level_count * size)[order])
        k = int(np.searchsorted(wanted, self.places[self.capacity_rows].sum(), side="right"))
        prices = np.zeros(len(self.places))
        prices[self.capacity_rows] = breakpoint[order[k]] if k < len(order) else 0.0
        return prices


def lagrangian_bound(model: AggregateModel, n_pledges: int, value: float, until: float) -> float:
    """The least ``B`` found from one price per person on, with subgradient steps towards
    ``value`` (a placement's) until ``until`` (a ``time.perf_counter()`` reading) or ``STEPS``."""
    pricing = Pricing(model, n_pledges)
    prices = pricing.per_person()
    best = np.inf
    theta, stalled = 1.0, 0
    for _ in range(STEPS + 1):
        bound, left = pricing.bound(prices)
        if bound < best:
            best, stalled = bound, 0
        else:
            stalled += 1
            if stalled >= STALLED_STEPS:
                theta, stalled = theta / 2, 0
        norm = float(left @ left)
        if norm == 0.0 or bound <= value or time.perf_counter() >= until:
            break
        prices = np.maximum(prices - theta * (bound - value) / norm * left, 0.0)
        prices[: pricing.n_classes] = 0.0
    return best
