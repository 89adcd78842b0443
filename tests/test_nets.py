import pytest
import torch
from torch import nn

from gankit.nets import (
    DCGANDiscriminator,
    DCGANGenerator,
    MLPDiscriminator,
    MLPGenerator,
    build_from_spec,
    build_net,
    net_spec,
)
from gankit.nets.archs import (
    DCGANDiscriminatorOptions,
    DCGANGeneratorOptions,
    MLPDiscriminatorOptions,
    MLPGeneratorOptions,
)


def generator(arch: str, shape, **options):
    cls = MLPGeneratorOptions if arch == "mlp" else DCGANGeneratorOptions
    return build_net("generator", cls(**options), shape)


def discriminator(arch: str, shape, **options):
    cls = MLPDiscriminatorOptions if arch == "mlp" else DCGANDiscriminatorOptions
    return build_net("discriminator", cls(**options), shape)


@pytest.mark.parametrize("size", [28, 32, 64])
@pytest.mark.parametrize("channels", [1, 3])
def test_dcgan_shapes(size, channels):
    gen = DCGANGenerator(16, (channels, size, size), width=8)
    disc = DCGANDiscriminator((channels, size, size), width=8)
    images = gen(torch.randn(5, 16))
    assert images.shape == (5, channels, size, size)
    assert images.abs().max() <= 1.0  # tanh output
    assert disc(images).shape == (5,)


def test_dcgan_follows_the_paper():
    gen = DCGANGenerator(100, (1, 32, 32), width=64)
    disc = DCGANDiscriminator((1, 32, 32), width=64)
    convs_g = [m for m in gen.modules() if isinstance(m, nn.ConvTranspose2d)]
    assert [c.out_channels for c in convs_g] == [256, 128, 64, 1]
    convs_d = [m for m in disc.modules() if isinstance(m, nn.Conv2d)]
    assert [c.out_channels for c in convs_d] == [64, 128, 256, 1]
    assert all(c.stride == (2, 2) for c in convs_d[:-1])  # strided, no pooling
    assert not any(isinstance(m, (nn.MaxPool2d, nn.AvgPool2d)) for m in disc.modules())
    assert sum(isinstance(m, nn.BatchNorm2d) for m in gen.modules()) == 3
    assert any(isinstance(m, nn.LeakyReLU) and m.negative_slope == 0.2 for m in disc.modules())
    bn_d = [m for m in disc.modules() if isinstance(m, nn.BatchNorm2d)]
    assert len(bn_d) == 2  # not after the first (input) layer
    weights = torch.cat([c.weight.flatten() for c in convs_g + convs_d])
    assert abs(weights.mean().item()) < 1e-3 and abs(weights.std().item() - 0.02) < 1e-3


def test_mlp_for_images_and_points():
    gen = MLPGenerator(4, (1, 28, 28), [32, 32], norm="batch", tanh=True)
    assert gen(torch.randn(3, 4)).shape == (3, 1, 28, 28)
    points = MLPGenerator(2, (2,), [16], tanh=False)
    out = points(torch.randn(3, 2) * 100)
    assert out.shape == (3, 2) and out.abs().max() > 1  # linear output, not squashed
    disc = MLPDiscriminator((2,), [16], dropout=0.5)
    assert disc(out).shape == (3,)


def test_builders_follow_the_config():
    assert generator("dcgan", (3, 64, 64), latent_dim=7, width=4).latent_dim == 7
    assert isinstance(discriminator("mlp", (2,), hidden=[8]), MLPDiscriminator)
    assert generator("mlp", (2,), hidden=[8]).output_shape == (2,)


def test_maxout_discriminator_takes_the_max_of_pieces():
    from gankit.nets.layers import Maxout

    layer = Maxout(3, 4, pieces=5)
    x = torch.randn(6, 3)
    pieces = layer.linear(x).view(6, 4, 5)
    assert torch.equal(layer(x), pieces.max(dim=2).values)
    disc = discriminator("mlp", (2,), hidden=[8, 8], maxout_pieces=5)
    assert sum(isinstance(m, Maxout) for m in disc.modules()) == 2
    assert disc(torch.randn(7, 2)).shape == (7,)


def test_categorical_latent_gives_equally_likely_codes_beside_the_continuous_ones():
    from gankit.nets.layers import CategoricalLatent

    z = torch.randn(100_000, 3, generator=torch.Generator().manual_seed(0))
    out = CategoricalLatent(25)(z)
    assert out.shape == (100_000, 2 + 25)
    torch.testing.assert_close(out[:, :2], z[:, :2])  # the continuous part passes through
    codes = out[:, 2:]
    assert torch.equal(codes.sum(1), torch.ones(100_000))  # one-hot
    counts = codes.sum(0)
    assert counts.min() > 3_700 and counts.max() < 4_300  # 4,000 each, uniform over K
    # the code is a step function of the last coordinate: ordered along it
    order = z[:, 2].argsort()
    assert torch.all(codes[order].argmax(1).diff() >= 0)


