"""Known reference distributions for entropy estimation (MI-NEE).

Each reference can draw samples with a :class:`torch.Generator` and evaluate its log-density,
so that ``H(Z) = E[-log p_ref(Z)] - D(p_Z || p_ref)`` can be estimated with as many fresh
reference samples as wanted.

Each also says how many of its parameters were fitted to the data (``n_parameters``): the
cross-entropy ``E[-log p_ref(Z)]`` averaged over the samples it was fitted to is low by
about ``n_parameters / (2 n)`` (Akaike's optimism of an in-sample log-likelihood), which
MINEE's optimism correction adds back.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor


class UniformReference:
    """Uniform distribution on an axis-aligned box.

    Parameters
    ----------
    low, high : Tensor of shape (dim,)
        Corners of the box.
    """

    def __init__(self, low: Tensor, high: Tensor) -> None:
        self.low, self.high = low, high
        self.log_volume = float(torch.log(high - low).sum())

    @classmethod
    def fit(cls, data: Tensor, margin: float) -> UniformReference:
        """The data's bounding box, widened by ``margin`` times its width on every side."""
        low, high = data.min(dim=0).values, data.max(dim=0).values
        width = torch.clamp(high - low, min=1e-6)
        return cls(low - margin * width, high + margin * width)

    def sample(self, n: int, generator: torch.Generator) -> Tensor:
        u = torch.rand(n, self.low.shape[0], generator=generator, device=self.low.device)
        return self.low + u * (self.high - self.low)

    def log_prob(self, z: Tensor) -> Tensor:
        # Constant on the box; the support caveat (points outside it) is documented in MINEE.
        return torch.full((z.shape[0],), -self.log_volume, device=z.device, dtype=z.dtype)

    @property
    def n_parameters(self) -> int:
        """0: the box is widened past the data on purpose, so its fit has no Akaike term."""
        return 0

    def marginal(self, columns: slice) -> UniformReference:
        return UniformReference(self.low[columns], self.high[columns])

    def to(self, device: torch.device) -> UniformReference:
        return UniformReference(self.low.to(device), self.high.to(device))


class GaussianReference:
    """Multivariate normal distribution.

    Parameters
    ----------
    mean : Tensor of shape (dim,)
    covariance : Tensor of shape (dim, dim)
    """

    def __init__(self, mean: Tensor, covariance: Tensor) -> None:
        self.mean, self.covariance = mean, covariance
        self.scale_tril = torch.linalg.cholesky(covariance)

    @classmethod
    def fit(cls, data: Tensor, margin: float = 0.0) -> GaussianReference:
        """Mean and covariance of the data (a small ridge keeps it positive definite)."""
        mean = data.mean(dim=0)
        centred = data - mean
        covariance = centred.T @ centred / max(data.shape[0] - 1, 1)
        ridge = 1e-6 * torch.eye(data.shape[1], device=data.device, dtype=data.dtype)
        return cls(mean, covariance + ridge)

    def sample(self, n: int, generator: torch.Generator) -> Tensor:
        eps = torch.randn(n, self.mean.shape[0], generator=generator, device=self.mean.device)
        return self.mean + eps @ self.scale_tril.T

    def squared_radius(self, z: Tensor) -> Tensor:
        """Each row's squared Mahalanobis distance from the mean, shape ``(n, 1)``."""
        white = torch.linalg.solve_triangular(self.scale_tril, (z - self.mean).T, upper=False).T
        return (white**2).sum(dim=1, keepdim=True)

    def log_normaliser(self) -> float:
        """``log`` of the density's constant: ``log det(2 pi covariance) / 2``."""
        log_det = float(torch.log(torch.diagonal(self.scale_tril)).sum())
        return log_det + 0.5 * self.mean.shape[0] * math.log(2 * math.pi)

    def log_prob(self, z: Tensor) -> Tensor:
        return -0.5 * self.squared_radius(z)[:, 0] - self.log_normaliser()

    @property
    def n_parameters(self) -> int:
        """The mean's and the covariance's free entries."""
        dim = self.mean.shape[0]
        return dim + dim * (dim + 1) // 2

    def marginal(self, columns: slice) -> GaussianReference:
        return GaussianReference(self.mean[columns], self.covariance[columns, columns])

    def to(self, device: torch.device) -> GaussianReference:
        return GaussianReference(self.mean.to(device), self.covariance.to(device))


