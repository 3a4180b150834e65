import numpy as np

from models.calibration import expected_calibration_error, fit_temperature, softmax


def test_softmax_rows_sum_to_one():
    probs = softmax(np.array([[1.0, 2.0, 3.0], [1000.0, 0.0, -1000.0]]))
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    assert probs[1, 0] > 0.999


def test_fit_temperature_softens_overconfident_logits():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, size=2000)
    logits = rng.normal(size=(2000, 3))
    correct = rng.random(2000) < 0.7
    logits[np.arange(2000)[correct], labels[correct]] += 2.0
    overconfident = logits * 8
    temperature = fit_temperature(overconfident, labels)
    assert temperature > 3
    before = expected_calibration_error(softmax(overconfident), labels)
    after = expected_calibration_error(softmax(overconfident / temperature), labels)
    assert after < before / 2


def test_expected_calibration_error_is_zero_for_perfect_confident_predictions():
    labels = np.array([0, 1, 2, 1])
    assert expected_calibration_error(np.eye(3)[labels], labels) == 0.0
    assert expected_calibration_error(np.eye(3)[(labels + 1) % 3], labels) == 1.0


def test_temperature_and_bias_moves_decisions_towards_the_calibration_shares():
    import numpy as np

    from models.calibration import fit_temperature_and_bias, softmax

    rng = np.random.default_rng(0)
    labels = (rng.random(400) < 0.8).astype(int)  # class 1 is common here
    logits = np.stack([np.zeros(400), rng.normal(-0.5, 1.0, 400)], axis=1)  # model favours 0
    temperature, offsets = fit_temperature_and_bias(logits, labels, bias_penalty=0.01)
    assert offsets[0] == 0.0 and offsets[1] > 0.5
    before = (softmax(logits).argmax(axis=1) == labels).mean()
    after = (softmax(logits / temperature + offsets).argmax(axis=1) == labels).mean()
    assert after > before
    _, held = fit_temperature_and_bias(logits, labels, bias_penalty=1e6)
    assert abs(held[1]) < 1e-3
