import json

import pytest

from nlp.errors import InputFileError
from training.data import read_labelled


def write_jsonl(path, rows):
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    return path


def test_read_labelled_accepts_ids_and_chinese_display_names(tmp_path):
    path = write_jsonl(
        tmp_path / "a.jsonl",
        [
            {
                "id": "1",
                "text": "欠钱不还",
                "dispute_type": "债务",
                "risk_grade": "一般",
                "escalation": False,
            },
            {
                "text": "工地欠薪",
                "dispute_type": "wages",
                "risk_grade": "疑难",
                "escalation": "true",
            },
        ],
    )
    data = read_labelled([path])
    assert data.dispute_types == ["debt", "wages"]
    assert data.risk_grades == ["general", "difficult"]
    assert data.escalations == [False, True]
    assert data.records[1].id == "a.jsonl:2"
    assert len(data.sha256) == 64


def test_read_labelled_hash_changes_with_labels(tmp_path):
    row = {"text": "欠钱不还", "dispute_type": "debt", "risk_grade": "general", "escalation": False}
    first = read_labelled([write_jsonl(tmp_path / "a.jsonl", [row])]).sha256
    second = read_labelled(
        [write_jsonl(tmp_path / "b.jsonl", [{**row, "risk_grade": "complex"}])]
    ).sha256
    assert first != second


@pytest.mark.parametrize(
    "bad",
    [
        {"text": "", "dispute_type": "debt", "risk_grade": "general", "escalation": False},
        {"text": "欠钱", "dispute_type": "money", "risk_grade": "general", "escalation": False},
        {"text": "欠钱", "dispute_type": "debt", "risk_grade": "general", "escalation": "maybe"},
        {"dispute_type": "debt", "risk_grade": "general", "escalation": False},
    ],
)
def test_read_labelled_names_the_bad_row(tmp_path, bad):
    good = {
        "text": "欠钱不还",
        "dispute_type": "debt",
        "risk_grade": "general",
        "escalation": False,
    }
    path = write_jsonl(tmp_path / "a.jsonl", [good, bad])
    with pytest.raises(InputFileError, match="row 2") as caught:
        read_labelled([path])
    assert caught.value.code == "INVALID_TRAINING_ROW"


def test_read_labelled_reads_csv_with_weights(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(
        "text,dispute_type,risk_grade,escalation,weight\n欠钱不还,debt,general,0,2.5\n",
        encoding="utf-8",
    )
    data = read_labelled([path], weight=1.0)
    assert data.weights == [2.5]


def test_read_labelled_refuses_empty_input(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_text("", encoding="utf-8")
    with pytest.raises(InputFileError) as caught:
        read_labelled([path])
    assert caught.value.code == "NO_RECORDS"


def test_default_model_calibrates_on_the_real_set_only_when_it_is_there(tmp_path):
    from training.default_model import GOLD_DIR, calibration_files

    assert calibration_files(tmp_path / "absent.jsonl") == [GOLD_DIR / "dev.jsonl"]
    present = tmp_path / "real.jsonl"
    present.write_text("", "utf-8")
    assert calibration_files(present) == [GOLD_DIR / "dev.jsonl", present]