class ScaleMixtureReference:
    """Gaussian scale mixture: ``sum_k w_k N(mean, c_k * covariance)`` on fixed scales ``c_k``.

    The reference's tails must be at least as heavy as the data's, or the partition term
    ``log E_ref[exp T]`` rests on a few reference samples where the data are and the
    reference almost never is: the divergence runs away. Data whose coordinates are
    Gaussian one by one can still put many more points at a large Mahalanobis radius, all
    coordinates large at once, than a Gaussian does (a shared scale). A scale mixture
    fitted to the data's radii covers them, and is a Gaussian when the data are.

    Parameters
    ----------
    mean : Tensor of shape (dim,)
    covariance : Tensor of shape (dim, dim)
    scales : Tensor of shape (n_scales,)
        Each component's covariance factor ``c_k``.
    weights : Tensor of shape (n_scales,)
        The components' weights ``w_k`` (positive, summing to 1).
    """

    SCALES = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
    MIN_WEIGHT = 0.01
    EM_ITERATIONS = 200

    def __init__(self, mean: Tensor, covariance: Tensor, scales: Tensor, weights: Tensor) -> None:
        self.shape = GaussianReference(mean, covariance)
        self.mean, self.covariance = mean, covariance
        self.scales, self.weights = scales, weights

    @classmethod
    def fit(cls, data: Tensor, margin: float = 0.0) -> ScaleMixtureReference:
        """Mean and covariance of the data; weights by EM on their Mahalanobis radii.

        When the mixture's log-likelihood of the radii does not beat the Gaussian's
        (``c = 1`` alone) by the Bayesian information criterion's penalty for its extra
        weights, the reference is that Gaussian. Otherwise each component's weight is at
        least ``MIN_WEIGHT`` (then renormalised), so that every scale keeps some
        reference samples.
        """
        gaussian = GaussianReference.fit(data)
        radius2 = gaussian.squared_radius(data)
        scales = torch.tensor(cls.SCALES, dtype=data.dtype, device=data.device)
        dim = data.shape[1]
        # log N(z; mean, c S) up to terms shared by all components.
        log_component = -0.5 * dim * torch.log(scales) - radius2 / (2.0 * scales)
        weights = torch.full_like(scales, 1.0 / len(cls.SCALES))
        for _ in range(cls.EM_ITERATIONS):
            responsibility = torch.softmax(torch.log(weights) + log_component, dim=1)
            weights = responsibility.mean(dim=0)
        gain = float(
            (
                torch.logsumexp(torch.log(weights) + log_component, dim=1)
                - log_component[:, cls.SCALES.index(1.0)]
            ).sum()
        )
        if gain <= 0.5 * (len(cls.SCALES) - 1) * math.log(data.shape[0]):
            weights = (scales == 1.0).to(data.dtype)
            return cls(gaussian.mean, gaussian.covariance, scales, weights)
        weights = torch.clamp(weights, min=cls.MIN_WEIGHT)
        return cls(gaussian.mean, gaussian.covariance, scales, weights / weights.sum())

    def sample(self, n: int, generator: torch.Generator) -> Tensor:
        device = self.mean.device
        component = torch.multinomial(self.weights, n, replacement=True, generator=generator)
        eps = torch.randn(
            n, self.mean.shape[0], generator=generator, device=device, dtype=self.mean.dtype
        )
        spread = torch.sqrt(self.scales[component])[:, None]
        return self.mean + spread * (eps @ self.shape.scale_tril.T)

    def log_prob(self, z: Tensor) -> Tensor:
        dim = self.mean.shape[0]
        log_component = torch.log(self.weights) - 0.5 * dim * torch.log(self.scales)
        log_component = log_component - self.shape.squared_radius(z) / (2 * self.scales)
        return torch.logsumexp(log_component, dim=1) - self.shape.log_normaliser()

    @property
    def n_parameters(self) -> int:
        """Those of its Gaussian shape (the weights, shared by the joint and its marginals,
        cancel in the MI)."""
        return self.shape.n_parameters

    def marginal(self, columns: slice) -> ScaleMixtureReference:
        """The same mixture of the columns' Gaussians (a scale mixture's exact marginal)."""
        return ScaleMixtureReference(
            self.mean[columns], self.covariance[columns, columns], self.scales, self.weights
        )

    def to(self, device: torch.device) -> ScaleMixtureReference:
        return ScaleMixtureReference(
            self.mean.to(device),
            self.covariance.to(device),
            self.scales.to(device),
            self.weights.to(device),
        )


class EmpiricalLabelReference:
    """The empirical distribution of one-hot class labels (the known reference for a discrete y).

    Parameters
    ----------
    onehot : Tensor of shape (n, n_classes)
        Training labels.
    """

    def __init__(self, onehot: Tensor) -> None:
        self.probabilities = onehot.mean(dim=0)
        self.eye = torch.eye(onehot.shape[1], device=onehot.device, dtype=onehot.dtype)

    def to(self, device: torch.device) -> EmpiricalLabelReference:
        moved = EmpiricalLabelReference.__new__(EmpiricalLabelReference)
        moved.probabilities, moved.eye = self.probabilities.to(device), self.eye.to(device)
        return moved

    def sample(self, n: int, generator: torch.Generator) -> Tensor:
        codes = torch.multinomial(self.probabilities, n, replacement=True, generator=generator)
        return self.eye[codes]

    def log_prob(self, onehot: Tensor) -> Tensor:
        return torch.log(onehot @ self.probabilities)

    @property
    def n_parameters(self) -> int:
        """The free class probabilities."""
        return self.probabilities.shape[0] - 1

    def entropy(self) -> float:
        p = self.probabilities[self.probabilities > 0]
        return float(-(p * torch.log(p)).sum())


class ProductReference:
    """Independent references for the X columns and the Y columns."""

    def __init__(self, x_reference, y_reference, dim_x: int) -> None:
        self.x_reference, self.y_reference, self.dim_x = x_reference, y_reference, dim_x

    def sample(self, n: int, generator: torch.Generator) -> Tensor:
        return torch.cat(
            [self.x_reference.sample(n, generator), self.y_reference.sample(n, generator)], dim=1
        )

    def log_prob(self, z: Tensor) -> Tensor:
        return self.x_reference.log_prob(z[:, : self.dim_x]) + self.y_reference.log_prob(
            z[:, self.dim_x :]
        )

    @property
    def n_parameters(self) -> int:
        return self.x_reference.n_parameters + self.y_reference.n_parameters

    def to(self, device: torch.device) -> ProductReference:
        return ProductReference(
            self.x_reference.to(device), self.y_reference.to(device), self.dim_x
        )


REFERENCES = {
    "uniform": UniformReference,
    "gaussian": GaussianReference,
    "scale-mixture": ScaleMixtureReference,
}
