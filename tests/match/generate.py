#!/usr/bin/env python3
"""generate.py -- the seeded set of pairs the likely-duplicate rule is measured on (generated.tsv).

10,000 children with French names (Faker's fr_FR locale, Debian's python3-fake-factory), born
2008-2022. 10 % have a true duplicate: the same child written with one of the issue's variants,
its kind chosen at random and recorded. 5 % have a look-alike that is another child: a twin (same
family name and birth date, other given names) or a cousin (the same names, another birth date).
Besides, children of the population born the same day (strangers the birth-date block puts side
by side) are sampled as distinct pairs.

The seed and the parameters are fixed here, and the output is committed, so that the C test
needs no Python and nobody tunes the rule to a set drawn again until it passes. Regenerate with
    python3 tests/match/generate.py > tests/match/generated.tsv
and check the committed file is what this script makes with
    python3 tests/match/generate.py --check tests/match/generated.tsv
Exits 77 when Faker is missing (a test that cannot run is skipped, not failed).
"""
import datetime
import random
import sys
import unicodedata

try:
    import faker
except ImportError:
    print("generate.py: Python's faker module is missing (Debian: python3-fake-factory); skipped",
          file=sys.stderr)
    sys.exit(77)

SEED = 20260214
CHILDREN = 10_000
DUPLICATE_SHARE = 0.10
LOOKALIKE_SHARE = 0.05
SAME_DAY_PAIRS = 2_000           # strangers born the same day, sampled among all such pairs
COMPOUND_FAMILY_SHARE = 0.12     # "Martin-Durand"
SECOND_GIVEN_SHARE = 0.35        # a second given name
HYPHENATED_GIVEN_SHARE = 0.08    # "Marie-Claire", one given name
TWINS_SHARE_MIDDLE_NAME = 0.3    # twins often share a grandparent's name as second given name
BORN_FROM = datetime.date(2008, 1, 1)
BORN_TO = datetime.date(2022, 12, 31)

DUPLICATE_KINDS = ["accents", "case", "hyphen_space", "given_missing", "given_extra", "swapped",
                   "typo", "compound_short", "phonetic"]
LOOKALIKE_KINDS = ["twins", "cousins"]

# French respellings of one sound, for the "phonetic" kind: (written, rewritten, where).
RESPELLINGS = [
    ("ph", "f", "any"), ("eau", "o", "any"), ("au", "o", "any"), ("ai", "e", "any"),
    ("ei", "ai", "any"), ("y", "i", "any"), ("qu", "k", "any"), ("ll", "l", "any"),
    ("tt", "t", "any"), ("nn", "n", "any"), ("ss", "s", "any"), ("rr", "r", "any"),
    ("t", "d", "end"), ("d", "t", "end"), ("x", "s", "end"), ("z", "s", "any"),
    ("ch", "sch", "start"), ("ca", "ka", "any"), ("co", "ko", "any"), ("th", "t", "any"),
    ("é", "e", "any"), ("è", "ai", "any"),
]


def strip_accents(text):
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