@pytest.mark.parametrize("arch, shape", [("mlp", (2,)), ("dcgan", (1, 28, 28))])
def test_categorical_latent_prior_widens_g_input(arch, shape):
    size = {"hidden": [8]} if arch == "mlp" else {"width": 4}
    gen = generator(arch, shape, latent_dim=5, latent_prior="categorical", latent_components=10,
                    **size).eval()
    first = gen.net[1]
    assert (first.in_channels if arch == "dcgan" else first.in_features) == 4 + 10
    z = torch.randn(6, 5)
    assert gen(z).shape == (6, *shape)
    flipped = z.clone()
    flipped[:, -1] = -z[:, -1]  # another code for most rows, same continuous part
    assert not torch.allclose(gen(z), gen(flipped))


def test_categorical_latent_continuous_scale_shrinks_only_the_gaussian_part():
    from gankit.nets.layers import CategoricalLatent

    z = torch.randn(500, 4)
    plain, scaled = CategoricalLatent(10)(z), CategoricalLatent(10, continuous_scale=0.5)(z)
    torch.testing.assert_close(scaled[:, :3], 0.5 * z[:, :3])
    assert torch.equal(scaled[:, 3:], plain[:, 3:])  # the same codes
    gen = generator("mlp", (2,), latent_dim=4, hidden=[8], latent_prior="categorical",
                    latent_components=10, latent_continuous_scale=0.5)
    assert gen.net[0].continuous_scale == 0.5  # the config reaches G


@pytest.mark.parametrize("model, message", [
    ({"latent_prior": "categorical"}, "set both"),
    ({"latent_components": 25}, "set both"),
    ({"latent_prior": "categorical", "latent_components": 1}, "latent_components >= 2"),
    ({"latent_prior": "categorical", "latent_components": 4, "latent_dim": 1}, "latent_dim >= 2"),
    ({"latent_continuous_scale": 0.5}, "beside the code"),
    ({"latent_prior": "categorical", "latent_components": 4, "latent_continuous_scale": 0}, "positive"),
])
def test_categorical_latent_config_mistakes(model, message):
    from gankit.config import config_from_dict
    from gankit.errors import GankitError

    with pytest.raises(GankitError, match=message):
        config_from_dict({"recipe": "gan", "nets": {"G": model}})


def test_uniform_latent_prior_feeds_g_uniform_codes():
    from gankit.nets.layers import UniformLatent

    codes = UniformLatent()(torch.randn(200_000, 1, generator=torch.Generator().manual_seed(0)))
    quantiles = torch.quantile(codes.flatten(), torch.tensor([0.1, 0.25, 0.5, 0.75, 0.9]))
    torch.testing.assert_close(quantiles, torch.tensor([-0.8, -0.5, 0.0, 0.5, 0.8]), atol=0.01, rtol=0)
    assert codes.abs().max() <= 1.0
    for arch in ("mlp", "dcgan"):
        size = {"hidden": [8]} if arch == "mlp" else {"width": 4}
        gen = generator(arch, (2,) if arch == "mlp" else (1, 28, 28), latent_dim=4,
                        latent_prior="uniform", **size).eval()
        first = gen.net[0]
        assert isinstance(first, UniformLatent)
        z = torch.randn(3, 4)
        plain = gen.net[1:](z if arch == "mlp" else z.view(3, 4, 1, 1))
        after = gen.net[1:](first(z) if arch == "mlp" else first(z).view(3, 4, 1, 1))
        torch.testing.assert_close(gen(z).view_as(after), after)
        assert not torch.allclose(plain, after)


@pytest.mark.parametrize("build", [
    lambda: generator("dcgan", (1, 28, 28), latent_dim=6, width=4, norm="virtual_batch",
                      vbn_reference_size=8),
    lambda: generator("mlp", (2,), latent_dim=3, hidden=[8], latent_prior="categorical",
                      latent_components=5, latent_continuous_scale=0.5),
    lambda: discriminator("dcgan", (3, 32, 32), width=4, spectral_norm=True, minibatch_kernels=3),
    lambda: discriminator("mlp", (2,), hidden=[8], maxout_pieces=3, dropout=0.2),
])
def test_a_net_spec_rebuilds_the_same_net_without_any_config(build):
    import json

    torch.manual_seed(0)
    net = build().eval()
    spec = json.loads(json.dumps(net_spec(net)))  # plain JSON
    again = build_from_spec(spec).eval()
    assert again.state_dict().keys() == net.state_dict().keys()
    again.load_state_dict(net.state_dict())
    shape = getattr(net, "output_shape", None)
    x = torch.randn(4, getattr(net, "latent_dim", 0)) if shape else torch.randn(
        4, *((2,) if isinstance(net, MLPDiscriminator) else (3, 32, 32)))
    with torch.no_grad():
        torch.testing.assert_close(again(x), net(x))
