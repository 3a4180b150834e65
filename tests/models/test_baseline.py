from models.baseline import KeywordTriggerModel
from models.loading import load_model
from models.protocol import TriageModel


def test_keyword_baseline_follows_its_rules():
    model = KeywordTriggerModel()
    assert isinstance(model, TriageModel)
    wage, quiet, knife = model.predict(
        ["包工头欠我们工资不给", "咨询一下户口怎么迁移", "邻居拿刀说要砍人"]
    )
    assert (wage.dispute_type.label, wage.risk_grade.label, wage.escalation.flag) == (
        "wages",
        "general",
        False,
    )
    assert (quiet.dispute_type.label, quiet.risk_grade.label) == ("other", "general")
    assert (knife.dispute_type.label, knife.risk_grade.label, knife.escalation.flag) == (
        "neighbour",
        "difficult",
        True,
    )


def test_keyword_baseline_ignores_negation_as_real_systems_do():
    result = KeywordTriggerModel().predict(["两家吵了几句，没动手，也没打起来"])[0]
    assert result.escalation.flag


def test_keyword_baseline_bundle_round_trip(tmp_path):
    KeywordTriggerModel().save(tmp_path / "kw")
    loaded = load_model(tmp_path / "kw")
    assert isinstance(loaded, KeywordTriggerModel)
    assert loaded.predict(["欠条到期不还钱"])[0].dispute_type.label == "debt"
