"""Shared fixtures: a tiny labelled set and a real linear model trained on it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

_TYPE_PHRASES = {
    "land": [
        "宅基地边界不清",
        "承包地被人占用",
        "耕地界桩被移动",
        "山林权属争议",
        "砌墙占了我家地",
    ],
    "neighbour": [
        "楼上天天噪音扰民",
        "邻居家漏水到我家",
        "楼道堆放杂物",
        "邻居养狗乱叫",
        "两家因排水沟吵架",
    ],
    "debt": [
        "借了五万元不还",
        "欠款到期拒不归还",
        "上门讨债发生口角",
        "借条到期对方失联",
        "欠钱三年不还",
    ],
    "wages": [
        "老板拖欠工资三个月",
        "包工头跑路工钱没结",
        "讨薪被保安推搡",
        "工地欠薪十几个工人",
        "加班费一直不发",
    ],
    "other": [
        "夫妻吵架要离婚",
        "买卖手机发生纠纷",
        "交通事故赔偿谈不拢",
        "婆媳矛盾激化",
        "网购退款纠纷",
    ],
}
_GRADE_PHRASES = {
    "general": ["双方情绪平稳", "经劝说已离开", "现场无冲突", "双方同意调解"],
    "complex": ["多次调解未果", "涉及十余户村民", "已持续两年反复报警", "双方各执一词"],
    "difficult": ["扬言要拿刀砍人", "称要跳楼自杀", "已经动手打伤对方", "纠集多人准备械斗"],
}


@dataclass(frozen=True)
class TinySet:
    """A few hundred short labelled records, one per (type phrase, grade phrase) pair."""

    texts: list[str]
    dispute_types: list[str]
    risk_grades: list[str]
    escalations: list[bool]

    def rows(self) -> list[tuple[str, str, str, bool]]:
        """``(text, dispute_type, risk_grade, escalation)`` per record."""
        return list(
            zip(self.texts, self.dispute_types, self.risk_grades, self.escalations, strict=True)
        )


@pytest.fixture(scope="session")
def tiny_set() -> TinySet:
    texts, types, grades, escalations = [], [], [], []
    for dispute_type, type_phrases in _TYPE_PHRASES.items():
        for grade, grade_phrases in _GRADE_PHRASES.items():
            for i, type_phrase in enumerate(type_phrases):
                for j, grade_phrase in enumerate(grade_phrases):
                    texts.append(f"报警人称{type_phrase}，{grade_phrase}。编号{i}{j}")
                    types.append(dispute_type)
                    grades.append(grade)
                    escalations.append(grade == "difficult")
    return TinySet(texts, types, grades, escalations)


@pytest.fixture(scope="session")
def tiny_linear_bundle(tmp_path_factory: pytest.TempPathFactory, tiny_set: TinySet) -> Path:
    """A real ``LinearTriageModel`` trained on ``tiny_set``, saved as a bundle."""
    from models.linear import LinearTriageModel

    model = LinearTriageModel().fit(
        tiny_set.texts, tiny_set.dispute_types, tiny_set.risk_grades, tiny_set.escalations
    )
    directory = tmp_path_factory.mktemp("linear") / "bundle"
    model.save(
        directory, training={"records": len(tiny_set.texts)}, metrics={"note": "tiny test model"}
    )
    return directory
