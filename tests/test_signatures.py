"""Signatures derived from another's: what they keep, change and refuse."""

import inspect

import pytest

from skmine import MINE, DeepInfoMaxJSD
from skmine._engine.signature import derived_signature
from skmine.feature_selection import feature_mutual_info, mutual_info_neural


def test_deep_infomax_takes_mine_parameters_less_its_objective_with_its_own_defaults():
    mine = inspect.signature(MINE).parameters
    dim = inspect.signature(DeepInfoMaxJSD).parameters
    assert set(mine) - set(dim) == {"bound", "ema_decay"}
    assert dim["weight_decay"].default == 0.0 and mine["weight_decay"].default == 0.1
    assert dim["max_grad_norm"].default is None and mine["max_grad_norm"].default == 10.0
    changed = {n for n in dim if dim[n].default != mine[n].default}
    assert changed == {"weight_decay", "max_grad_norm"}
    assert DeepInfoMaxJSD().get_params()["weight_decay"] == 0.0
    assert "weight_decay : float, default=0.0" in DeepInfoMaxJSD.__doc__


def test_deep_infomax_refuses_mine_only_and_positional_arguments():
    with pytest.raises(TypeError, match="unexpected keyword argument 'bound'"):
        DeepInfoMaxJSD(bound="dv")
    with pytest.raises(TypeError):
        DeepInfoMaxJSD((64, 64))


def test_score_function_signatures_agree():
    assert list(inspect.signature(mutual_info_neural).parameters.values()) == list(
        inspect.signature(feature_mutual_info).parameters.values()
    )


def test_derived_signature_names_unknown_parameters():
    with pytest.raises(TypeError, match=r"no parameters \['nonsense'\]"):
        derived_signature(MINE.__init__, drop=("nonsense",))
