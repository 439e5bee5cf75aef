"""Golden formulas from pymatgen (Debian's python3-pymatgen) for test/shared/chem/formula.test.ts.

Usage: /usr/bin/python3 scripts/chem/formula_golden.py > test/fixtures/chem/formulas.json

Compositions: hand-picked cases (ionic, intermetallic, polyanions, special formulas, noble gases,
partial occupancies) and 400 seeded random ones over the whole table, each with its element order
as given (pymatgen keeps insertion order, which matters for elements without electronegativity).
"""
import json
import random
import warnings

warnings.simplefilter("ignore")
from pymatgen.core import Composition, Element  # noqa: E402

CASES = [
    [["K", 4], ["Cl", 4]],
    [["Cl", 4], ["Na", 4]],
    [["Ba", 1], ["O", 3], ["Ti", 1]],
    [["O", 8], ["Ti", 4]],
    [["Zn", 2], ["S", 2]],
    [["C", 8]],
    [["Si", 8]],
    [["Cs", 1], ["Cl", 1]],
    [["Li", 4], ["Fe", 4], ["P", 4], ["O", 16]],
    [["Ca", 1], ["N", 2], ["O", 6]],
    [["Li", 2], ["O", 2]],
    [["O", 4]],
    [["H", 2], ["O", 2]],
    [["N", 6]],
    [["Xe", 1], ["F", 2]],
    [["Ar", 1], ["H", 2], ["O", 1]],
    [["He", 2], ["Ne", 1], ["Ar", 3]],
    [["Fe", 2.4], ["Ni", 1.6], ["O", 4]],
    [["Al", 3], ["Ag", 13]],
    [["C", 6], ["H", 6]],
    [["Cu", 4]],
    [["Mg", 18], ["C", 6], ["O", 18]],
    [["Si", 36], ["O", 72]],
    [["Na", 1], ["Al", 1], ["Si", 3], ["O", 8]],
    [["K", 2], ["S", 2], ["O", 8]],
    [["Og", 1], ["Ts", 2], ["U", 1]],
]


def main():
    rng = random.Random(20261201)
    cases = [list(map(tuple, c)) for c in CASES]
    symbols = [Element.from_Z(z).symbol for z in range(1, 104)]
    for _ in range(400):
        k = rng.randint(1, 5)
        els = rng.sample(symbols, k)
        if rng.random() < 0.2:
            els[rng.randrange(k)] = rng.choice(["He", "Ne", "Ar", "Kr", "Xe", "Rn"])
            els = list(dict.fromkeys(els))
        amounts = [rng.choice([1, 2, 3, 4, 6, 8, 12]) * rng.choice([1, 1, 2, 4]) for _ in els]
        if rng.random() < 0.1:
            amounts[0] = round(amounts[0] * rng.choice([0.5, 0.25, 0.3, 0.75]), 6)
        cases.append(list(zip(els, amounts)))
    out = []
    for c in cases:
        comp = Composition(dict(c))
        out.append({"composition": [[s, a] for s, a in c], "reduced": comp.reduced_formula, "hill": comp.hill_formula.replace(" ", "")})
    import pymatgen.core
    print('{"generator": "scripts/chem/formula_golden.py", "pymatgen": "%s", "cases": [' % pymatgen.core.__version__)
    print(",\n".join(json.dumps(c) for c in out))
    print("]}")


if __name__ == "__main__":
    main()
