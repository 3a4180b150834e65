"""Labelled training and evaluation data, from any record file ``models.io`` reads.

Label columns take stable ids or Chinese display names (``一般``/``复杂``/``疑难``), so
hand-labelled files such as the shared real-text set load as they are.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from models.io import AUTO_ENCODING, iter_rows
from nlp.errors import InputFileError, InvalidRecordError, UnknownLabelError
from nlp.labels import (
    DISPUTE_TYPE_IDS,
    RISK_GRADE_IDS,
    parse_dispute_type,
    parse_escalation,
    parse_risk_grade,
)
from nlp.validate import validate_text

LABEL_COLUMNS = ("dispute_type", "risk_grade", "escalation")
"""The label fields every labelled record has."""


@dataclass(frozen=True, slots=True)
class LabelledRecord:
    """One record with its three labels."""

    id: str
    text: str
    dispute_type: str
    risk_grade: str
    escalation: bool
    weight: float = 1.0
    source: str = ""


@dataclass(frozen=True)
class LabelledSet:
    """Records read from one or more files, with a hash of their content."""

    records: tuple[LabelledRecord, ...]
    files: tuple[str, ...]
    sha256: str

    @property
    def texts(self) -> list[str]:
        return [r.text for r in self.records]

    @property
    def dispute_types(self) -> list[str]:
        return [r.dispute_type for r in self.records]

    @property
    def risk_grades(self) -> list[str]:
        return [r.risk_grade for r in self.records]

    @property
    def escalations(self) -> list[bool]:
        return [r.escalation for r in self.records]

    @property
    def weights(self) -> list[float]:
        return [r.weight for r in self.records]


def read_labelled(
    paths: Sequence[Path],
    *,
    text_column: str = "text",
    file_format: str | None = None,
    weight: float = 1.0,
    encoding: str = AUTO_ENCODING,
) -> LabelledSet:
    """Read labelled records from JSONL/CSV/Parquet files.

    Args:
        paths: files with a text column and ``dispute_type``, ``risk_grade``, ``escalation``.
        text_column: name of the text column.
        file_format: force a format instead of guessing from the extension.
        weight: sample weight given to every record read (a per-row ``weight`` column wins).
        encoding: text encoding of JSONL/CSV files (``models.io.iter_rows``); ``auto`` detects.

    Returns:
        The records in file order and a sha256 over their texts and labels.

    Raises:
        InputFileError: a file is missing or malformed, or a row's text or labels are invalid
            (the message names the file and row).
    """
    digest = hashlib.sha256()
    records: list[LabelledRecord] = []
    for path in paths:
        for number, row in iter_rows(Path(path), file_format, encoding=encoding):
            missing = [label for label in LABEL_COLUMNS if label not in row]
            if missing:
                raise InputFileError(
                    f"{path} row {number} has no {', '.join(missing)}: training and evaluation "
                    f"need labelled records ({', '.join(LABEL_COLUMNS)}); to triage unlabelled "
                    "records use triage score",
                    code="MISSING_LABEL",
                )
            try:
                record = LabelledRecord(
                    id=str(row.get("id", f"{Path(path).name}:{number}")),
                    text=validate_text(row.get(text_column)),
                    dispute_type=parse_dispute_type(row.get("dispute_type")),
                    risk_grade=parse_risk_grade(row.get("risk_grade")),
                    escalation=parse_escalation(row.get("escalation")),
                    weight=float(row.get("weight", weight)),
                    source=Path(path).name,
                )
            except (InvalidRecordError, UnknownLabelError, ValueError) as error:
                message = getattr(error, "message", str(error))
                raise InputFileError(
                    f"{path} row {number}: {message}", code="INVALID_TRAINING_ROW"
                ) from None
            records.append(record)
            digest.update(
                "\t".join(
                    (record.text, record.dispute_type, record.risk_grade, str(record.escalation))
                ).encode("utf-8")
            )
            digest.update(b"\n")
    if not records:
        raise InputFileError("the input files hold no records", code="NO_RECORDS")
    return LabelledSet(tuple(records), tuple(str(p) for p in paths), digest.hexdigest())


def read_texts(
    paths: Sequence[Path],
    *,
    text_column: str = "text",
    row_code: str = "INVALID_PRETRAINING_ROW",
    encoding: str = AUTO_ENCODING,
) -> list[str]:
    """Unlabelled texts from JSONL/CSV/Parquet files (labels, if any, are ignored).

    ``encoding`` is that of JSONL/CSV files (``models.io.iter_rows``); ``auto`` detects it.

    Raises:
        InputFileError: a file is unreadable or a row's text is invalid (code ``row_code``,
            naming file and row, never the text); code ``NO_RECORDS`` when there is no row.
    """
    texts: list[str] = []
    for path in paths:
        for number, row in iter_rows(Path(path), encoding=encoding):
            try:
                texts.append(validate_text(row.get(text_column)))
            except InvalidRecordError as error:
                raise InputFileError(
                    f"{path} row {number}: {error.message}", code=row_code
                ) from None
    if not texts:
        raise InputFileError("the input files hold no records", code="NO_RECORDS")
    return texts


class TrainingDataError(InputFileError):
    """The labelled data would train a model that cannot predict (a class or a head is empty)."""

    code = "TRAINING_CLASS_MISSING"


HEAD_CLASSES: dict[str, tuple[object, ...]] = {
    "dispute_type": DISPUTE_TYPE_IDS,
    "risk_grade": RISK_GRADE_IDS,
    "escalation": (False, True),
}
"""Every class of each head; a model is trained on all of them or not at all."""


def check_trainable(data: LabelledSet, calibration: LabelledSet | None = None) -> None:
    """Refuse training data that would make a bundle unable to predict or to calibrate.

    Every head is fitted over its whole label set and calibrated on labels indexed into it, so
    each class must appear in ``data`` (with a positive weight): a class it lacks crashes
    prediction, and calibration data holding that class crashes calibration.

    Args:
        data: the training records.
        calibration: the hand-labelled calibration records, if any (named in the message when
            they hold the missing class).

    Raises:
        TrainingDataError: code ``TRAINING_TOO_FEW_CLASSES`` when a head has fewer than two
            classes, ``TRAINING_CLASS_MISSING`` when a class is absent; the message names the
            head and the classes.
    """
    present = {
        head: {getattr(record, head) for record in data.records if record.weight > 0}
        for head in HEAD_CLASSES
    }
    for head, classes in HEAD_CLASSES.items():
        if len(present[head]) < 2:
            raise TrainingDataError(
                f"the training data hold {len(present[head])} class of head {head}; a head "
                f"needs records of every class ({_names(classes)})",
                code="TRAINING_TOO_FEW_CLASSES",
            )
    for head, classes in HEAD_CLASSES.items():
        missing = [label for label in classes if label not in present[head]]
        if not missing:
            continue
        in_calibration = calibration is not None and any(
            getattr(record, head) in missing for record in calibration.records
        )
        raise TrainingDataError(
            f"the training data have no record of class {_names(missing)} of head {head}"
            + (" (the calibration data have some)" if in_calibration else "")
            + f"; add labelled records of it: a head needs every class ({_names(classes)})",
            code="TRAINING_CLASS_MISSING",
        )


def _names(classes: Sequence[object]) -> str:
    return ", ".join(str(label).lower() for label in classes)
