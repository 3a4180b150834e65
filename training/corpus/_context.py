"""Per-record rendering context: the people, places and slot values one record talks about.

A ``RecordContext`` resolves ``{slot}`` placeholders in bank phrasings. Values are drawn once per
record and reused, so a record names the same village, crop or weapon every time it mentions one.
The small grammatical pieces it composes with (self reference per register, name masks, place
patterns, court roles) come from ``datasets/banks/grammar.json``.

A judgment is written in one of three frames, chosen here: ``judgment_criminal`` (被告人 and
被害人; only when the facts are a crime: violence between persons, damage to property, refusing to
pay wages, or a criminal cause), ``judgment_civil`` (原告 and 被告) or ``judgment_appeal``
(上诉人 and 被上诉人). The frame is a way of telling the facts; the labels never depend on it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Final

from training.corpus._banks import SLOT_PATTERN, Banks, RelationForm
from training.corpus._factors import ORG_RELATIONS, Factors
from training.corpus._text import amount_text, count_text, date_text, zh_number

SAME_SURNAME: Final = frozenset({"brother", "parent_child"})
"""Relations whose two parties share a surname."""

NAME_MARKER: Final = "{name}"
UNCACHED: Final = frozenset({"when", "date", "datetime", "long_dur", "n"})
"""Slots drawn afresh at every use (two dates in one record may differ)."""

CRIMINAL_LEVELS: Final = frozenset(
    {
        "threat",
        "kill_threat",
        "scuffle",
        "past_fight",
        "ongoing_fight",
        "weapon",
        "arson",
        "gathering",
    }
)
"""Violence levels a prosecutor charges (self-harm is not a crime of the other party)."""

CRIMINAL_SHARE: Final = 0.7
"""Share of judgments about violence between persons that are criminal judgments."""

PROPERTY_CRIME_SHARE: Final = 0.35
"""Share of judgments about a heated confrontation that are criminal (damage to property)."""

WAGE_CRIME_SHARE: Final = 0.35
"""Share of calm wage judgments that are criminal (refusing to pay wages, 拒不支付劳动报酬)."""

APPEAL_SHARE: Final = 0.15
"""Share of civil judgments written as appeals."""

RMB_SHARE: Final = 0.5
"""Share of judgment amounts prefixed with 人民币 (when the form has no prefix yet)."""

MASKED_PLACE_SHARE: Final = 0.3
"""Share of judgment places written with masks (××县××镇××村)."""


def _strip(text: str, suffixes: list[str]) -> str:
    for suffix in suffixes:
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)]
    return text


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
        tables = self.banks.tables
        self.grammar: dict[str, Any] = tables["grammar"]
        sexes = self.grammar["sex"]
        relation = self.banks.relations[f.relation]
        self.form: RelationForm = rng.choice(relation.forms)
        default_sex = sexes["male"] if rng.random() < 0.62 else sexes["female"]
        self.self_sex = self.form.self_sex or default_sex
        self.other_sex = sexes["female"] if self.form.pron == sexes["she"] else sexes["male"]
        surnames: list[str] = tables["names"]["surnames"]
        self.self_surname = rng.choice(surnames)
        if f.relation in SAME_SURNAME or (f.relation == "relative" and rng.random() < 0.5):
            self.other_surname = self.self_surname
        else:
            self.other_surname = rng.choice([s for s in surnames if s != self.self_surname])
        self.frame: str = self._frame()
        style = rng.random()
        if f.register == "ledger":
            style = 0.5 + style / 2
        self.self_name = self._name(self.self_surname, self.self_sex, style)
        self.other_name = self._name(self.other_surname, self.other_sex, style)
        if self.other_name == self.self_name:
            if self.court:
                masks = self.grammar["court_name_masks"]
                other = [m for m in masks if self.other_surname + m != self.self_name]
                self.other_name = self.other_surname + rng.choice(other)
            else:
                self.other_name = self.other_surname + rng.choice(self._given_pool(self.other_sex))
        self.self_age = rng.randint(23, 78)
        self.other_age = min(max(self.self_age + rng.randint(-15, 15), 20), 85)
        places = tables["places"]
        self.province: dict[str, Any] = places["provinces"][f.province]
        self.setting = f.setting
        self.county = rng.choice(places["county_stems"]) + rng.choice(places["county_suffix"])
        self.town = rng.choice(places["town_stems"]) + rng.choice(places["town_suffix"])
        self.village = rng.choice(places["village_stems"]) + rng.choice(places["village_suffix"])
        self.city: str = rng.choice(self.province["cities"])
        self.self_word = self._caller_self_word()

    @property
    def court(self) -> bool:
        """True when the record is a court document (a judgment frame)."""
        return self.frame.startswith("judgment")

    def _frame(self) -> str:
        """The register, or for a judgment its criminal, civil or appeal frame."""
        f = self.factors
        if f.register != "judgment":
            return f.register
        rng = self.rng
        person = f.relation not in ORG_RELATIONS
        if f.cause.crime:
            return "judgment_criminal"
        draw = rng.random()
        if person and not f.cause.absent and f.violence in CRIMINAL_LEVELS and not f.variant:
            criminal = draw < CRIMINAL_SHARE
        elif person and not f.cause.absent and f.violence == "heated":
            criminal = draw < PROPERTY_CRIME_SHARE
        elif person and f.cause.dispute_type == "wages" and f.violence == "none":
            criminal = draw < WAGE_CRIME_SHARE
        else:
            criminal = False
        if criminal:
            return "judgment_criminal"
        return "judgment_appeal" if rng.random() < APPEAL_SHARE else "judgment_civil"

    def _given_pool(self, sex: str) -> list[str]:
        names = self.banks.tables["names"]
        pool: list[str] = (
            names["given_male"] if sex == self.grammar["sex"]["male"] else names["given_female"]
        )
        return pool

    def _name(self, surname: str, sex: str, style: float) -> str:
        if self.court:
            # Court documents pseudonymise parties: 张某某, 李某, 王××.
            return surname + str(self.rng.choice(self.grammar["court_name_masks"]))
        masks = self.grammar["name_masks"]
        if style < 0.45:
            return surname + masks[0]
        if style < 0.8:
            return surname + masks[1]
        return surname + self.rng.choice(self._given_pool(sex))

    def _caller_self_word(self) -> str:
        rules = self.banks.tables["speech_rules"]["dialects"]
        word: str = self.rng.choice(rules[self.province["region"]]["self"])
        return word

    def _self_ref(self, key: str) -> str:
        """The reporting party as S, SP, SR or SO in this record's register."""
        register = self.factors.register
        table = self.grammar["self"][self.frame]
        if register == "caller" and key == "S":
            return self.self_word
        if key == "S" and "S_first" in table and self.self_mentions == 1:
            template = self.rng.choice(table["S_first"])
        else:
            template = self.rng.choice(table[key])
        return template.replace("{w}", self.self_word).replace("{self_name}", self.self_name)

    # places ---------------------------------------------------------------------------------

    def _place_parts(self) -> dict[str, str]:
        rng = self.rng
        places = self.banks.tables["places"]
        building = rng.choice(self.grammar["building"]).replace("{b}", str(rng.randint(1, 30)))
        street2 = rng.choice(places["street_stems"]) + rng.choice(places["street_suffix"])
        return {
            "town": self.town,
            "village": self.village,
            "group": rng.choice(places["group_names"]),
            "county": self.county,
            "province": self.province["name"],
            "city": self.city,
            "community": self.slot("community"),
            "building": building,
            "street": self.slot("street"),
            "street2": street2,
            "shop": self.slot("shop") if self.setting == "shop" else "",
            "site": self.slot("site") if self.setting == "worksite" else "",
        }

    def _render_place(self, template: str) -> str:
        parts = self._place_parts()
        return SLOT_PATTERN.sub(lambda m: parts[m.group(1)], template)

    def place(self) -> str:
        """Where it happens, at the detail the register uses (drawn once per record)."""
        if "place" not in self.cache:
            style = "oral" if self.oral else "formal"
            options = self.grammar["places"][self.setting][style]
            if self.court and self.rng.random() < MASKED_PLACE_SHARE:
                options = self.grammar["places_masked"][self.setting]
            self.cache["place"] = self._render_place(self.rng.choice(options))
        return self.cache["place"]

    def home_place(self) -> str:
        """Where the reporting party lives (a road or a shop is not a home address)."""
        if self.setting in ("rural", "urban"):
            return self.place()
        if "home" not in self.cache:
            self.cache["home"] = self._render_place(self.rng.choice(self.grammar["places"]["home"]))
        return self.cache["home"]

    # slot values ----------------------------------------------------------------------------

    def _crowd(self, n: int) -> str:
        """A crowd size as people say it: 二十多, 30余, 四十来."""
        rng = self.rng
        tens = max(n // 10 * 10, 10)
        head = count_text(rng, tens)
        style = "oral" if self.oral else "formal"
        return head + rng.choice(self.grammar["crowd_suffix"][style])

    def _generated(self, name: str) -> str | None:
        rng = self.rng
        places = self.banks.tables["places"]
        f = self.factors
        stems: dict[str, tuple[str, str]] = {
            "community": ("community_stems", "community_suffix"),
            "site": ("site_stems", "site_suffix"),
            "company": ("company_stems", "company_suffix"),
            "shop": ("shop_stems", "shop_suffix"),
            "street": ("street_stems", "street_suffix"),
        }
        strip = self.grammar["strip_suffixes"]
        if name in stems:
            stem, suffix = stems[name]
            value: str = rng.choice(places[stem]) + rng.choice(places[suffix])
            if name == "company" and rng.random() < 0.5:
                value = _strip(self.county, strip["county"]) + value
            return value
        fixed: dict[str, str] = {
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
        }
        if name in fixed:
            return fixed[name]
        if name == "station":
            stem = _strip(self.town, strip["town"])
            return str(self.grammar["station"]).replace("{town_stem}", stem)
        if name == "place":
            return self.place()
        if name == "home":
            return self.home_place()
        if name == "amt":
            if f.amount is None:
                raise ValueError("phrasing needs {amt} but the record has no amount")
            text = amount_text(rng, f.amount, oral=self.oral)
            prefix = self.grammar["court_currency"]
            if self.court and not text.startswith(prefix) and rng.random() < RMB_SHARE:
                text = prefix + text
            return text
        if name in ("dur", "long_dur"):
            long = f.long_standing if name == "dur" else True
            return str(rng.choice(self.grammar["durations"]["long" if long else "short"]))
        if name == "when":
            return rng.choice(self.banks.get("slots.when" if self.oral else "slots.when_formal"))
        if name in ("date", "datetime"):
            return date_text(rng, with_time=name == "datetime")
        if name == "n":
            if f.parties >= 10:
                return self._crowd(f.parties)
            return zh_number(f.parties, liang=False) if rng.random() < 0.7 else str(f.parties)
        if name == "group":
            return rng.choice(f.cause.group or self.banks.get("slots.group_default"))
        if name == "topic":
            return rng.choice(self.banks.get(f"slots.topic.{f.cause.dispute_type}"))
        if name == "gsite":
            return rng.choice(self.banks.get(f"slots.gsite.{self.setting}"))
        if name in ("org", "org_oral"):
            area = "rural" if self.setting == "rural" else "urban"
            return rng.choice(self.banks.get(f"slots.{name}.{area}"))
        if name == "home_province":
            provinces = places["provinces"]
            far = [p["name"] for i, p in enumerate(provinces) if i != f.province]
            return _strip(rng.choice(far), strip["province"])
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
            self.self_mentions += 1
            return self._self_ref("S")
        if name in ("SP", "SR", "SO"):
            return self._self_ref(name)
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
        if name not in UNCACHED:
            self.cache[name] = value
        return value

    def _court_other(self, *, first_form: bool) -> str:
        """The other party by court role and name (被告人张某某), then by role again."""
        roles = self.grammar["court_roles"][self.frame]
        role = str(self.rng.choice(roles["first" if first_form else "again"]))
        return self.fill(role.replace("{who}", self.form.court))

    def _other(self, *, first_form: bool) -> str:
        self.other_mentions += 1
        form = self.form
        if self.court:
            return self._court_other(first_form=first_form)
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
        if self.court:
            return self._court_other(first_form=False)
        if NAME_MARKER in form.formal and self.rng.random() < 0.3:
            return str(self.rng.choice(self.grammar["other_again_formal"]))
        return self.fill(form.formal_short)

    def fill(self, template: str, overrides: dict[str, str] | None = None) -> str:
        """Replace every ``{slot}`` in ``template`` with this record's value."""
        text = SLOT_PATTERN.sub(lambda m: self.slot(m.group(1), overrides), template)
        # A party named like "隔壁村那家的" followed by a possessive would double the particle.
        for doubled, single in self.grammar["doubled"]:
            text = text.replace(doubled, single)
        return text
