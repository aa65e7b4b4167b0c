"""A consistent demo population: three generations of families, as rows ready to insert.

`generate(n, seed)` is pure and deterministic (a fixed seed gives the same population, byte for
byte): grandparents born 1935–1962 marry and have children; their children grow up, marry
within the population or someone from outside it, some divorce (and some remarry), and have
children of their own, some still minors. Some die. Every person has a four-part Arabic name
with its Latin form, a place of birth and a birth record at the office serving that place.

Each demo citizen's PIN is `demo_pin(seed, national_id)`: six digits derived from the seed,
so a demo or a load test can compute it; `init` also lists them in DATA/demo-citizens.csv.
Demo PINs are hashed with a deliberately cheap Argon2id cost (see `registry.pins`) and
re-hashed at the production cost on the citizen's first successful login.

What it does not do: touch a database (`registry.seed` inserts the rows).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import dataclass, field
from typing import Any

from registry.names import FAMILIES, FEMALE, MALE, PLACES, office_for
from verifier import national_id

__all__ = ["REFERENCE_DATE", "Population", "demo_pin", "generate"]

REFERENCE_DATE = dt.date(2026, 1, 1)  # "today" for the generator, so a seed is reproducible
MALE_SEX, FEMALE_SEX = 1, 2
_PLACE_WEIGHTS = [w for _, _, w in PLACES]


def demo_pin(seed: int, nid: str) -> str:
    """The demo PIN of a national ID in the population made with `seed`: six digits."""
    digest = hashlib.sha256(f"sanad-demo-pin:{seed}:{nid}".encode("ascii")).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 1_000_000:06d}"


def demo_phone(seed: int, nid: str, region: str | None) -> str | None:
    """A demo mobile number (E.164) for a national ID: the jurisdiction's example mobile
    number (phonenumbers) with its last six digits drawn from the ID, so every demo citizen
    can receive a sign-in code at the SMSC simulator. None when the region has no example."""
    import phonenumbers

    if region is None:
        return None
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    if example is None:
        return None
    digest = hashlib.sha256(f"sanad-demo-phone:{seed}:{nid}".encode("ascii")).digest()
    national = str(example.national_number)
    tail = f"{int.from_bytes(digest[:8], 'big') % 1_000_000:06d}"
    example.national_number = int(national[:-6] + tail)
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)


@dataclass
class Population:
    persons: list[dict[str, Any]] = field(default_factory=list)
    deaths: list[dict[str, Any]] = field(default_factory=list)
    marriages: list[dict[str, Any]] = field(default_factory=list)
    divorces: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Person:
    row: dict[str, Any]
    sex: int
    dob: dt.date
    generation: int
    spouse_marriage: int | None = None  # current marriage id
    last_child: dt.date | None = None
    died: dt.date | None = None

    @property
    def id(self) -> int:
        return int(self.row["id"])


class _Generator:
    def __init__(self, n: int, seed: int, reference: dt.date) -> None:
        self.n = n
        self.seed = seed
        self.rng = random.Random(seed)
        self.ref = reference
        self.pop = Population()
        self.people: list[_Person] = []
        self.nids: set[str] = set()
        self.cards: set[str] = set()
        self.pool: list[_Person] = []  # unmarried daughters waiting for a husband

    # -- helpers ------------------------------------------------------------------------------

    @property
    def room(self) -> int:
        return self.n - len(self.people)

    def _date(self, start: dt.date, end: dt.date) -> dt.date:
        if end <= start:
            return start
        return start + dt.timedelta(days=self.rng.randrange((end - start).days + 1))

    def _years(self, d: dt.date, years: int) -> dt.date:
        try:
            return d.replace(year=d.year + years)
        except ValueError:  # 29 February
            return d.replace(year=d.year + years, day=28)

    def _place(self) -> tuple[str, str]:
        ar, latin, _ = self.rng.choices(PLACES, weights=_PLACE_WEIGHTS)[0]
        return ar, latin

    def _nid(self, sex: int, year: int) -> str:
        prefix = "9" if sex == MALE_SEX else "2"
        while True:
            body = f"{prefix}{year % 1000:03d}{self.rng.randrange(100000):05d}"
            nid = national_id.make(body)
            if nid not in self.nids:
                self.nids.add(nid)
                return nid

    def _card(self) -> str:
        letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
        while True:
            card = "".join(self.rng.choice(letters) for _ in range(3)) + (
                f"{self.rng.randrange(1_000_000):06d}"
            )
            if card not in self.cards:
                self.cards.add(card)
                return card

    def _given(self, sex: int) -> tuple[str, str]:
        return self.rng.choice(MALE if sex == MALE_SEX else FEMALE)

    @staticmethod
    def _full(row: dict[str, Any]) -> tuple[str, str]:
        ar = " ".join(
            (row["given_ar"], row["father_given_ar"], row["grandfather_given_ar"], row["family_ar"])
        )
        latin = " ".join(
            (
                row["given_latin"],
                row["father_given_latin"],
                row["grandfather_given_latin"],
                row["family_latin"],
            )
        )
        return ar, latin

    def _outside_name(self, sex: int, family: tuple[str, str]) -> tuple[str, str]:
        """Full name of a parent born before the registry: text only."""
        g, f, gf = self._given(sex), self._given(MALE_SEX), self._given(MALE_SEX)
        return f"{g[0]} {f[0]} {gf[0]} {family[0]}", f"{g[1]} {f[1]} {gf[1]} {family[1]}"

    def _add(
        self,
        *,
        sex: int,
        dob: dt.date,
        generation: int,
        father: _Person | None = None,
        mother: _Person | None = None,
        family: tuple[str, str] | None = None,
    ) -> _Person:
        pid = len(self.people) + 1
        given = self._given(sex)
        if father is not None:
            fr = father.row
            names = {
                "father_given_ar": fr["given_ar"],
                "father_given_latin": fr["given_latin"],
                "grandfather_given_ar": fr["father_given_ar"],
                "grandfather_given_latin": fr["father_given_latin"],
                "family_ar": fr["family_ar"],
                "family_latin": fr["family_latin"],
            }
            father_name = self._full(fr)
        else:
            fam = family or self.rng.choice(FAMILIES)
            fg, gfg = self._given(MALE_SEX), self._given(MALE_SEX)
            names = {
                "father_given_ar": fg[0],
                "father_given_latin": fg[1],
                "grandfather_given_ar": gfg[0],
                "grandfather_given_latin": gfg[1],
                "family_ar": fam[0],
                "family_latin": fam[1],
            }
            ggf = self._given(MALE_SEX)
            father_name = (
                f"{fg[0]} {gfg[0]} {ggf[0]} {fam[0]}",
                f"{fg[1]} {gfg[1]} {ggf[1]} {fam[1]}",
            )
        if mother is not None:
            mother_name = self._full(mother.row)
        else:
            mother_name = self._outside_name(FEMALE_SEX, self.rng.choice(FAMILIES))
        place = self._place()
        office = office_for(place[1])
        registered = min(dob + dt.timedelta(days=self.rng.randrange(1, 31)), self.ref)
        row: dict[str, Any] = {
            "id": pid,
            "national_id": self._nid(sex, dob.year),
            "card_number": self._card() if self._years(dob, 16) <= self.ref else None,
            "sex": sex,
            "given_ar": given[0],
            "given_latin": given[1],
            **names,
            "father_name_ar": father_name[0],
            "father_name_latin": father_name[1],
            "mother_name_ar": mother_name[0],
            "mother_name_latin": mother_name[1],
            "father_id": father.id if father else None,
            "mother_id": mother.id if mother else None,
            "date_of_birth": dob,
            "place_of_birth_ar": place[0],
            "place_of_birth_latin": place[1],
            "birth_office_ar": office[0],
            "birth_office_latin": office[1],
            "birth_record": f"B{dob.year}/{pid:07d}",
            "birth_registered_on": registered,
            "employed": self._years(dob, 18) <= self.ref
            and self.ref < self._years(dob, 60)
            and self.rng.random() < 0.55,
        }
        person = _Person(row, sex, dob, generation)
        self.people.append(person)
        self.pop.persons.append(row)
        return person

    def _marry(self, husband: _Person, wife: _Person, earliest: dt.date) -> int | None:
        start = max(earliest, self._years(wife.dob, 18), self._years(husband.dob, 21))
        end = min(self._years(wife.dob, 32), self.ref - dt.timedelta(days=30))
        if start > end:
            return None
        date = self._date(start, end)
        mid = len(self.pop.marriages) + 1
        place = self._place()
        office = office_for(place[1])
        self.pop.marriages.append(
            {
                "id": mid,
                "husband_id": husband.id,
                "wife_id": wife.id,
                "date": date,
                "place_ar": place[0],
                "place_latin": place[1],
                "office_ar": office[0],
                "office_latin": office[1],
                "record_number": f"M{date.year}/{mid:07d}",
                "registered_on": min(date + dt.timedelta(days=self.rng.randrange(0, 15)), self.ref),
            }
        )
        husband.spouse_marriage = wife.spouse_marriage = mid
        return mid

    def _children(
        self, father: _Person, mother: _Person, married: dt.date, until: dt.date, count: int
    ) -> list[_Person]:
        kids = []
        born = married + dt.timedelta(days=self.rng.randrange(300, 800))
        limit = min(until, self._years(mother.dob, 44), self.ref)
        for _ in range(count):
            if born > limit or self.room < 1:
                break
            sex = self.rng.choice((MALE_SEX, FEMALE_SEX))
            kid = self._add(
                sex=sex, dob=born, generation=father.generation + 1, father=father, mother=mother
            )
            kids.append(kid)
            father.last_child = mother.last_child = born
            born += dt.timedelta(days=self.rng.randrange(330, 1400))
        return kids

    def _divorce(self, mid: int, husband: _Person, wife: _Person) -> dt.date | None:
        married: dt.date = self.pop.marriages[mid - 1]["date"]
        start = married + dt.timedelta(days=365)
        end = self.ref - dt.timedelta(days=30)
        if start > end:
            return None
        date = self._date(start, end)
        did = len(self.pop.divorces) + 1
        place = self._place()
        office = office_for(place[1])
        self.pop.divorces.append(
            {
                "id": did,
                "marriage_id": mid,
                "date": date,
                "place_ar": place[0],
                "place_latin": place[1],
                "office_ar": office[0],
                "office_latin": office[1],
                "record_number": f"V{date.year}/{did:07d}",
                "registered_on": min(date + dt.timedelta(days=self.rng.randrange(1, 31)), self.ref),
            }
        )
        husband.spouse_marriage = wife.spouse_marriage = None
        return date

    def _die(self, person: _Person, earliest: dt.date) -> None:
        start = max(earliest, person.last_child or earliest) + dt.timedelta(days=1)
        end = self.ref - dt.timedelta(days=10)
        if start > end:
            return
        date = self._date(start, end)
        person.died = date
        place = self._place()
        office = office_for(place[1])
        did = len(self.pop.deaths) + 1
        self.pop.deaths.append(
            {
                "id": did,
                "person_id": person.id,
                "date": date,
                "place_ar": place[0],
                "place_latin": place[1],
                "office_ar": office[0],
                "office_latin": office[1],
                "record_number": f"D{date.year}/{did:07d}",
                "registered_on": min(date + dt.timedelta(days=self.rng.randrange(1, 8)), self.ref),
            }
        )

    # -- the families -------------------------------------------------------------------------

    def family(self) -> None:
        """A grandparent couple, their children, and their children's families."""
        if self.room < 2:
            self._add(
                sex=self.rng.choice((MALE_SEX, FEMALE_SEX)),
                dob=self._date(dt.date(1960, 1, 1), dt.date(1995, 12, 31)),
                generation=2,
            )
            return
        h_dob = self._date(dt.date(1935, 1, 1), dt.date(1962, 12, 31))
        w_dob = self._date(self._years(h_dob, 0), self._years(h_dob, 9))
        husband = self._add(sex=MALE_SEX, dob=h_dob, generation=1)
        wife = self._add(sex=FEMALE_SEX, dob=w_dob, generation=1)
        mid = self._marry(husband, wife, w_dob)
        if mid is None:
            return
        married = self.pop.marriages[mid - 1]["date"]
        kids = self._children(husband, wife, married, self.ref, self.rng.randint(2, 7))
        for kid in kids:
            self._grow_up(kid)
        # grandparents: most of the oldest have died
        for g in (husband, wife):
            p = 0.75 if g.dob.year < 1948 else 0.4
            if self.rng.random() < p:
                self._die(g, self._years(g.dob, 55))

    def _grow_up(self, person: _Person) -> None:
        """A second-generation adult may marry, have children, divorce, remarry or die."""
        if self._years(person.dob, 22) > self.ref or self.rng.random() > 0.85:
            if person.sex == FEMALE_SEX and self._years(person.dob, 18) <= self.ref:
                self.pool.append(person)
            return
        if person.sex == FEMALE_SEX:
            if self.rng.random() < 0.5 or self.room < 1:
                self.pool.append(person)
                return
            husband = self._add(
                sex=MALE_SEX,
                dob=self._date(self._years(person.dob, -8), self._years(person.dob, -1)),
                generation=2,
            )
            self._family_of(husband, person)
            return
        wife = self._bride_for(person)
        if wife is None:
            if self.room < 1:
                return
            wife = self._add(
                sex=FEMALE_SEX,
                dob=self._date(self._years(person.dob, 1), self._years(person.dob, 8)),
                generation=2,
            )
        self._family_of(person, wife)

    def _bride_for(self, groom: _Person) -> _Person | None:
        for i, cand in enumerate(self.pool):
            if (
                cand.row["family_ar"] != groom.row["family_ar"]
                and groom.dob <= cand.dob <= self._years(groom.dob, 8)
                and self.rng.random() < 0.6
            ):
                return self.pool.pop(i)
        return None

    def _family_of(self, husband: _Person, wife: _Person) -> None:
        mid = self._marry(husband, wife, max(husband.dob, wife.dob))
        if mid is None:
            return
        married = self.pop.marriages[mid - 1]["date"]
        until = self._divorce(mid, husband, wife) if self.rng.random() < 0.12 else None
        self._children(husband, wife, married, until or self.ref, self.rng.randint(0, 5))
        if until is not None and self.room >= 1 and self.rng.random() < 0.5:
            second = self._add(
                sex=FEMALE_SEX,
                dob=self._date(self._years(husband.dob, 2), self._years(husband.dob, 12)),
                generation=2,
            )
            mid2 = self._marry(husband, second, until + dt.timedelta(days=120))
            if mid2 is not None:
                self._children(
                    husband,
                    second,
                    self.pop.marriages[mid2 - 1]["date"],
                    self.ref,
                    self.rng.randint(0, 3),
                )
        for p in (husband, wife):
            if self.rng.random() < 0.04:
                self._die(p, self._years(p.dob, 35))


def generate(n: int, seed: int = 0, reference: dt.date = REFERENCE_DATE) -> Population:
    """A population of exactly n persons (n ≥ 1) from a seed."""
    if n < 1:
        raise ValueError("a population has at least one person")
    gen = _Generator(n, seed, reference)
    while gen.room > 0:
        gen.family()
    return gen.pop
