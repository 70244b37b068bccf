"""Device placement: ``device="auto"``, CUDA training, and CUDA-trained models on CPU-only hosts.

The CUDA tests run where a GPU is present (they were run on an H100 for this release) and
are skipped elsewhere.
"""

import os
import pickle
import subprocess
import sys

import pytest
import torch

from skmine import MINE, MINEE, DeepInfoMaxJSD
from skmine.datasets import correlated_gaussians
from skmine.feature_selection import mutual_info_neural

# The tests train with small budgets on purpose; the warnings that provokes are expected.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")


@pytest.fixture(scope="module")
def data():
    return correlated_gaussians(3000, rho=0.8, dim=2, random_state=0)


def test_auto_device_is_resolved_in_fit(data):
    X, y, _ = data
    est = MINE(max_iter=20, eval_interval=10, random_state=0)
    assert est.device == "auto"
    est.fit(X, y)
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert est.device_.type == expected
    assert est.get_params()["device"] == "auto"


def test_explicit_cpu(data):
    X, y, _ = data
    est = MINE(max_iter=20, eval_interval=10, device=torch.device("cpu")).fit(X, y)
    assert est.device_.type == "cpu"


@cuda
@pytest.mark.parametrize("cls", [MINE, MINEE, DeepInfoMaxJSD], ids=lambda c: c.__name__)
def test_cuda_fit_is_accurate_and_keeps_the_critic_on_cpu(cls, data):
    X, y, truth = data
    est = cls(device="cuda", random_state=0, max_iter=1500).fit(X, y)
    assert est.device_.type == "cuda"
    assert all(p.device.type == "cpu" for p in est.critic_.parameters())
    assert abs(est.mutual_info_ - truth) < 0.1 * truth
    cpu_score = pickle.loads(pickle.dumps(est)).score(X, y)
    assert cpu_score == est.score(X, y)


@cuda
def test_cuda_feature_scores_rank_the_informative_feature_first():
    rng = torch.Generator().manual_seed(0)
    X = torch.randn(3000, 4, generator=rng).numpy()
    y = X[:, 2] ** 2 + 0.1 * torch.randn(3000, generator=rng).numpy()
    scores = mutual_info_neural(X, y, device="cuda", random_state=0)
    assert scores.argmax() == 2 and scores[2] > 0.5 and max(scores[[0, 1, 3]]) < 0.1


@cuda
def test_cuda_fit_is_reproducible(data):
    X, y, _ = data
    a = MINE(device="cuda", random_state=1, max_iter=300, eval_interval=50).fit(X, y)
    b = MINE(device="cuda", random_state=1, max_iter=300, eval_interval=50).fit(X, y)
    assert a.mutual_info_ == pytest.approx(b.mutual_info_, abs=1e-4)


@cuda
def test_cuda_trained_model_scores_on_a_host_without_cuda(data, tmp_path):
    X, y, _ = data
    est = MINE(device="cuda", random_state=0, max_iter=200, eval_interval=50).fit(X, y)
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(est))
    script = (
        "import pickle, sys, torch\n"
        "assert not torch.cuda.is_available()\n"
        "from skmine.datasets import correlated_gaussians\n"
        "X, y, _ = correlated_gaussians(3000, rho=0.8, dim=2, random_state=0)\n"
        f"est = pickle.loads(open({str(path)!r}, 'rb').read())\n"
        "print(repr(est.score(X, y)))\n"
    )
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert float(out.stdout.strip()) == est.score(X, y)
