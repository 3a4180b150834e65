"""Per-record rendering context: the people, places and slot values one record talks about.

A ``RecordContext`` resolves ``{slot}`` placeholders in bank phrasings. Values are drawn once per
record and reused, so a record names the same village, crop or weapon every time it mentions one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Final

from training.corpus._banks import SLOT_PATTERN, Banks, RelationForm
from training.corpus._factors import Factors
from training.corpus._text import (
    amount_text,
    count_text,
    date_text,
    duration_text,
    zh_number,
)

SAME_SURNAME: Final = frozenset({"brother", "parent_child"})
FORMAL_REGISTERS: Final = frozenset({"summary", "ledger", "report", "petition"})
ORG_LIKE_MARKER: Final = "{name}"


def _collective_count(rng: random.Random, n: int, *, oral: bool) -> str:
    """A crowd size as people say it: 二十多, 30余, 四十来."""
    tens = max(n // 10 * 10, 10)
    head = count_text(rng, tens) if rng.random() < 0.5 else zh_number(tens)
    if oral:
        return head + rng.choice(("多", "来", "几", "多"))
    return head + rng.choice(("余", "多"))


@dataclass
class RecordContext:
    """Slot values and mention state of one record under construction."""

    rng: random.Random
    banks: Banks
    factors: Factors
    oral: bool
    cache: dict[str, str] = field(default_factory=dict)
    other_mentions: int = 0
    self_mentions: int = 0

    def __post_init__(self) -> None:
        rng = self.rng
        f = self.factors
        names = self.banks.tables["names"]
        relation = self.banks.relations[f.relation]
        self.form: RelationForm = rng.choice(relation.forms)
        self.self_sex = self.form.self_sex or ("男" if rng.random() < 0.62 else "女")
        other_sex = "女" if self.form.pron == "她" else "男"
        self.other_sex = other_sex
        surnames: list[str] = names["surnames"]
        self.self_surname = rng.choice(surnames)
        if f.relation in SAME_SURNAME or (f.relation == "relative" and rng.random() < 0.5):
            self.other_surname = self.self_surname
        else:
            self.other_surname = rng.choice([s for s in surnames if s != self.self_surname])
        style = rng.random()
        if f.register == "ledger":
            style = 0.5 + style / 2
        self.self_name = self._name(self.self_surname, self.self_sex, style)
        self.other_name = self._name(self.other_surname, other_sex, style)
        if self.other_name == self.self_name:
            pool = names["given_male"] if other_sex == "男" else names["given_female"]
            self.other_name = self.other_surname + rng.choice(pool)
        self.self_age = rng.randint(23, 78)
        self.other_age = min(max(self.self_age + rng.randint(-15, 15), 20), 85)
        places = self.banks.tables["places"]
        self.province = places["provinces"][f.province]
        setting = f.cause.setting
        if setting == "any":
            setting = rng.choice(("rural", "urban"))
        self.setting = setting
        self.county = rng.choice(places["county_stems"]) + rng.choice(places["county_suffix"])
        self.town = rng.choice(places["town_stems"]) + rng.choice(places["town_suffix"])
        self.village = rng.choice(places["village_stems"]) + rng.choice(places["village_suffix"])
        self.city = rng.choice(self.province["cities"])
        self.self_words = self._self_words()

    def _name(self, surname: str, sex: str, style: float) -> str:
        names = self.banks.tables["names"]
        if style < 0.45:
            return surname + "某"
        if style < 0.8:
            return surname + "某某"
        pool = names["given_male"] if sex == "男" else names["given_female"]
        return surname + self.rng.choice(pool)

    def _self_words(self) -> tuple[str, str, str]:
        """(subject, household, kin possessor) for the register."""
        register = self.factors.register
        if register == "caller":
            rules = self.banks.tables["speech_rules"]["dialects"]
            word = self.rng.choice(rules[self.province["region"]]["self"])
            return word, self.rng.choice((f"{word}家", f"{word}们家", f"{word}家")), word
        if register == "petition":
            return "我", "我家", "我"
        if register == "summary":
            return "其", "其家", "其"
        return self.self_name, self.self_name + "家", "其"

    # slot values --------------------------------------------------------------------------

    def place(self) -> str:
        """Where the reporting party is, at the detail the register uses."""
        if "place" in self.cache:
            return self.cache["place"]
        rng = self.rng
        places = self.banks.tables["places"]
        oral = self.oral
        setting = self.setting
        if setting == "rural":
            group = rng.choice(places["group_names"])
            options = (
                [f"{self.town}{self.village}", self.village, f"{self.village}{group}"]
                if oral
                else [
                    f"{self.county}{self.town}{self.village}",
                    f"{self.province['name']}{self.county}{self.town}{self.village}",
                    f"{self.town}{self.village}{group}",
                ]
            )
        elif setting in ("urban", "shop", "road"):
            community = self.slot("community")
            building = f"{rng.randint(1, 30)}号楼" if rng.random() < 0.5 else f"{rng.randint(1, 20)}栋"
            street = self.slot("street")
            if setting == "urban":
                options = (
                    [community, f"{community}{building}"]
                    if oral
                    else [f"{self.city}{community}{building}", f"{self.county}{street}{community}"]
                )
            elif setting == "shop":
                shop = self.slot("shop")
                options = [f"{street}{shop}"] if oral else [f"{self.city}{street}{shop}"]
            else:
                other_street = rng.choice(places["street_stems"]) + rng.choice(places["street_suffix"])
                options = (
                    [f"{street}这个路口", f"{street}上"]
                    if oral
                    else [f"{self.city}{street}与{other_street}交叉口", f"{self.county}{street}"]
                )
        else:
            site = self.slot("site")
            options = [site, f"{self.county}{site}"] if oral else [f"{self.county}{site}", site]
        value = rng.choice(options)
        self.cache["place"] = value
        return value

    def home_place(self) -> str:
        """Where the reporting party lives (a road or a shop is not a home address)."""
        if self.setting in ("rural", "urban"):
            return self.place()
        if "home" not in self.cache:
            if self.rng.random() < 0.5:
                self.cache["home"] = f"{self.county}{self.town}{self.village}"
            else:
                community = self.rng.choice(self.banks.tables["places"]["community_stems"])
                suffix = self.rng.choice(self.banks.tables["places"]["community_suffix"])
                self.cache["home"] = f"{self.city}{community}{suffix}"
        return self.cache["home"]

    def _generated(self, name: str) -> str | None:
        rng = self.rng
        places = self.banks.tables["places"]
        f = self.factors
        simple: dict[str, tuple[str, str]] = {
            "community": ("community_stems", "community_suffix"),
            "site": ("site_stems", "site_suffix"),
            "company": ("company_stems", "company_suffix"),
            "shop": ("shop_stems", "shop_suffix"),
            "street": ("street_stems", "street_suffix"),
        }
        if name in simple:
            stem, suffix = simple[name]
            value = rng.choice(places[stem]) + rng.choice(places[suffix])
            if name == "company":
                value = self.county.rstrip("县市区") + value if rng.random() < 0.5 else value
            return value
        values: dict[str, Any] = {
            "village": self.village,
            "county": self.county,
            "province": self.province["name"],
            "self_name": self.self_name,
            "other_name": self.other_name,
            "sex": self.self_sex,
            "other_sex": self.other_sex,
            "age": str(self.self_age),
            "birth": str(2024 - self.self_age),
            "other_birth": str(2024 - self.other_age),
            "station": self.town.removesuffix("街道").rstrip("镇乡") + "派出所",
        }
        if name in values:
            return str(values[name])
        if name == "place":
            return self.place()
        if name == "home":
            return self.home_place()
        if name == "amt":
            if f.amount is None:
                raise ValueError("phrasing needs {amt} but the record has no amount")
            return amount_text(rng, f.amount, oral=self.oral)
        if name == "dur":
            return duration_text(rng, long=f.long_standing)
        if name == "long_dur":
            return duration_text(rng, long=True)
        if name == "when":
            key = "slots.when" if self.oral else "slots.when_formal"
            return rng.choice(self.banks.get(key))
        if name == "date":
            return date_text(rng, with_time=False)
        if name == "datetime":
            return date_text(rng, with_time=True)
        if name == "n":
            if f.parties >= 10:
                return _collective_count(rng, f.parties, oral=self.oral)
            return zh_number(f.parties, liang=False) if rng.random() < 0.7 else str(f.parties)
        if name == "group":
            return rng.choice(f.cause.group or self.banks.get("slots.group_default"))
        if name == "gsite":
            return rng.choice(self.banks.get(f"slots.gsite.{self.setting}"))
        if name in ("org", "org_oral"):
            area = "rural" if self.setting == "rural" else "urban"
            return rng.choice(self.banks.get(f"slots.{name}.{area}"))
        if name == "home_province":
            provinces = self.banks.tables["places"]["provinces"]
            far = [p["name"] for i, p in enumerate(provinces) if i != f.province]
            return rng.choice(far).removesuffix("省").removesuffix("壮族自治区").removesuffix(
                "维吾尔自治区"
            )
        if name == "self_harm_oral" or name == "self_harm_formal":
            return rng.choice(self.banks.get(f"slots.{name}"))
        return None

    def slot(self, name: str, overrides: dict[str, str] | None = None) -> str:
        """The value of one slot for this record (drawn once, then reused).

        Raises:
            ValueError: the slot has no value source (the bank validator should have caught it).
        """
        if overrides and name in overrides:
            return overrides[name]
        if name == "O":
            return self._other(first_form=self.other_mentions == 0)
        if name == "O2":
            return self._other_again()
        if name == "S":
            return self._self_subject()
        if name == "SP":
            return self.self_words[1]
        if name == "SR":
            return self.self_words[2]
        if name == "sn":
            return self.other_surname
        if name == "name":
            return self.other_name
        if name in self.cache:
            return self.cache[name]
        cause_values = self.factors.cause.slots.get(name)
        if cause_values:
            value = self.fill(self.rng.choice(cause_values), overrides)
        else:
            generated = self._generated(name)
            if generated is None:
                if not self.banks.has(f"slots.{name}"):
                    raise ValueError(f"no value source for slot {{{name}}}")
                generated = self.rng.choice(self.banks.get(f"slots.{name}"))
            value = generated
        if name not in ("when", "date", "datetime", "long_dur", "n"):
            self.cache[name] = value
        return value

    def _other(self, *, first_form: bool) -> str:
        self.other_mentions += 1
        form = self.form
        if self.oral:
            template = form.oral if first_form else self.rng.choice(form.oral_short)
        else:
            template = form.formal if first_form else form.formal_short
        return self.fill(template)

    def _other_again(self) -> str:
        form = self.form
        if self.oral:
            self.other_mentions += 1
            return self.fill(self.rng.choice((form.pron, form.pron, *form.oral_short)))
        if self.other_mentions == 0:
            return self._other(first_form=True)
        self.other_mentions += 1
        if ORG_LIKE_MARKER in form.formal and self.rng.random() < 0.3:
            return "对方"
        return self.fill(form.formal_short)

    def _self_subject(self) -> str:
        self.self_mentions += 1
        if self.factors.register == "report" and self.self_mentions == 1:
            return "报警人" + self.self_name
        return self.self_words[0]

    def fill(self, template: str, overrides: dict[str, str] | None = None) -> str:
        """Replace every ``{slot}`` in ``template`` with this record's value."""
        return SLOT_PATTERN.sub(lambda m: self.slot(m.group(1), overrides), template)
