"""The known reference distributions of MINEE: densities, samples, marginals, fits."""

import math

import numpy as np
import pytest
import torch
from torch.distributions import MultivariateNormal

from skmine._estimators.references import GaussianReference, ScaleMixtureReference


def _mixture_log_prob(reference: ScaleMixtureReference, z: torch.Tensor) -> torch.Tensor:
    parts = [
        math.log(w) + MultivariateNormal(reference.mean, c * reference.covariance).log_prob(z)
        for c, w in zip(reference.scales.tolist(), reference.weights.tolist(), strict=True)
        if w > 0
    ]
    return torch.logsumexp(torch.stack(parts), dim=0)


def _scale_mixture_sample(n, dim, scales, weights, seed):
    rng = np.random.default_rng(seed)
    component = rng.choice(len(scales), size=n, p=weights)
    covariance = 0.5 * np.eye(dim) + 0.5
    z = rng.multivariate_normal(np.zeros(dim), covariance, size=n)
    return torch.tensor(z * np.sqrt(np.asarray(scales)[component])[:, None])


def test_gaussian_data_get_the_gaussian_reference_itself():
    rng = np.random.default_rng(0)
    data = torch.tensor(rng.multivariate_normal([0, 0, 0], np.eye(3) + 0.5, size=5000))
    mixture = ScaleMixtureReference.fit(data)
    assert mixture.weights.tolist() == [0.0, 0.0, 1.0, 0.0, 0.0, 0.0]
    torch.testing.assert_close(mixture.log_prob(data), GaussianReference.fit(data).log_prob(data))


def test_em_recovers_the_weights_of_a_scale_mixture():
    # Half the samples at scale 0.25, half at 4: their covariance is 2.125 times the
    # components', so relative to it the scales are 0.12 and 1.88, nearest the grid's 0.25
    # and 2.
    data = _scale_mixture_sample(20_000, 4, [0.25, 4.0], [0.5, 0.5], seed=1)
    weights = ScaleMixtureReference.fit(data).weights
    fitted = dict(zip(ScaleMixtureReference.SCALES, weights.tolist(), strict=True))
    assert fitted[0.25] == pytest.approx(0.5, abs=0.06)
    assert fitted[2.0] == pytest.approx(0.5, abs=0.1)
    assert float(weights.sum()) == pytest.approx(1.0)
    assert float(weights.min()) > 0.9 * ScaleMixtureReference.MIN_WEIGHT


def test_log_prob_is_the_mixture_density_and_its_marginal_exact():
    data = _scale_mixture_sample(5000, 4, [0.25, 4.0], [0.6, 0.4], seed=2)
    reference = ScaleMixtureReference.fit(data)
    assert reference.weights[2] < 0.9  # a real mixture, not the Gaussian
    z = data[:200]
    torch.testing.assert_close(reference.log_prob(z), _mixture_log_prob(reference, z))
    marginal = reference.marginal(slice(1, 3))
    torch.testing.assert_close(marginal.log_prob(z[:, 1:3]), _mixture_log_prob(marginal, z[:, 1:3]))
    # The marginal of the joint's samples is the marginal's distribution: compare the mean
    # log-density of samples drawn both ways.
    generator = torch.Generator().manual_seed(0)
    joint_draws = reference.sample(200_000, generator)[:, 1:3]
    marginal_draws = marginal.sample(200_000, generator)
    assert float(marginal.log_prob(joint_draws).mean()) == pytest.approx(
        float(marginal.log_prob(marginal_draws).mean()), abs=0.02
    )


def test_samples_follow_log_prob():
    """The cross-entropy of the reference's own samples is its entropy: Monte-Carlo check of
    ``E_q[-log q]`` against numerical integration in one dimension."""
    data = _scale_mixture_sample(5000, 1, [0.25, 4.0], [0.5, 0.5], seed=3)
    reference = ScaleMixtureReference.fit(data)
    grid = torch.linspace(-40, 40, 400_001, dtype=torch.float64)[:, None]
    density = reference.log_prob(grid).exp()
    step = float(grid[1] - grid[0])
    assert float(density.sum()) * step == pytest.approx(1.0, abs=1e-6)
    entropy = -float((density * reference.log_prob(grid)).sum()) * step
    draws = reference.sample(400_000, torch.Generator().manual_seed(1))
    assert float(-reference.log_prob(draws).mean()) == pytest.approx(entropy, abs=0.01)
