"""gankit: train, sample and evaluate generative adversarial networks."""

__version__ = "0.1.0"

from gankit.errors import GankitError  # noqa: E402
from gankit.runs import load_generator  # noqa: E402

__all__ = ["GankitError", "load_generator", "__version__"]
