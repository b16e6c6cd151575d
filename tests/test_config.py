"""Configs: every bad value is refused at once, by name, with what is allowed."""
import numpy as np
import pytest

from helpers import cfg
from nkdlib.config import make_config
from nkdlib.runs import config_key


@pytest.mark.parametrize("key, value, message", [
    ("method", "nope", "unknown method 'nope'"),
    ("noise_rate", 1.2, "noise_rate=1.2 must be a finite number in \\[0, 1\\)"),
    ("noise", "gaussian", "noise='gaussian' is not allowed; choose one of"),
    ("select", "Last", "select='Last' is not allowed; choose one of \\['valid', 'last'\\]"),
    ("epochs", 0, "epochs=0 must be an integer >= 1"),
    ("epochs", 2.5, "epochs=2.5 must be an integer"),
    ("batch_size", 0, "batch_size=0 must be an integer >= 1"),
    ("max_train", 0, "max_train=0 must be an integer >= 2"),
    ("max_train", 5, "max_train=5 with valid_frac=0.1 holds out 0 valid examples"),
    ("max_test", 0, "max_test=0 must be an integer >= 1"),
    ("seed", -1, "seed=-1 must be an integer >= 0"),
    ("width", 0, "width=0 must be a finite number > 0"),
    ("lr", float("nan"), "lr=nan must be a finite number > 0"),
    ("width", float("inf"), "width=inf must be a finite number > 0"),
    ("weight_decay", float("inf"), "weight_decay=inf must be a finite number >= 0"),
    ("gamma", float("inf"), "gamma=inf must be a finite number > 0"),
    ("optimizer", "adam", "optimizer='adam' is not allowed"),
    ("precision", "fp16", "precision='fp16' is not allowed; choose one of \\['fp32', 'bf16'\\]"),
    ("models", ["no-such-net"], "config models=\\['no-such-net'\\]"),
    ("models", [], "config models=\\[\\]"),
    ("models", ["tiny-bert"], "models=\\['tiny-bert'\\] on task 'digits': \\['tiny-bert'\\] cannot read its vector"),
    ("models", ["resnet18"], "models=\\['resnet18'\\] on task 'digits': .* vector models: \\['mlp'\\]"),
    ("milestones", [0], "milestones=\\[0\\] must be a list of epochs >= 1"),
    ("augment", "yes", "augment='yes' must be True or False"),
    ("lrr", 1, "unknown config key"),
])
def test_bad_value_is_refused_by_name(key, value, message):
    with pytest.raises(ValueError, match=message):
        cfg(**{key: value})


@pytest.mark.parametrize("hp, message", [
    ({"eta": 0}, r"hp eta=0 must be a number in \(0, inf\]"),
    ({"b2": float("nan")}, r"hp b2=nan must be a number in \(-inf, inf\)"),
    ({"target": "kd"}, "hp target='kd' must be one of"),
    ({"target": "ls", "target_hp": {"w": 2}}, "method 'ls': hp w=2 must be a number in \\[0, 1\\]"),
    ({"nope": 1}, "no hyper-parameter"),
])
def test_bad_method_hyper_parameter_is_refused_before_anything_runs(hp, message, tmp_path):
    with pytest.raises(ValueError, match=message):
        cfg(method="cmd", hp=hp)
    assert not any(tmp_path.iterdir())


def test_valid_frac_zero_requires_selecting_the_last_epoch():
    with pytest.raises(ValueError, match="select='valid' needs a valid split"):
        cfg(valid_frac=0.0)
    assert cfg(valid_frac=0.0, select="last")["valid_frac"] == 0.0


def test_numpy_scalars_give_the_same_run_key_as_python_numbers():
    a = cfg(lr=np.float64(0.1), seed=np.int64(3), milestones=np.array([1]), schedule="step")
    b = cfg(lr=0.1, seed=3, milestones=[1], schedule="step")
    assert a == b and config_key(a) == config_key(b)
    assert type(a["seed"]) is int


def test_self_kd_teacher_is_the_finetune_run_of_the_same_settings():
    settings = dict(task="digits", models=["mlp"], seed=4, noise_rate=0.2, lr=0.05, metric="f1",
                    select="last", progress="step", epochs=3)
    teacher = make_config(method="self_kd", **settings)["teacher"]
    assert teacher == make_config(method="ce", **settings)


