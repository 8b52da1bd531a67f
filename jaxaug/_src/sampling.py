"""``AugmentConfig`` and the key-first samplers that turn a key into parameters and matrices.

Key discipline: each sampler splits its key once, into exactly as many subkeys as it
has enabled draws, and uses each subkey once. Disabled parameters draw nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from jaxaug._src import matrices, resample, validation


def _zoom_pair(value: Any) -> tuple[float, float]:
    if isinstance(value, (list, tuple)):
        return validation.check_pair("zoom_range", value, minimum=0.0)
    z = validation.check_real("zoom_range", value, minimum=0.0)
    if z >= 1.0:
        raise ValueError(
            f"`zoom_range` as a single number must be in [0, 1) (it gives [1 - z, 1 + z]); got {value!r}. "
            "Pass a (lower, upper) pair for other ranges."
        )
    return (1.0 - z, 1.0 + z)


@dataclasses.dataclass(frozen=True)
class AugmentConfig:
    """A frozen, hashable description of a random augmentation.

    The names are ``ImageDataGenerator``'s, the geometry is the correct one: a width
    shift moves columns, a height shift moves rows, and every pivot is the true image
    centre. Pass it as a static argument to ``jax.jit``.

    Attributes:
        rotation_range: degrees; the angle is drawn from U(-r, r). Counter-clockwise
            for positive angles.
        width_shift_range: horizontal shift drawn from U(-r, r); a fraction of the
            width if ``r < 1``, else pixels.
        height_shift_range: vertical shift, same rules, scaled by the height.
        shear_range: degrees; the shear angle is drawn from U(-r, r).
        zoom_range: ``z`` gives factors in [1 - z, 1 + z]; a pair gives [lo, hi].
            Row and column factors are drawn independently (as in Keras). A factor
            above 1 zooms out.
        horizontal_flip: mirror columns with probability 1/2.
        vertical_flip: mirror rows with probability 1/2.
        channel_shift_range: each channel gets its own offset from U(-r, r); the
            result is clipped to the image's own [min, max].
        brightness_range: ``(lo, hi)`` multiplicative factor, or None.
        fill_mode: scipy boundary mode (see ``affine_transform``).
        cval: fill value for ``constant`` and ``grid-constant``.
        interpolation_order: 0 (nearest) or 1 (bilinear).

    Examples:
        >>> import jaxaug
        >>> config = jaxaug.AugmentConfig(rotation_range=20, zoom_range=0.1, horizontal_flip=True)
        >>> config.zoom_range
        (0.9, 1.1)
        >>> jaxaug.AugmentConfig(fill_mode="edge")
        Traceback (most recent call last):
        ...
        ValueError: `fill_mode` must be one of 'constant', 'nearest', ..., 'grid-mirror'; got 'edge'.
    """

    rotation_range: float = 0.0
    width_shift_range: float = 0.0
    height_shift_range: float = 0.0
    shear_range: float = 0.0
    zoom_range: float | tuple[float, float] = 0.0
    horizontal_flip: bool = False
    vertical_flip: bool = False
    channel_shift_range: float = 0.0
    brightness_range: tuple[float, float] | None = None
    fill_mode: str = "nearest"
    cval: float = 0.0
    interpolation_order: int = 1

    def __post_init__(self):
        def put(name, value):
            object.__setattr__(self, name, value)

        put("rotation_range", validation.check_real("rotation_range", self.rotation_range, minimum=0.0))
        for name in ("width_shift_range", "height_shift_range"):
            put(name, validation.check_real(name, getattr(self, name), minimum=0.0))
        put(
            "shear_range",
            validation.check_real("shear_range", self.shear_range, minimum=0.0, maximum=90.0, max_inclusive=False),
        )
        put("zoom_range", _zoom_pair(self.zoom_range))
        put("horizontal_flip", validation.check_bool("horizontal_flip", self.horizontal_flip))
        put("vertical_flip", validation.check_bool("vertical_flip", self.vertical_flip))
        put("channel_shift_range", validation.check_real("channel_shift_range", self.channel_shift_range, minimum=0.0))
        if self.brightness_range is not None:
            put(
                "brightness_range",
                validation.check_pair("brightness_range", self.brightness_range, minimum=0.0, ordered=True),
            )
        resample.check_mode("fill_mode", self.fill_mode)
        put("cval", validation.check_real("cval", self.cval))
        resample.check_order("interpolation_order", self.interpolation_order)

    @property
    def is_geometric(self) -> bool:
        """True if any geometric parameter is enabled (a resample is needed)."""
        return bool(
            self.rotation_range
            or self.width_shift_range
            or self.height_shift_range
            or self.shear_range
            or self.zoom_range != (1.0, 1.0)
            or self.horizontal_flip
            or self.vertical_flip
        )


class AugmentParams(NamedTuple):
    """Parameters of one image's augmentation (all in the core's correct geometry).

    Attributes:
        theta: rotation in radians, counter-clockwise.
        dy: content moves down by ``dy`` rows (pixels).
        dx: content moves right by ``dx`` columns (pixels).
        shear: shear angle in radians.
        zy: row zoom factor (> 1 zooms out).
        zx: column zoom factor.
        flip_horizontal: bool, mirror columns.
        flip_vertical: bool, mirror rows.
        channel_shift: ``(C,)`` additive offsets.
        brightness: multiplicative factor.
    """

    theta: jax.Array
    dy: jax.Array
    dx: jax.Array
    shear: jax.Array
    zy: jax.Array
    zx: jax.Array
    flip_horizontal: jax.Array
    flip_vertical: jax.Array
    channel_shift: jax.Array
    brightness: jax.Array


def _shift_pixels(key, limit: float, size: int) -> jax.Array:
    s = jax.random.uniform(key, (), jnp.float32, -limit, limit)
    return s * size if limit < 1 else s


def sample_params(key: jax.Array, image_shape: Sequence[int], config: AugmentConfig) -> AugmentParams:
    """Draws one image's augmentation parameters.

    Args:
        key: a ``jax.random.key`` (or legacy ``PRNGKey``); split once here.
        image_shape: ``(H, W)`` or ``(H, W, C)`` of ONE image.
        config: the ``AugmentConfig``.

    Returns:
        ``AugmentParams`` of float32 scalars (bools for flips, ``(C,)`` shifts).

    Examples:
        >>> import jax, jaxaug
        >>> p = jaxaug.sample_params(jax.random.key(0), (32, 32, 3), jaxaug.AugmentConfig(rotation_range=10))
        >>> bool(abs(p.theta) <= jax.numpy.deg2rad(10))
        True
    """
    if len(image_shape) not in (2, 3):
        raise ValueError(f"`image_shape` must be (H, W) or (H, W, C), got {tuple(image_shape)!r}.")
    height, width = int(image_shape[0]), int(image_shape[1])
    channels = int(image_shape[2]) if len(image_shape) == 3 else 1
    c = config
    draws = [
        name
        for name, on in (
            ("theta", c.rotation_range > 0),
            ("dy", c.height_shift_range > 0),
            ("dx", c.width_shift_range > 0),
            ("shear", c.shear_range > 0),
            ("zoom", c.zoom_range != (1.0, 1.0)),
            ("flip_horizontal", c.horizontal_flip),
            ("flip_vertical", c.vertical_flip),
            ("channel_shift", c.channel_shift_range > 0),
            ("brightness", c.brightness_range is not None),
        )
        if on
    ]
    keys = dict(zip(draws, jax.random.split(key, len(draws)))) if draws else {}
    zero = jnp.zeros((), jnp.float32)
    one = jnp.ones((), jnp.float32)
    no = jnp.zeros((), bool)

    def deg(k, limit):
        return jnp.deg2rad(jax.random.uniform(k, (), jnp.float32, -limit, limit))

    if "zoom" in keys:
        zy, zx = jax.random.uniform(keys["zoom"], (2,), jnp.float32, *c.zoom_range)
    else:
        zy, zx = one, one
    lo, hi = c.brightness_range if c.brightness_range is not None else (1.0, 1.0)
    return AugmentParams(
        theta=deg(keys["theta"], c.rotation_range) if "theta" in keys else zero,
        dy=_shift_pixels(keys["dy"], c.height_shift_range, height) if "dy" in keys else zero,
        dx=_shift_pixels(keys["dx"], c.width_shift_range, width) if "dx" in keys else zero,
        shear=deg(keys["shear"], c.shear_range) if "shear" in keys else zero,
        zy=zy,
        zx=zx,
        flip_horizontal=jax.random.bernoulli(keys["flip_horizontal"]) if "flip_horizontal" in keys else no,
        flip_vertical=jax.random.bernoulli(keys["flip_vertical"]) if "flip_vertical" in keys else no,
        channel_shift=(
            jax.random.uniform(
                keys["channel_shift"], (channels,), jnp.float32, -c.channel_shift_range, c.channel_shift_range
            )
            if "channel_shift" in keys
            else jnp.zeros((channels,), jnp.float32)
        ),
        brightness=jax.random.uniform(keys["brightness"], (), jnp.float32, lo, hi) if "brightness" in keys else one,
    )


def params_to_matrix(params: AugmentParams, image_shape: Sequence[int]) -> jax.Array:
    """Fuses rotation, shift, shear, zoom and flips into one centred output-to-input matrix.

    The product is ``R · T · S · Z · F`` about the true centre (the order of Keras's
    closed form, with the flip that Keras applies after its warp folded in), so one
    resample does all of them.
    """
    m = matrices.compose(
        matrices.rotation_matrix(params.theta),
        matrices.translation_matrix(params.dy, params.dx),
        matrices.shear_matrix(params.shear),
        matrices.zoom_matrix(params.zy, params.zx),
        matrices.flip_matrix(params.flip_horizontal, params.flip_vertical),
    )
    return matrices.center_matrix(m, image_shape)


def random_affine_matrix(key: jax.Array, image_shape: Sequence[int], config: AugmentConfig) -> jax.Array:
    """Draws a random centred ``(3, 3)`` output-to-input matrix for one image.

    Examples:
        >>> import jax, jaxaug
        >>> m = jaxaug.random_affine_matrix(jax.random.key(1), (64, 48), jaxaug.AugmentConfig(rotation_range=30))
        >>> m.shape, m.dtype
        ((3, 3), dtype('float32'))
    """
    return params_to_matrix(sample_params(key, image_shape, config), image_shape)


def random_rotation_matrix(key: jax.Array, image_shape: Sequence[int], max_degrees: float) -> jax.Array:
    """A centred rotation by an angle drawn from U(-max_degrees, max_degrees) degrees."""
    validation.check_real("max_degrees", max_degrees, minimum=0.0)
    theta = jnp.deg2rad(jax.random.uniform(key, (), jnp.float32, -max_degrees, max_degrees))
    return matrices.center_matrix(matrices.rotation_matrix(theta), image_shape)
