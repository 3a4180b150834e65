"""Loading and validating the phrase banks under ``datasets/banks/``.

The banks are plain JSON data: the Chinese text of the corpus lives there, never in code. Loading
checks every file once (required keys, slot names, cause ids) and fails with ``InputFileError``
naming the file and the entry to fix.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from nlp.errors import InputFileError
from nlp.labels import DISPUTE_TYPE_IDS

BANKS_DIR: Final = Path(__file__).resolve().parents[2] / "datasets" / "banks"
"""Where the phrase banks live in a checkout."""

SLOT_PATTERN: Final = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")

GLOBAL_SLOTS: Final = frozenset(
    {
        "O",  # the other party, full reference on first use
        "O2",  # the other party again: pronoun or short name
        "S",  # the reporting party as subject
        "SP",  # the reporting party's household (我家, 其家)
        "amt",  # the amount of money at stake
        "dur",  # how long it has gone on (short unless long-standing)
        "when",  # a recent time (昨天下午)
        "village",  # a village name
        "community",  # a residential compound name
        "site",  # a building site name
        "company",  # a company name
        "shop",  # a shop or restaurant name
        "county",  # a county name
        "province",  # a province name
        "weapon",  # a weapon or dangerous tool
        "n",  # number of people in a collective or a group of parties
        "k",  # number of mediations or calls (两次)
        "kth",  # the same number as an ordinal (第二次)
        "long_dur",  # a long duration (一年多 and more)
        "place",  # where it happens
        "home",  # where the reporting party lives
        "self_name",  # the reporting party's name (formal)
        "other_name",  # the other party's name (formal)
        "sex",  # the reporting party's sex (男/女)
        "age",  # the reporting party's age
        "birth",  # the reporting party's birth year
        "other_sex",
        "other_birth",
        "date",  # a date, formal
        "datetime",  # a date with hour, formal
        "station",  # a police station name
        "org",  # a mediation body (村调委会, 司法所), by setting
        "org_oral",  # a mediation body as callers say it (村里, 社区), by setting
        "group",  # the collective noun of a collective dispute (工人, 村民)
        "gsite",  # the place a collective blocks or gathers at
        "home_province",  # the other party's far-away home province
        "SR",  # the reporting party as possessor of a kin term (其哥哥, 我哥哥)
        "SO",  # the reporting party as object or possessor (其, 我)
        "phone",  # a phone number (noise)
        "id_number",  # an identity card number (noise)
        "plate",  # a vehicle plate (noise)
        "topic",  # what the matter is about, as a title or court phrase (楼上漏水)
        "charge",  # the criminal charge of a judgment (故意伤害罪)
        "body",  # the injured body part (头部)
    }
)
"""Slot names every phrasing may use; bank files add their own lists in ``slots.json``."""

REGISTERS: Final = (
    "caller",
    "summary",
    "ledger",
    "report",
    "petition",
    "petition_online",
    "judgment",
)
"""Every register a record can be written in."""

CALM_REGISTERS: Final = ("caller", "summary", "report")
"""Registers a non-dispute call (``calm``) reaches when its cause names no ``registers``."""

ORAL_REGISTERS: Final = frozenset({"caller", "petition_online"})
"""Registers whose cause clause may be caller-speech phrasing: a cause used there needs some."""

_CAUSE_ID: Final = re.compile(r"^[a-z]+\.[a-z0-9_]+$")
_SETTINGS: Final = frozenset({"rural", "urban", "worksite", "shop", "road", "any"})


@dataclass(frozen=True)
class Money:
    """The range of sums a cause involves, in yuan."""

    low: int
    high: int
    required: bool


@dataclass(frozen=True)
class Cause:
    """One cause of dispute (or non-dispute call) with its own phrasings and slot values.

    ``judgment`` holds court-document phrasings (may be empty: written phrasings are used then);
    ``registers`` lists the registers the cause is written in; ``crime`` marks criminal facts
    without a dispute between the parties (theft, fraud, drunk driving), graded by their sum only.
    """

    id: str
    dispute_type: str
    setting: str
    relations: tuple[str, ...]
    oral: tuple[str, ...]
    formal: tuple[str, ...]
    slots: Mapping[str, tuple[str, ...]]
    money: Money | None
    collective: bool
    group: tuple[str, ...]
    cross_region: bool
    calm_only: bool
    oneoff: bool
    absent: bool
    hard_case: str | None
    weight: float
    demand_oral: tuple[str, ...]
    demand_formal: tuple[str, ...]
    judgment: tuple[str, ...]
    registers: tuple[str, ...]
    crime: bool


@dataclass(frozen=True)
class RelationForm:
    """How the reporting party and the police name the other party of one relation."""

    oral: str
    oral_short: tuple[str, ...]
    formal: str
    formal_short: str
    pron: str
    self_sex: str | None
    plural: bool
    court: str


@dataclass(frozen=True)
class Relation:
    """A relation between the two parties (neighbour, brother, contractor)."""

    id: str
    forms: tuple[RelationForm, ...]
    background_oral: tuple[str, ...]
    background_formal: tuple[str, ...]


@dataclass(frozen=True)
class Banks:
    """Every bank, validated.

    ``phrases`` maps a dotted path (``violence.weapon.oral``) to texts; ``by_register`` maps
    ``"type|register"`` (``"debt|judgment"``) to the causes written in that register.
    """

    causes: tuple[Cause, ...]
    relations: Mapping[str, Relation]
    phrases: Mapping[str, tuple[str, ...]]
    tables: Mapping[str, Any]
    digest: str
    by_register: Mapping[str, tuple[Cause, ...]]

    def get(self, path: str) -> tuple[str, ...]:
        """Return the phrase list at ``path``.

        Raises:
            InputFileError: the banks have no list there; add it to the named bank file.
        """
        try:
            return self.phrases[path]
        except KeyError:
            bank = path.split(".", 1)[0]
            raise InputFileError(
                f"phrase bank {bank}.json has no list at {path!r}; add it under datasets/banks/"
            ) from None

    def has(self, path: str) -> bool:
        """True when a non-empty phrase list exists at ``path``."""
        return bool(self.phrases.get(path))

    def causes_of(self, dispute_type: str, register: str | None = None) -> tuple[Cause, ...]:
        """The causes of one dispute type in bank order; with ``register``, those written in it."""
        if register is not None:
            return self.by_register.get(f"{dispute_type}|{register}", ())
        return tuple(c for c in self.causes if c.dispute_type == dispute_type)


def _fail(file: Path, where: str, what: str) -> InputFileError:
    return InputFileError(f"{file.name}: {where}: {what}; fix the bank file under datasets/banks/")


def _read_json(file: Path) -> Any:
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputFileError(
            f"phrase bank {file} is missing; restore datasets/banks/ from the repository"
        ) from None
    except json.JSONDecodeError as exc:
        raise InputFileError(
            f"{file.name} line {exc.lineno}: not valid JSON ({exc.msg}); fix the bank file"
        ) from None


def _strings(
    file: Path, where: str, value: object, *, allow_empty: bool = False
) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _fail(file, where, "expected a list of non-empty strings")
    if not value and not allow_empty:
        raise _fail(file, where, "expected at least one string")
    return tuple(value)


def _flatten(file: Path, prefix: str, node: object, out: dict[str, tuple[str, ...]]) -> None:
    if isinstance(node, dict):
        for key, child in node.items():
            _flatten(file, f"{prefix}.{key}", child, out)
    elif isinstance(node, list) and all(isinstance(v, str) for v in node):
        out[prefix] = _strings(file, prefix, node)


def _check_slots(file: Path, where: str, texts: tuple[str, ...], known: frozenset[str]) -> None:
    for text in texts:
        for name in SLOT_PATTERN.findall(text):
            if name not in known:
                raise _fail(file, where, f"unknown slot {{{name}}}")


def _parse_cause(file: Path, dispute_type: str, raw: object, known: frozenset[str]) -> Cause:
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
        raise _fail(file, "causes", "every cause needs a string 'id'")
    cid = raw["id"]
    if not _CAUSE_ID.match(cid) or not cid.startswith(dispute_type + "."):
        raise _fail(file, cid, f"cause id must look like '{dispute_type}.snake_case'")
    setting = raw.get("setting", "any")
    if setting not in _SETTINGS:
        raise _fail(file, cid, f"setting must be one of {sorted(_SETTINGS)}")
    slots_raw = raw.get("slots", {})
    if not isinstance(slots_raw, dict):
        raise _fail(file, cid, "'slots' must map names to lists of strings")
    slots = {k: _strings(file, f"{cid}.slots.{k}", v) for k, v in slots_raw.items()}
    cause_known = known | frozenset(slots)
    calm = bool(raw.get("calm", False))
    registers = _strings(
        file, f"{cid}.registers", raw.get("registers", list(CALM_REGISTERS if calm else REGISTERS))
    )
    unknown = sorted(set(registers) - set(REGISTERS))
    if unknown:
        raise _fail(file, cid, f"unknown register(s) {unknown}; use some of {list(REGISTERS)}")
    needs_oral = bool(ORAL_REGISTERS & set(registers))
    oral = _strings(file, f"{cid}.oral", raw.get("oral", []), allow_empty=not needs_oral)
    formal = _strings(file, f"{cid}.formal", raw.get("formal"))
    judgment = _strings(file, f"{cid}.judgment", raw.get("judgment", []), allow_empty=True)
    demand_oral = _strings(file, f"{cid}.demand_oral", raw.get("demand_oral", []), allow_empty=True)
    demand_formal = _strings(
        file, f"{cid}.demand_formal", raw.get("demand_formal", []), allow_empty=True
    )
    for name, texts in (
        ("oral", oral),
        ("formal", formal),
        ("judgment", judgment),
        ("demand_oral", demand_oral),
        ("demand_formal", demand_formal),
        *((f"slots.{k}", v) for k, v in slots.items()),
    ):
        _check_slots(file, f"{cid}.{name}", texts, cause_known)
    money: Money | None = None
    money_raw = raw.get("money")
    if money_raw is not None:
        if not isinstance(money_raw, dict) or not all(
            isinstance(money_raw.get(k), int) for k in ("min", "max")
        ):
            raise _fail(file, cid, "'money' needs integer 'min' and 'max' (yuan)")
        if not 100 <= money_raw["min"] <= money_raw["max"]:
            raise _fail(file, cid, "'money' needs 100 <= min <= max")
        money = Money(money_raw["min"], money_raw["max"], bool(money_raw.get("required", True)))
    uses_amt = any("{amt}" in t for t in oral + formal + judgment)
    if uses_amt and money is None:
        raise _fail(file, cid, "phrasings use {amt} but the cause has no 'money' range")
    if money is not None and not money.required:
        for name, texts in (("oral", oral), ("formal", formal)):
            if texts and all("{amt}" in t for t in texts):
                raise _fail(file, f"{cid}.{name}", "optional money needs a phrasing without {amt}")
    relations = _strings(file, f"{cid}.rel", raw.get("rel"))
    collective = bool(raw.get("collective", False))
    group = _strings(file, f"{cid}.group", raw.get("group", []), allow_empty=not collective)
    weight = raw.get("weight", 1.0)
    if not isinstance(weight, int | float) or weight <= 0:
        raise _fail(file, cid, "'weight' must be a positive number")
    hard = raw.get("hard")
    if hard is not None and (not isinstance(hard, str) or not hard.isascii()):
        raise _fail(file, cid, "'hard' must be a short English reason")
    return Cause(
        id=cid,
        dispute_type=dispute_type,
        setting=setting,
        relations=relations,
        oral=oral,
        formal=formal,
        slots=MappingProxyType(slots),
        money=money,
        collective=collective,
        group=group,
        cross_region=bool(raw.get("cross", False)),
        calm_only=calm,
        oneoff=bool(raw.get("oneoff", False)),
        absent=bool(raw.get("absent", False)),
        hard_case=hard,
        weight=float(weight),
        demand_oral=demand_oral,
        demand_formal=demand_formal,
        judgment=judgment,
        registers=registers,
        crime=bool(raw.get("crime", False)),
    )


def _parse_relations(file: Path, raw: object, known: frozenset[str]) -> dict[str, Relation]:
    if not isinstance(raw, dict):
        raise _fail(file, "top level", "expected an object of relations")
    relations: dict[str, Relation] = {}
    for rid, body in raw.items():
        if (
            not isinstance(body, dict)
            or not isinstance(body.get("forms"), list)
            or not body["forms"]
        ):
            raise _fail(file, rid, "a relation needs a non-empty 'forms' list")
        forms: list[RelationForm] = []
        for i, form in enumerate(body["forms"]):
            where = f"{rid}.forms[{i}]"
            if not isinstance(form, dict) or not all(
                isinstance(form.get(k), str) for k in ("oral", "formal")
            ):
                raise _fail(file, where, "a form needs 'oral' and 'formal' strings")
            short = _strings(file, f"{where}.short", form.get("short", ["他"]))
            pron = form.get("pron", "他")
            self_sex = form.get("self_sex")
            if self_sex not in (None, "男", "女"):
                raise _fail(file, where, "'self_sex' must be 男 or 女")
            default_short = "{name}" if "{name}" in form["formal"] else form["formal"]
            formal_short = form.get("fshort", default_short)
            if not isinstance(formal_short, str) or not formal_short:
                raise _fail(file, where, "'fshort' must be a non-empty string")
            formal = form["formal"]
            # In a court document the other party is named by role and name (被告张某某); the
            # relation itself is told by a background clause instead.
            default_court = formal[formal.index("{name}") :] if "{name}" in formal else formal
            court = form.get("court", default_court)
            if not isinstance(court, str) or not court:
                raise _fail(file, where, "'court' must be a non-empty string")
            texts = (form["oral"], formal, formal_short, court, *short)
            _check_slots(file, where, texts, known | {"sn", "name"})
            forms.append(
                RelationForm(
                    oral=form["oral"],
                    oral_short=short,
                    formal=form["formal"],
                    formal_short=formal_short,
                    pron=str(pron),
                    self_sex=self_sex,
                    plural=bool(form.get("plural", False)),
                    court=court,
                )
            )
        bg_oral = _strings(file, f"{rid}.bg_oral", body.get("bg_oral", []), allow_empty=True)
        bg_formal = _strings(file, f"{rid}.bg_formal", body.get("bg_formal", []), allow_empty=True)
        _check_slots(file, rid, bg_oral + bg_formal, known)
        relations[rid] = Relation(rid, tuple(forms), bg_oral, bg_formal)
    return relations


_PHRASE_FILES: Final = ("registers", "violence", "factors", "speech", "noise", "slots")
_TABLE_FILES: Final = ("places", "names", "speech_rules", "grammar")


@lru_cache(maxsize=4)
def load_banks(directory: Path = BANKS_DIR) -> Banks:
    """Read and validate every bank file under ``directory``.

    Args:
        directory: the banks folder (``datasets/banks`` in a checkout).

    Returns:
        The validated banks; cached per directory.

    Raises:
        InputFileError: a file is missing, is not JSON, or an entry is malformed; the message names
            the file and the entry.
    """
    import hashlib

    digest = hashlib.sha256()
    files = sorted(p for p in directory.rglob("*.json"))
    if not files:
        raise InputFileError(f"no phrase banks under {directory}; restore datasets/banks/")
    for file in files:
        digest.update(file.relative_to(directory).as_posix().encode())
        digest.update(file.read_bytes())

    phrases: dict[str, tuple[str, ...]] = {}
    for name in _PHRASE_FILES:
        file = directory / f"{name}.json"
        _flatten(file, name, _read_json(file), phrases)
    extra_slots = frozenset(p.split(".", 1)[1] for p in phrases if p.startswith("slots."))
    known = GLOBAL_SLOTS | extra_slots
    for path, texts in phrases.items():
        _check_slots(directory / f"{path.split('.', 1)[0]}.json", path, texts, known)

    tables = {name: _read_json(directory / f"{name}.json") for name in _TABLE_FILES}
    relations = _parse_relations(
        directory / "relations.json", _read_json(directory / "relations.json"), known
    )

    causes: list[Cause] = []
    seen: set[str] = set()
    for dispute_type in DISPUTE_TYPE_IDS:
        file = directory / "causes" / f"{dispute_type}.json"
        raw = _read_json(file)
        if not isinstance(raw, list):
            raise _fail(file, "top level", "expected a list of causes")
        for entry in raw:
            cause = _parse_cause(file, dispute_type, entry, known)
            if cause.id in seen:
                raise _fail(file, cause.id, "duplicate cause id")
            for rid in cause.relations:
                if rid not in relations:
                    raise _fail(file, cause.id, f"unknown relation {rid!r} (see relations.json)")
            seen.add(cause.id)
            causes.append(cause)
    by_register: dict[str, tuple[Cause, ...]] = {}
    for dispute_type in DISPUTE_TYPE_IDS:
        for register in REGISTERS:
            usable = tuple(
                c for c in causes if c.dispute_type == dispute_type and register in c.registers
            )
            if not usable:
                raise _fail(
                    directory / "causes" / f"{dispute_type}.json",
                    "causes",
                    f"no cause can be written in the {register} register",
                )
            by_register[f"{dispute_type}|{register}"] = usable
    return Banks(
        causes=tuple(causes),
        relations=MappingProxyType(relations),
        phrases=MappingProxyType(phrases),
        tables=MappingProxyType(tables),
        digest=digest.hexdigest(),
        by_register=MappingProxyType(by_register),
    )