class Generator:
    def __init__(self):
        self.rng = random.Random(SEED)
        self.fake = faker.Faker("fr_FR")
        self.fake.seed_instance(SEED)

    def family(self, compound=None):
        if compound is None:
            compound = self.rng.random() < COMPOUND_FAMILY_SHARE
        name = self.fake.last_name()
        while compound:
            other = self.fake.last_name()
            if other != name:
                return name + "-" + other
        return name

    def first(self, avoid=()):
        while True:
            name = self.fake.first_name()
            if name not in avoid and strip_accents(name).lower() not in {strip_accents(a).lower() for a in avoid}:
                return name

    def given(self, count=None, hyphenated=None):
        if hyphenated is None:
            hyphenated = self.rng.random() < HYPHENATED_GIVEN_SHARE
        if count is None:
            count = 2 if self.rng.random() < SECOND_GIVEN_SHARE else 1
        names = []
        for _ in range(count):
            names.append(self.first(avoid=names))
        if hyphenated:
            names[0] = names[0] + "-" + self.first(avoid=names)
        return names

    def birth(self):
        return BORN_FROM + datetime.timedelta(days=self.rng.randrange((BORN_TO - BORN_FROM).days + 1))

    def child(self, kind=None):
        """A child whose names allow `kind` (a hyphen to play with, a second given name...)."""
        family = self.family(compound=True if kind == "compound_short" else None)
        count = 2 if kind == "given_missing" else None
        given = self.given(count=count)
        if kind == "hyphen_space" and "-" not in family and not any("-" in g for g in given):
            if self.rng.random() < 0.5:
                family = self.family(compound=True)
            else:
                given[0] = given[0] + "-" + self.first(avoid=given)
        return {"family": family, "given": given, "birth": self.birth()}

    # ---- the variants of a true duplicate ---------------------------------------------------

    def typo(self, word):
        letters = [i for i, c in enumerate(word) if c.isalpha()]
        i = self.rng.choice(letters[:-1] if len(letters) > 1 else letters)
        op = self.rng.choice(["change", "drop", "add", "swap"])
        pick = self.rng.choice("abcdefghijklmnopqrstuvwxyz")
        if op == "change":
            return word[:i] + pick + word[i + 1:]
        if op == "drop":
            return word[:i] + word[i + 1:]
        if op == "add":
            return word[:i] + pick + word[i:]
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]

    def respell(self, name):
        low = name.lower()
        options = []
        for written, rewritten, where in RESPELLINGS:
            if where == "end" and low.endswith(written):
                options.append((len(low) - len(written), written, rewritten))
            elif where == "start" and low.startswith(written):
                options.append((0, written, rewritten))
            elif where == "any" and written in low:
                options.append((low.index(written), written, rewritten))
        if not options:  # a silent final E, added or dropped
            return name[:-1] if low.endswith("e") else name + "e"
        at, written, rewritten = self.rng.choice(options)
        if name[at].isupper():
            rewritten = rewritten.capitalize()
        return name[:at] + rewritten + name[at + len(written):]

    def variant(self, c, kind):
        family, given = c["family"], list(c["given"])
        if kind == "accents":
            if strip_accents(family + "".join(given)) != family + "".join(given):
                family, given = strip_accents(family), [strip_accents(g) for g in given]
            else:  # accents a partner added where the register has none
                family = family.replace("e", "é", 1) if "e" in family else family + "é"
        elif kind == "case":
            if self.rng.random() < 0.7:
                family = family.upper()  # "KACI Yanis": the family name in capitals
            else:
                family, given = family.lower(), [g.lower() for g in given]
        elif kind == "hyphen_space":
            sep = self.rng.choice([" ", ""])
            if "-" in family:
                family = family.replace("-", sep)
            else:
                given = [g.replace("-", sep) for g in given]
        elif kind == "given_missing":
            del given[self.rng.randrange(len(given))]
        elif kind == "given_extra":
            given.append(self.first(avoid=given))
        elif kind == "swapped":
            family, given = given[0], [family] + given[1:]
        elif kind == "typo":
            words = [w for w in family.split("-") + given[0].split("-") if len(w) >= 4]
            if not words:
                kind = "case"
                family = family.upper()
            else:
                word = self.rng.choice(words)
                mistyped = self.typo(word)
                if word in family.split("-"):
                    family = family.replace(word, mistyped, 1)
                else:
                    given[0] = given[0].replace(word, mistyped, 1)
        elif kind == "compound_short":
            parts = family.split("-")
            family = parts[0] if self.rng.random() < 0.7 else parts[-1]
        elif kind == "phonetic":
            family = self.respell(family)
        return kind, {"family": family, "given": given, "birth": c["birth"]}

    def lookalike(self, c, kind):
        if kind == "twins":
            count = len(c["given"])
            given = [self.first(avoid=c["given"])]
            if count > 1:
                given.append(c["given"][1] if self.rng.random() < TWINS_SHARE_MIDDLE_NAME
                             else self.first(avoid=c["given"] + given))
            return {"family": c["family"], "given": given, "birth": c["birth"]}
        shift = 0
        while shift == 0:
            shift = self.rng.randint(-3 * 365, 3 * 365)
        return {"family": c["family"], "given": list(c["given"]), "birth": c["birth"] + datetime.timedelta(days=shift)}

    def pairs(self):
        duplicates = int(CHILDREN * DUPLICATE_SHARE)
        lookalikes = int(CHILDREN * LOOKALIKE_SHARE)
        out, population = [], []
        for i in range(CHILDREN):
            if i < duplicates:
                kind = self.rng.choice(DUPLICATE_KINDS)
                c = self.child(kind)
                kind, other = self.variant(c, kind)
                out.append((kind, "duplicate", c, other))
            elif i < duplicates + lookalikes:
                kind = self.rng.choice(LOOKALIKE_KINDS)
                c = self.child()
                out.append((kind, "distinct", c, self.lookalike(c, kind)))
            else:
                c = self.child()
            population.append(c)
        by_day = {}
        for c in population:
            by_day.setdefault(c["birth"], []).append(c)
        same_day = [(a, b) for day in sorted(by_day) for i, a in enumerate(by_day[day]) for b in by_day[day][i + 1:]]
        for a, b in self.rng.sample(same_day, min(SAME_DAY_PAIRS, len(same_day))):
            out.append(("same_day", "distinct", a, b))
        return out


def row(kind, expected, a, b):
    def cells(c):
        return [c["family"], ";".join(c["given"]), c["birth"].isoformat()]
    return "\t".join([kind, expected] + cells(a) + cells(b)) + "\n"


def render():
    lines = [
        "# generated.tsv -- made by tests/match/generate.py (seed %d, %d children, %d %% true duplicates, "
        "%d %% look-alikes, %d same-day strangers); do not edit, regenerate.\n"
        % (SEED, CHILDREN, DUPLICATE_SHARE * 100, LOOKALIKE_SHARE * 100, SAME_DAY_PAIRS),
        "# kind\texpected\ta_family\ta_given\ta_birth\tb_family\tb_given\tb_birth\n",
    ]
    lines += [row(*p) for p in Generator().pairs()]
    return "".join(lines)


def main(argv):
    text = render()
    if len(argv) == 3 and argv[1] == "--check":
        with open(argv[2], encoding="utf-8") as f:
            if f.read() != text:
                print("generate.py: %s is not what the seeded generator makes; regenerate it" % argv[2],
                      file=sys.stderr)
                return 1
        return 0
    if len(argv) != 1:
        print("usage: generate.py [--check FILE]", file=sys.stderr)
        return 2
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