def test_a_key_added_after_publication_is_left_out_of_the_run_key_while_at_its_default(monkeypatch):
    from nkdlib import config, methods
    before = cfg(method="cmd")
    monkeypatch.setitem(config.ADDED, "new_key", 7)
    monkeypatch.setitem(config.DEFAULTS, "new_key", 7)
    monkeypatch.setattr(methods.CMD, "HP", {**methods.CMD.HP, "new_hp": methods.Count(0, added=True)})
    now = cfg(method="cmd")
    assert now["new_key"] == 7 and now["hp"]["new_hp"] == 0
    assert config_key(now) == config_key(before)                   # at the default: the published name
    assert config_key(cfg(method="cmd", new_key=8)) != config_key(before)
    assert config_key(cfg(method="cmd", hp={"new_hp": 1})) != config_key(before)
    # also inside a teacher: a student whose teacher was stored before the key existed
    student = cfg(method="kd", teacher=now)
    assert config_key(student) == config_key({**student, "teacher": before})
    # a stored config read back gets the new keys at their defaults
    assert config.with_defaults(before)["new_key"] == 7 and config.with_defaults(before)["hp"]["new_hp"] == 0


def test_integers_for_real_values_key_like_floats():
    """papermill's `-p eta 4` arrives as an int: the same run as 4.0."""
    a, b = cfg(method="cmd", hp={"eta": 4, "b2": -2}, lr=1), cfg(method="cmd", hp={"eta": 4.0, "b2": -2.0}, lr=1.0)
    assert config_key(a) == config_key(b) and isinstance(a["hp"]["eta"], float) and isinstance(a["lr"], float)


def test_an_integer_set_for_a_real_value_after_make_config_keys_like_make_configs_float():
    later = cfg(method="cmd")
    later["lr"], later["hp"]["eta"] = 1, 4
    assert config_key(later) == config_key(cfg(method="cmd", lr=1, hp={"eta": 4}))


@pytest.mark.parametrize("key", ["epochs", "batch_size"])
def test_a_value_set_after_make_config_is_refused_by_name_where_the_run_starts(key, tmp_path):
    from nkdlib.train import run
    later = cfg()
    later[key] = 0
    with pytest.raises(ValueError, match=f"config {key}=0 must be an integer >= 1"):
        run(later, tmp_path)
    assert not any(tmp_path.iterdir())


def test_a_model_of_another_kind_than_the_task_is_refused_naming_both():
    with pytest.raises(ValueError, match=r"models=\['resnet18'\] on task 'sst2': \['resnet18'\] cannot read its text"):
        make_config(task="sst2", models=["resnet18"])


def test_a_run_at_noise_rate_zero_is_the_same_run_whatever_the_noise_kind():
    assert config_key(cfg(noise_rate=0.0, noise="uniform")) == config_key(cfg(noise_rate=0.0, noise="pairflip"))
    assert config_key(cfg(noise_rate=0.2, noise="uniform")) != config_key(cfg(noise_rate=0.2, noise="pairflip"))


@pytest.mark.parametrize("overrides, message", [
    (dict(classes=[]), r"classes=\[\] must be None or a non-empty list of distinct class indices in \[0, 10\)"),
    (dict(classes=[99]), r"classes=\[99\] must be None or a non-empty list"),
    (dict(classes=[1, 1]), r"classes=\[1, 1\] must be None or a non-empty list of distinct"),
    (dict(classes="01"), r"classes='01' must be None or a non-empty list"),
    (dict(task="digitz"), r"unknown task 'digitz'; known tasks: cola"),
    (dict(method="kd"), r"method='kd' needs teacher="),
])
def test_configs_that_used_to_fail_later_are_refused_when_made(overrides, message):
    with pytest.raises(ValueError, match=message):
        cfg(**overrides)


@pytest.mark.parametrize("key, value", [("seed", 1), ("max_train", 500), ("noise_rate", 0.2)])
def test_a_teacher_on_other_data_than_its_student_is_refused(key, value):
    """Its logits are indexed by the student's training rows: other data means misaligned targets."""
    from nkdlib.config import teacher_config
    teacher = teacher_config(cfg(**{key: value}), ["mlp"])
    with pytest.raises(ValueError, match=f"teacher's data settings differ from the student's .*'{key}'"):
        cfg(method="kd", teacher=teacher)
    cfg(method="kd", teacher=teacher_config(cfg(), ["mlp"]))   # the same data: fine
