"""An instance with hundreds of pledges: another instance's households, its pledges redrawn.

    python bench/wide_pledges.py --from F --pledges N --places tiny|spread --seed S --out OUT

Takes the households (and weights) of the instance file ``F`` as they are and replaces its
pledges by ``N`` new ones, each a copy of one of ``F``'s pledges (its state, criteria and the
frontline states of its quotas) with new places:

  tiny    1-12 places each, every quota 0 to the pledge's places (many full, odd pledges);
  spread  places for 30-60 % of the persons in all, shared out unevenly (exponentially: many
          small pledges, a few large ones), each quota half to one and a half times its share
          of the pledge's places.

A stress test of programs far wider than the generators' (100-150 pledges at most): at 10,000
households with 600 pledges the program has a million count columns, at 40,000 three million.
The files of docs/benchmarks.md ("Hundreds of pledges") were made from the outside generator's
(``bench/outside_instances.py``):

    python bench/outside_instances.py --seed 1 --households 10000 --profile realistic --out R1
    python bench/wide_pledges.py --from R1 --pledges 600 --places tiny --seed 5 --out tiny-600.json
    python bench/wide_pledges.py --from R1 --pledges 300 --places spread --seed 1 --out wide-300.json
    python bench/outside_instances.py --seed 94 --households 40000 --profile realistic --out R94
    python bench/wide_pledges.py --from R94 --pledges 300 --places spread --seed 3 --out wide-300-40k.json
    python bench/wide_pledges.py --from R94 --pledges 600 --places spread --seed 4 --out wide-600-40k.json
"""

import argparse
import copy
import json
import random


def redrawn(instance: dict, n_pledges: int, places: str, seed: int) -> dict:
    r = random.Random(seed)
    persons = sum(h["size"] for h in instance["households"])
    target = persons * r.uniform(0.3, 0.6) if places == "spread" else 0
    pledges = []
    for i in range(n_pledges):
        p = copy.deepcopy(r.choice(instance["pledges"]))
        p["id"] = f"P-{i}"
        if places == "tiny":
            p["capacity"] = r.randint(1, 12)
            if p.get("quotas"):
                p["quotas"] = {s: r.randint(0, p["capacity"]) for s in p["quotas"]}
        else:
            p["capacity"] = max(1, int(r.expovariate(1.0) * target / n_pledges))
            if p.get("quotas"):
                k = len(p["quotas"])
                p["quotas"] = {
                    s: max(0, int(p["capacity"] * r.uniform(0.5, 1.5) / k)) for s in p["quotas"]
                }
        pledges.append(p)
    return {**instance, "pledges": pledges}  # the households as they are


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="source", required=True, help="instance file whose households are kept")
    parser.add_argument("--pledges", type=int, required=True)
    parser.add_argument("--places", choices=["tiny", "spread"], required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    with open(args.source) as f:
        instance = json.load(f)
    wide = redrawn(instance, args.pledges, args.places, args.seed)
    with open(args.out, "w") as f:
        json.dump(wide, f)
    places = sum(p["capacity"] for p in wide["pledges"])
    persons = sum(h["size"] for h in wide["households"])
    print(f"{args.out}: {len(wide['households'])} households, {persons} persons, "
          f"{args.pledges} pledges, {places} places")


if __name__ == "__main__":
    main()
