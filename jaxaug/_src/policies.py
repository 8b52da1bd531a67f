"""Augmentation policies: RandAugment, TrivialAugment Wide and AugMix, drawn per example.

Each example of a batch draws its own ops, magnitude bins and signs from its own key
``fold_in(key, example_id)`` (:func:`jaxaug.example_keys`), so an example gets the same
augmentation alone or in any batch. One jitted program per (shape, dtype, static
arguments): keys, images, ``magnitude`` and ``cval`` are traced.

How a policy runs, per example:

1. **Geometry** (shear, translate, rotate): the example's geometric ops, in their drawn
   order, are multiplied into ONE ``(3, 3)`` output-to-input matrix (non-geometric draws
   contribute the identity; the candidate matrices are selected, not branched on), then
   ONE resample per image. AugMix resamples once per chain (its chains start from the
   same image and are mixed, so they cannot share a matrix): ``width`` resamples.
2. **Pixel ops**, in their drawn order, on the float values. Each image computes only its
   own op: a ``lax.switch`` inside ``lax.map`` over the examples (a real branch). A
   vmapped switch would compute every op for every image and select: on a 2-core CPU,
   ``rand_augment`` on ``(32, 224, 224, 3)`` float32 took ~17x the time of an affine
   ``augment`` that way, ~2.2x with the map (most of it equalize and autocontrast).
   Examples run one after another, which costs nothing on CPU (an op costs the same
   per image batched or mapped) but serialises small kernels on GPU (not measured).
3. ONE cast back to the input dtype (integers rounded half away from zero and clipped).

Difference from torchvision: torchvision applies the ops in their drawn order, one
after the other, rounding integer images after each op. Here all geometric ops of an
example (of a chain, for AugMix) run first, then its pixel ops, and values stay float
until the end. Only examples that draw a pixel op BEFORE a geometric op see a
different order: e.g. ``[Equalize, Rotate]`` equalizes the rotated image (fill
included), where torchvision rotates the equalized one.

Op tables (the ``_augmentation_space`` tables of torchvision's ``RandAugment``,
``TrivialAugmentWide`` and ``AugMix`` in ``torchvision/transforms/autoaugment.py``;
ops of the RandAugment paper, Cubuk et al. 2020, arXiv:1909.13719; TrivialAugment,
Müller & Hutter 2021, arXiv:2103.10158; AugMix, Hendrycks et al. 2020,
arXiv:1912.02781). Bin ``i`` of ``n`` takes ``linspace(lo, hi, n)[i]``; "signed" ops
negate the value with probability 1/2. ``H`` and ``W`` are the image height and width:

============  ==================  ==================  ===================  ======  =========================
op            RandAugment (n=31)  TrivialAug. (n=31)  AugMix (n=10)        signed  meaning of value ``v``
============  ==================  ==================  ===================  ======  =========================
identity      -                   -                   (not in AugMix)      no      unchanged
shear_x       0 to 0.3            0 to 0.99           0 to 0.3             yes     ``col_in = col + v * row``
shear_y       0 to 0.3            0 to 0.99           0 to 0.3             yes     ``row_in = row + v * col``
translate_x   0 to 150/331 * W    0 to 32             0 to W / 3           yes     right by ``int(v)`` px
translate_y   0 to 150/331 * H    0 to 32             0 to H / 3           yes     down by ``int(v)`` px
rotate        0 to 30             0 to 135            0 to 30              yes     ``v`` degrees, CCW, centre
brightness    0 to 0.9            0 to 0.99           0 to 0.9 (all_ops)   yes     factor ``1 + v``
color         0 to 0.9            0 to 0.99           0 to 0.9 (all_ops)   yes     saturation ``1 + v``
contrast      0 to 0.9            0 to 0.99           0 to 0.9 (all_ops)   yes     factor ``1 + v``
sharpness     0 to 0.9            0 to 0.99           0 to 0.9 (all_ops)   yes     factor ``1 + v``
posterize     8 - round(i / 7.5)  8 - round(i / 5)    4 - round(i / 2.25)  no      keep ``v`` bits
solarize      255 to 0            255 to 0            255 to 0             no      threshold ``v / 255 * max``
autocontrast  -                   -                   -                    no      PIL ``autocontrast``
equalize      -                   -                   -                    no      PIL ``equalize``
============  ==================  ==================  ===================  ======  =========================

(``i / 7.5`` is ``i / ((n - 1) / 4)``, ``i / 5`` is ``i / ((n - 1) / 6)``, ``i / 2.25``
is ``i / ((n - 1) / 4)``, rounded half to even as torch does.) The shears pivot on the
top-left corner of the image (torchvision's ``center=[0, 0]``: index ``(-0.5, -0.5)``),
with ``v = tan(shear angle)`` (torchvision passes ``degrees(atan(v))``). The pixel ops are
jaxaug's PIL-exact cores (see :mod:`jaxaug._src.color`), on the image's white level
``max_value``. Fill: ``cval = 0`` with ``mode = "grid-constant"`` (torchvision's
``fill=None``, i.e. ``grid_sample(padding_mode="zeros")``); interpolation: nearest
(order 0) for RandAugment and TrivialAugment, bilinear (order 1) for AugMix, as
torchvision's defaults.

Key streams (ids 60-79 are jaxaug's policy range; see ``sampling.FIELD_IDS``): each draw
of chain ``c`` (0 outside AugMix) and step ``s`` uses ``fold_in(fold_in(fold_in(
example_key, id), c), s)``:

====  ===============  ========================================================
id    field            draw
====  ===============  ========================================================
60    op               the op, uniform over the policy's op list
61    magnitude        the magnitude bin (TrivialAugment: uniform over the bins;
                       AugMix: uniform over ``[0, severity)``)
62    sign             ``bernoulli(0.5)``: negate a signed op's value
63    depth            AugMix chain depth (``depth=-1``), uniform over 1-3 (no step fold)
64    chain_weights    AugMix ``Dirichlet(alpha, ..., alpha)`` over the chains (no folds)
65    skip_weight      AugMix ``Beta(alpha, alpha)`` weight of the original (no folds)
====  ===============  ========================================================
"""

from __future__ import annotations

import functools
import numbers
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.typing import ArrayLike

from jaxaug._src import augment, color, engine, fastpath, matrices, mixing, resample, validation

OPS = (
    "identity",
    "shear_x",
    "shear_y",
    "translate_x",
    "translate_y",
    "rotate",
    "brightness",
    "color",
    "contrast",
    "sharpness",
    "posterize",
    "solarize",
    "autocontrast",
    "equalize",
)
_GEOMETRIC = OPS[1:6]  # OPS[0:6] index the candidate matrices of _op_matrix
_PIXEL = OPS[6:]

FIELD_IDS = {"op": 60, "magnitude": 61, "sign": 62, "depth": 63, "chain_weights": 64, "skip_weight": 65}

AUGMIX_BINS = 10  # torchvision's AugMix._PARAMETER_MAX: bins of the AugMix table and the largest severity


# ---------------------------------------------------------------------------------------------------------------
# Op tables: name -> (values of the magnitude bins or None, signed).
# ---------------------------------------------------------------------------------------------------------------


def _bits(top: int, steps: int, bins: int) -> np.ndarray:
    """Posterize bits ``top - round(i / ((bins - 1) / steps))`` (numpy rounds half to even, as torch)."""
    return top - np.round(np.arange(bins) / ((bins - 1) / steps))


def _rand_augment_space(bins: int, height: int, width: int) -> dict[str, tuple[np.ndarray | None, bool]]:
    enhance = (np.linspace(0.0, 0.9, bins), True)
    return {
        "identity": (None, False),
        "shear_x": (np.linspace(0.0, 0.3, bins), True),
        "shear_y": (np.linspace(0.0, 0.3, bins), True),
        "translate_x": (np.linspace(0.0, 150.0 / 331.0 * width, bins), True),
        "translate_y": (np.linspace(0.0, 150.0 / 331.0 * height, bins), True),
        "rotate": (np.linspace(0.0, 30.0, bins), True),
        "brightness": enhance,
        "color": enhance,
        "contrast": enhance,
        "sharpness": enhance,
        "posterize": (_bits(8, 4, bins), False),
        "solarize": (np.linspace(255.0, 0.0, bins), False),
        "autocontrast": (None, False),
        "equalize": (None, False),
    }


def _trivial_augment_space(bins: int, height: int, width: int) -> dict[str, tuple[np.ndarray | None, bool]]:
    del height, width  # TrivialAugment Wide's ranges do not depend on the image size
    enhance = (np.linspace(0.0, 0.99, bins), True)
    return {
        "identity": (None, False),
        "shear_x": (np.linspace(0.0, 0.99, bins), True),
        "shear_y": (np.linspace(0.0, 0.99, bins), True),
        "translate_x": (np.linspace(0.0, 32.0, bins), True),
        "translate_y": (np.linspace(0.0, 32.0, bins), True),
        "rotate": (np.linspace(0.0, 135.0, bins), True),
        "brightness": enhance,
        "color": enhance,
        "contrast": enhance,
        "sharpness": enhance,
        "posterize": (_bits(8, 6, bins), False),
        "solarize": (np.linspace(255.0, 0.0, bins), False),
        "autocontrast": (None, False),
        "equalize": (None, False),
    }


def _augmix_space(bins: int, height: int, width: int) -> dict[str, tuple[np.ndarray | None, bool]]:
    enhance = (np.linspace(0.0, 0.9, bins), True)
    return {
        "shear_x": (np.linspace(0.0, 0.3, bins), True),
        "shear_y": (np.linspace(0.0, 0.3, bins), True),
        "translate_x": (np.linspace(0.0, width / 3.0, bins), True),
        "translate_y": (np.linspace(0.0, height / 3.0, bins), True),
        "rotate": (np.linspace(0.0, 30.0, bins), True),
        "posterize": (_bits(4, 4, bins), False),
        "solarize": (np.linspace(255.0, 0.0, bins), False),
        "autocontrast": (None, False),
        "equalize": (None, False),
        "brightness": enhance,
        "color": enhance,
        "contrast": enhance,
        "sharpness": enhance,
    }


_AUGMIX_BASIC_OPS = ("shear_x", "shear_y", "translate_x", "translate_y", "rotate")
_AUGMIX_BASIC_OPS += ("posterize", "solarize", "autocontrast", "equalize")
_ALL_OPS = {
    "rand_augment": tuple(_rand_augment_space(2, 1, 1)),
    "trivial_augment": tuple(_trivial_augment_space(2, 1, 1)),
    "augmix": tuple(_augmix_space(2, 1, 1)),
}


class _Table(NamedTuple):
    """One policy's op list as arrays: global op codes, bin values ``(ops, bins)`` and signed flags."""

    names: tuple[str, ...]
    codes: np.ndarray
    values: np.ndarray
    signed: np.ndarray


def _table(space: dict[str, tuple[np.ndarray | None, bool]], names: tuple[str, ...], bins: int) -> _Table:
    rows = [space[n][0] if space[n][0] is not None else np.zeros(bins) for n in names]
    return _Table(
        names=names,
        codes=np.array([OPS.index(n) for n in names], np.int32),
        values=np.stack(rows).astype(np.float32),
        signed=np.array([space[n][1] for n in names]),
    )


# ---------------------------------------------------------------------------------------------------------------
# Draws: per example, chains x steps of (op code, signed value).
# ---------------------------------------------------------------------------------------------------------------


def _field_key(key: jax.Array, field: str, *folds: Any) -> jax.Array:
    key = jax.random.fold_in(key, FIELD_IDS[field])
    for f in folds:
        key = jax.random.fold_in(key, f)
    return key


class _Draws(NamedTuple):
    """One example's draws: ``codes`` (indices into :data:`OPS`) and signed ``values``, ``(chains, steps)``."""

    codes: jax.Array
    values: jax.Array


def _flat(keys: jax.Array, *counts: int) -> tuple[jax.Array, ...]:
    """``keys`` ``(B,)`` repeated over ``counts`` (e.g. chains, steps), flat: keys and one index array per count.

    Every item ``(b, i, j, ...)`` of ``(B, *counts)`` in row-major order, as 1-D arrays of length
    ``B * prod(counts)`` (broadcasts and reshapes only: a batch sharded on ``B`` stays sharded).
    Draws vmapped over these compile ~2x faster on XLA:CPU than the same draws under nested
    vmaps (threefry's loop over a ``(B, chains, steps)`` shape: 3.7 s against 1.6 s for
    AugMix's ops), with the same values (each draw reads only its own key).
    """
    shape = (keys.shape[0], *counts)
    flat_keys = jnp.repeat(keys, int(np.prod(counts)), axis=0)  # typed (B,) or legacy raw (B, 2) keys
    return (flat_keys, *(lax.broadcasted_iota(jnp.uint32, shape, axis).reshape(-1) for axis in range(1, len(shape))))


def _draw(keys: jax.Array, table: _Table, chains: int, steps: int, magnitude_bin: Callable) -> _Draws:
    """Per-example ops, ``(B, chains, steps)``, for example keys ``(B,)``; ``magnitude_bin(key)`` gives a step's bin."""

    def one(key, chain, step):
        choice = jax.random.randint(_field_key(key, "op", chain, step), (), 0, len(table.names))
        value = jnp.asarray(table.values)[choice, magnitude_bin(_field_key(key, "magnitude", chain, step))]
        negate = jnp.asarray(table.signed)[choice] & jax.random.bernoulli(_field_key(key, "sign", chain, step))
        return jnp.asarray(table.codes)[choice], jnp.where(negate, -value, value)

    codes, values = jax.vmap(one)(*_flat(keys, chains, steps))
    shape = (keys.shape[0], chains, steps)
    return _Draws(codes.reshape(shape), values.reshape(shape))


# ---------------------------------------------------------------------------------------------------------------
# Geometry: one matrix per example (per chain), ONE resample.
# ---------------------------------------------------------------------------------------------------------------


def _skew(row_per_col: ArrayLike, col_per_row: ArrayLike) -> jax.Array:
    """``row_in = row + row_per_col * col``, ``col_in = col + col_per_row * row`` about the origin."""
    a = jnp.asarray(row_per_col, jnp.float32)
    b = jnp.asarray(col_per_row, jnp.float32)
    one, zero = jnp.ones((), jnp.float32), jnp.zeros((), jnp.float32)
    return jnp.stack([jnp.stack([one, a, zero]), jnp.stack([b, one, zero]), jnp.stack([zero, zero, one])])


def _op_matrix(code: jax.Array, value: jax.Array, image_shape: Sequence[int]) -> jax.Array:
    """The output-to-input matrix of one drawn op (the identity for non-geometric ops), by selection."""
    zero = jnp.zeros((), jnp.float32)
    corner = (-0.5, -0.5)  # torchvision's center=[0, 0]: the top-left corner of the top-left pixel
    candidates = jnp.stack(
        [
            matrices.identity_matrix(),
            matrices.offset_matrix(_skew(zero, value), *corner),  # shear_x
            matrices.offset_matrix(_skew(value, zero), *corner),  # shear_y
            matrices.translation_matrix(zero, jnp.trunc(value)),  # translate_x: torchvision's int(v)
            matrices.translation_matrix(jnp.trunc(value), zero),  # translate_y
            matrices.center_matrix(matrices.rotation_matrix(jnp.deg2rad(value)), image_shape),  # rotate
        ]
    )
    return candidates[jnp.where(code < len(candidates), code, 0)]


def _chain_matrix(codes: jax.Array, values: jax.Array, image_shape: Sequence[int]) -> jax.Array:
    """The product of one chain's op matrices, the first drawn op applied to the content first."""
    return matrices.compose(*(_op_matrix(codes[s], values[s], image_shape) for s in range(codes.shape[0])))


def _warp(images: jax.Array, mats: jax.Array, order: int, mode: str, cval: jax.Array, token) -> tuple[jax.Array, ...]:
    """``K`` batches ``(B, H, W, C)``: batch ``k`` resamples each image ONCE with its matrix ``mats[:, k]``.

    The affine stage of ``engine.apply`` for given matrices: integer images at order 0
    move natively (no arithmetic); everything else comes back as compute-dtype floats.
    (A tuple, not one ``(B, K, H, W, C)`` array: with ``K = 1`` XLA:CPU gave that array a
    transposed layout and an extra copy, ~2x the cost of the warp.) ``token``: see ``engine.apply``.
    """
    plan = engine.Plan("affine", order, mode)
    return tuple(engine.warp(images, mats[:, k], plan, cval, token=token) for k in range(mats.shape[1]))


# ---------------------------------------------------------------------------------------------------------------
# Pixel ops: each image computes only its own op.
# ---------------------------------------------------------------------------------------------------------------

_PIXEL_OPS: dict[str, Callable] = {
    "brightness": lambda x, v, mv: color.brightness_float(x, 1 + v, mv),
    "color": lambda x, v, mv: color.saturation_float(x, 1 + v, mv),
    "contrast": lambda x, v, mv: color.contrast_float(x, 1 + v, mv),
    "sharpness": lambda x, v, mv: color.sharpness_float(x, 1 + v, mv),
    "posterize": lambda x, v, mv: color.posterize_float(x, v, mv),
    "solarize": lambda x, v, mv: color.solarize_float(x, v * (mv / 255.0), mv),
    "autocontrast": lambda x, v, mv: color.autocontrast_float(x, mv),
    "equalize": lambda x, v, mv: color.equalize_float(x, mv),
}


def _pixel_chains(xs: tuple, draws: _Draws, names, max_value, out_dtype, base=None, weights=None) -> jax.Array:
    """``base + sum_k weights[:, k] * chain_k(xs[k])``, cast ONCE to ``out_dtype``: ``(B, H, W, C)``.

    ``xs`` holds ``K`` batches ``(B, H, W, C)`` (the warped chains of each example), ``draws``
    ``(B, K, S)``; chain ``k`` runs its pixel ops in their drawn order. ``base`` defaults
    to 0 and ``weights`` to 1 (RandAugment and TrivialAugment: ``K = 1``, the chain itself).

    ``lax.map`` over the examples with a ``lax.switch`` per step: a real branch, so each
    image computes only the op it drew (the identity for geometric or identity draws). The
    map also keeps the weighted sum from being fused with the warp's gathers, which
    XLA:CPU ran several times slower.
    """
    dtype = resample.compute_dtype(xs[0].dtype)
    present = tuple(n for n in _PIXEL if n in names)
    branches = [lambda y, v: y] + [functools.partial(_PIXEL_OPS[n], mv=max_value) for n in present]
    branch_of = np.zeros(len(OPS), np.int32)
    branch_of[[OPS.index(n) for n in present]] = np.arange(1, len(present) + 1)
    branch_ids = jnp.asarray(branch_of)[draws.codes]
    if weights is None:
        weights = jnp.ones(draws.codes.shape[:2], dtype)

    def example(item):
        chains, ids, vals, w, base = item

        def chain(k, acc):
            def step(s, y):
                return lax.switch(ids[k, s], branches, y, vals[k, s].astype(dtype))

            return acc + w[k] * lax.fori_loop(0, ids.shape[1], step, chains[k].astype(dtype))

        chains = jnp.stack(chains)
        start = jnp.zeros(chains.shape[1:], dtype) if base is None else base
        return engine.to_dtype(lax.fori_loop(0, ids.shape[0], chain, start), out_dtype)

    return lax.map(example, (xs, branch_ids, draws.values, weights, base))


def _run(key, images, draws: _Draws, names, order, mode, cval, max_value, base=None, weights=None) -> jax.Array:
    """Batched draws ``(B, K, S)`` -> ``(B, H, W, C)`` in ``images.dtype``: ONE warp per chain, pixel ops, sum.

    ``key``: the batch's key (its bits are the warp's fusion-barrier token).
    """
    chains, steps = draws.codes.shape[1:]
    if steps and any(n in names for n in _GEOMETRIC):
        mats = jax.vmap(jax.vmap(lambda c, v: _chain_matrix(c, v, images.shape[1:])))(draws.codes, draws.values)
        xs = _warp(images, mats, order, mode, cval, fastpath.key_token(key))
    else:
        xs = (images,) * chains
    if chains == 1 and base is None and not any(n in names for n in _PIXEL):
        return engine.to_dtype(xs[0], images.dtype)  # geometry only: order 0 moves integers exactly
    return _pixel_chains(xs, draws, names, max_value, images.dtype, base, weights)


# ---------------------------------------------------------------------------------------------------------------
# Validation shared by the public functions.
# ---------------------------------------------------------------------------------------------------------------


def _check_ops(ops: Sequence[str] | None, default: tuple[str, ...]) -> tuple[str, ...]:
    """``ops`` as a tuple in the policy's own order; default: the policy's op list."""
    if ops is None:
        return default
    if isinstance(ops, str) or not isinstance(ops, Sequence):
        raise TypeError(f"`ops` must be a sequence of op names, got {ops!r}.")
    for name in ops:
        validation.check_choice("ops", name, default)
    if not ops or len(set(ops)) != len(ops):
        raise ValueError(f"`ops` must be a non-empty list of distinct op names, got {list(ops)!r}.")
    return tuple(n for n in default if n in ops)


def _prepare(policy, images, ops, order, mode, cval, max_value, example_ids):
    """Checks the shared arguments; returns ``(images, ops, cval, max_value, ids)``."""
    images = augment.as_images("images", images)
    augment.check_images("images", images, ranks=(4,))
    resample.check_order("order", order)
    resample.check_mode("mode", mode)
    if isinstance(cval, numbers.Number):
        cval = validation.check_real("cval", cval)
    gray_ops = [n for n in ("color", "contrast") if n in ops]
    if gray_ops and images.shape[-1] not in (1, 3):
        raise ValueError(
            f"{policy}'s {' and '.join(gray_ops)} ops need `images` with 1 or 3 channels (last axis), "
            f"got shape {images.shape}; pass `ops` without them for other channel counts."
        )
    if example_ids is None:
        example_ids = jnp.arange(images.shape[0], dtype=jnp.uint32)
    ids = jnp.asarray(example_ids)
    if ids.shape != images.shape[:1]:
        raise ValueError(f"`example_ids` must have shape ({images.shape[0]},), got {ids.shape}.")
    if not jnp.issubdtype(ids.dtype, jnp.integer):
        raise TypeError(f"`example_ids` must be integers, got dtype {ids.dtype}.")
    return images, ops, jnp.asarray(cval, jnp.float32), color.max_value_for(images.dtype, max_value), ids


def _check_bins(num_magnitude_bins) -> int:
    return validation.check_int("num_magnitude_bins", num_magnitude_bins, minimum=2)


# ---------------------------------------------------------------------------------------------------------------
# RandAugment.
# ---------------------------------------------------------------------------------------------------------------


@functools.partial(jax.jit, static_argnames=("names", "num_ops", "bins", "order", "mode", "max_value"))
def _rand_augment(key, images, ids, magnitude, cval, *, names, num_ops, bins, order, mode, max_value):
    if num_ops == 0:
        return images
    table = _table(_rand_augment_space(bins, *images.shape[1:3]), names, bins)
    draws = _draw(augment.example_keys(key, ids), table, 1, num_ops, lambda _: magnitude)
    return _run(key, images, draws, names, order, mode, cval, max_value)


def rand_augment(
    key: jax.Array,
    images: ArrayLike,
    *,
    num_ops: int = 2,
    magnitude: ArrayLike = 9,
    num_magnitude_bins: int = 31,
    ops: Sequence[str] | None = None,
    order: int = 0,
    mode: str = "grid-constant",
    cval: ArrayLike = 0.0,
    max_value: float | None = None,
    example_ids: ArrayLike | None = None,
) -> jax.Array:
    """RandAugment: each example applies ``num_ops`` ops drawn uniformly, at one magnitude.

    As torchvision's ``RandAugment(num_ops, magnitude, num_magnitude_bins)`` (Cubuk et al.
    2020, arXiv:1909.13719), per example: each of the ``num_ops`` steps draws an op from
    the 14 of the RandAugment table (module docstring: identity, shear_x, shear_y,
    translate_x, translate_y, rotate, brightness, color, contrast, sharpness, posterize,
    solarize, autocontrast, equalize), takes its value at bin ``magnitude`` of
    ``num_magnitude_bins`` and, for signed ops, a random sign. The same op may be drawn
    twice. Geometric ops fold into one matrix and one resample; then the pixel ops run
    in their drawn order (see the module docstring for this order and the key streams).

    Compiled once per (shape, dtype, static arguments): ``magnitude``, ``cval``, keys and
    images are traced, so a magnitude schedule never recompiles.

    Args:
        key: a ``jax.random.key`` (or legacy ``PRNGKey``).
        images: ``(B, H, W, C)`` batch, any real dtype; values in ``[0, max_value]``.
        num_ops: ops per example, >= 0 (0 returns the images unchanged).
        magnitude: bin index in ``[0, num_magnitude_bins - 1]`` (torchvision's default 9 of
            31). May be a traced integer array (then clipped into range, not checked).
        num_magnitude_bins: number of magnitude bins, >= 2.
        ops: optional subset of the op names above (default: all 14), drawn uniformly.
        order: spline order of the resample (0: nearest, torchvision's default).
        mode: boundary mode of the resample (see ``affine_transform``); the default
            ``grid-constant`` is torch's zero padding.
        cval: fill value in the image's units (torchvision's ``fill=None`` is 0).
        max_value: the images' white level (default: ``iinfo(dtype).max`` for integers,
            1.0 for floats); solarize's threshold and the 8-bit levels use it.
        example_ids: optional ``(B,)`` integer global ids (default ``arange(B)``).

    Returns:
        The augmented batch, same shape and dtype as ``images``.

    Raises:
        ValueError: ``num_ops < 0``; ``magnitude`` outside ``[0, num_magnitude_bins - 1]``;
            an unknown or repeated op name; ``color``/``contrast`` with other than 1 or 3
            channels; a bad rank, ``order``, ``mode`` or ``example_ids`` shape.
        TypeError: a non-integer ``num_ops``, ``magnitude`` or ``example_ids``.

    Examples:
        >>> import jax, jax.numpy as jnp, jaxaug
        >>> images = jnp.zeros((4, 32, 32, 3), jnp.uint8)
        >>> out = jaxaug.rand_augment(jax.random.key(0), images, num_ops=2, magnitude=9)
        >>> out.shape, out.dtype
        ((4, 32, 32, 3), dtype('uint8'))
        >>> jaxaug.rand_augment(jax.random.key(0), images, magnitude=31)
        Traceback (most recent call last):
        ...
        ValueError: `magnitude` must be a bin index in [0, 30] (of num_magnitude_bins=31), got 31.
    """
    num_ops = validation.check_int("num_ops", num_ops, minimum=0)
    bins = _check_bins(num_magnitude_bins)
    if isinstance(magnitude, numbers.Number):
        if validation.check_int("magnitude", magnitude) not in range(bins):
            raise ValueError(
                f"`magnitude` must be a bin index in [0, {bins - 1}] (of num_magnitude_bins={bins}), got {magnitude!r}."
            )
    names = _check_ops(ops, _ALL_OPS["rand_augment"])
    images, names, cval, max_value, ids = _prepare(
        "rand_augment", images, names, order, mode, cval, max_value, example_ids
    )
    magnitude = jnp.clip(jnp.asarray(magnitude), 0, bins - 1).astype(jnp.int32)
    return _rand_augment(
        key,
        images,
        ids,
        magnitude,
        cval,
        names=names,
        num_ops=num_ops,
        bins=bins,
        order=order,
        mode=mode,
        max_value=max_value,
    )


# ---------------------------------------------------------------------------------------------------------------
# TrivialAugment Wide.
# ---------------------------------------------------------------------------------------------------------------


@functools.partial(jax.jit, static_argnames=("names", "bins", "order", "mode", "max_value"))
def _trivial_augment(key, images, ids, cval, *, names, bins, order, mode, max_value):
    table = _table(_trivial_augment_space(bins, *images.shape[1:3]), names, bins)

    draws = _draw(augment.example_keys(key, ids), table, 1, 1, lambda kb: jax.random.randint(kb, (), 0, bins))
    return _run(key, images, draws, names, order, mode, cval, max_value)


def trivial_augment(
    key: jax.Array,
    images: ArrayLike,
    *,
    num_magnitude_bins: int = 31,
    ops: Sequence[str] | None = None,
    order: int = 0,
    mode: str = "grid-constant",
    cval: ArrayLike = 0.0,
    max_value: float | None = None,
    example_ids: ArrayLike | None = None,
) -> jax.Array:
    """TrivialAugment Wide: each example applies ONE op at a uniformly random magnitude bin.

    As torchvision's ``TrivialAugmentWide(num_magnitude_bins)`` (Müller & Hutter 2021,
    arXiv:2103.10158), per example: one op drawn uniformly from the 14 of the
    TrivialAugment Wide table (module docstring: the RandAugment ops with wider ranges,
    e.g. rotate up to 135 degrees, translate up to 32 pixels), one bin drawn uniformly from
    ``num_magnitude_bins``, and a random sign for signed ops.

    Args:
        key: a ``jax.random.key`` (or legacy ``PRNGKey``).
        images: ``(B, H, W, C)`` batch, any real dtype; values in ``[0, max_value]``.
        num_magnitude_bins: number of magnitude bins, >= 2 (torchvision's default 31).
        ops: optional subset of the op names (default: all 14), drawn uniformly.
        order: spline order of the resample (0: nearest, torchvision's default).
        mode: boundary mode of the resample; ``grid-constant`` is torch's zero padding.
        cval: fill value in the image's units (default 0, torchvision's ``fill=None``).
        max_value: the images' white level (default from the dtype, see ``rand_augment``).
        example_ids: optional ``(B,)`` integer global ids (default ``arange(B)``).

    Returns:
        The augmented batch, same shape and dtype as ``images``.

    Raises:
        ValueError: ``num_magnitude_bins < 2``, a bad op name, ``color``/``contrast`` with
            other than 1 or 3 channels, a bad rank, ``order``, ``mode`` or ids shape.

    Examples:
        >>> import jax, jax.numpy as jnp, jaxaug
        >>> images = jnp.ones((4, 16, 16, 3))
        >>> jaxaug.trivial_augment(jax.random.key(0), images).shape
        (4, 16, 16, 3)
    """
    bins = _check_bins(num_magnitude_bins)
    names = _check_ops(ops, _ALL_OPS["trivial_augment"])
    images, names, cval, max_value, ids = _prepare(
        "trivial_augment", images, names, order, mode, cval, max_value, example_ids
    )
    return _trivial_augment(key, images, ids, cval, names=names, bins=bins, order=order, mode=mode, max_value=max_value)


# ---------------------------------------------------------------------------------------------------------------
# AugMix.
# ---------------------------------------------------------------------------------------------------------------


def _dirichlet(key: jax.Array, alpha: jax.Array, n: int) -> jax.Array:
    """``Dirichlet(alpha, ..., alpha)`` over ``n``: normalised gammas from mixing's loop-free sampler."""
    k_normal, k_uniform = jax.random.split(key)
    x = jax.random.normal(k_normal, (n, mixing._PROPOSALS))
    u = jax.random.uniform(k_uniform, (n, mixing._PROPOSALS + 1), minval=jnp.finfo(jnp.float32).tiny)
    log_g = jax.vmap(mixing._log_gamma, in_axes=(0, 0, 0, None))(x, u[:, :-1], u[:, -1], alpha)
    return jax.nn.softmax(log_g)


class _Mix(NamedTuple):
    """AugMix draws of ``B`` examples: ops ``(B, width, max_depth)``, weights ``(B, width)``, skip weights ``(B,)``."""

    draws: _Draws
    chain_weights: jax.Array
    skip_weight: jax.Array


def _draw_augmix(keys: jax.Array, table: _Table, severity, width: int, depth: int, alpha) -> _Mix:
    """AugMix draws for example keys ``(B,)`` (batched fields, see :class:`_Mix`)."""
    max_depth = 3 if depth == -1 else depth
    draws = _draw(keys, table, width, max_depth, lambda kb: jax.random.randint(kb, (), 0, severity))
    if depth == -1:  # each chain's depth is uniform over 1-3; the steps beyond it are the identity
        depths = jax.vmap(lambda k, c: jax.random.randint(_field_key(k, "depth", c), (), 1, 4))(*_flat(keys, width))
        active = jnp.arange(max_depth) < depths.reshape(-1, width, 1)
        draws = _Draws(jnp.where(active, draws.codes, 0), jnp.where(active, draws.values, 0.0))
    weights = jax.vmap(lambda k: _dirichlet(_field_key(k, "chain_weights"), alpha, width))(keys)
    skip = jax.vmap(lambda k: mixing._beta(_field_key(k, "skip_weight"), alpha))(keys)
    return _Mix(draws, weights, skip)


@functools.partial(jax.jit, static_argnames=("names", "width", "depth", "order", "mode", "max_value"))
def _augmix(key, images, ids, severity, alpha, cval, *, names, width, depth, order, mode, max_value):
    table = _table(_augmix_space(AUGMIX_BINS, *images.shape[1:3]), names, AUGMIX_BINS)
    mix = _draw_augmix(augment.example_keys(key, ids), table, severity, width, depth, alpha)
    dtype = resample.compute_dtype(images.dtype)
    skip = mix.skip_weight.astype(dtype)
    base = skip[:, None, None, None] * images.astype(dtype)
    weights = (1 - skip)[:, None] * mix.chain_weights.astype(dtype)
    return _run(key, images, mix.draws, names, order, mode, cval, max_value, base, weights)


def augmix(
    key: jax.Array,
    images: ArrayLike,
    *,
    severity: int = 3,
    width: int = 3,
    depth: int = -1,
    alpha: float = 1.0,
    all_ops: bool = True,
    ops: Sequence[str] | None = None,
    order: int = 1,
    mode: str = "grid-constant",
    cval: ArrayLike = 0.0,
    max_value: float | None = None,
    example_ids: ArrayLike | None = None,
) -> jax.Array:
    """AugMix: a random convex mix of the image and ``width`` augmentation chains.

    As torchvision's ``AugMix(severity, mixture_width=width, chain_depth=depth, alpha,
    all_ops)`` (Hendrycks et al. 2020, arXiv:1912.02781), per example: each of the
    ``width`` chains applies ``depth`` ops (``depth=-1``: a depth drawn uniformly from
    1-3 per chain) drawn uniformly from the AugMix table (module docstring; the
    brightness, color, contrast and sharpness ops only with ``all_ops``), each at a bin
    drawn uniformly from ``[0, severity)`` of 10, with a random sign for signed ops. The
    result is ``m * x + (1 - m) * sum_i w_i * chain_i(x)`` with ``w ~ Dirichlet(alpha,
    ..., alpha)`` and ``m ~ Beta(alpha, alpha)``, computed in float and cast once.

    Each chain's geometric ops fold into one matrix: ``width`` resamples per image (the
    chains start from the same image, so each needs its own), then each chain's pixel
    ops in their drawn order.

    Args:
        key: a ``jax.random.key`` (or legacy ``PRNGKey``).
        images: ``(B, H, W, C)`` batch, any real dtype; values in ``[0, max_value]``.
        severity: int in 1-10, the number of lowest magnitude bins drawn from (traced).
        width: number of chains, >= 1.
        depth: ops per chain, >= 1, or -1 for a random depth in 1-3.
        alpha: concentration of the Dirichlet and Beta weights, > 0 (traced).
        all_ops: include brightness, color, contrast and sharpness (torchvision's default).
        ops: optional subset of the op list that ``all_ops`` selects.
        order: spline order of the resample (1: bilinear, torchvision's AugMix default).
        mode: boundary mode of the resample; ``grid-constant`` is torch's zero padding.
        cval: fill value in the image's units (default 0).
        max_value: the images' white level (default from the dtype, see ``rand_augment``).
        example_ids: optional ``(B,)`` integer global ids (default ``arange(B)``).

    Returns:
        The augmented batch, same shape and dtype as ``images``.

    Raises:
        ValueError: ``severity`` outside 1-10, ``width < 1``, ``depth`` not -1 or >= 1,
            ``alpha <= 0``, a bad op name, or the errors of ``rand_augment``.

    Examples:
        >>> import jax, jax.numpy as jnp, jaxaug
        >>> images = jnp.full((2, 16, 16, 3), 0.5)
        >>> out = jaxaug.augmix(jax.random.key(0), images, severity=3, width=3)
        >>> out.shape, out.dtype
        ((2, 16, 16, 3), dtype('float32'))
    """
    severity = validation.check_int("severity", severity, minimum=1)
    if severity > AUGMIX_BINS:
        raise ValueError(f"`severity` must be an int in [1, {AUGMIX_BINS}], got {severity!r}.")
    width = validation.check_int("width", width, minimum=1)
    depth = validation.check_int("depth", depth, minimum=-1)
    if depth == 0:
        raise ValueError("`depth` must be -1 (a random depth in 1-3 per chain) or an int >= 1, got 0.")
    alpha = validation.check_real("alpha", alpha, minimum=0.0, min_inclusive=False)
    all_ops = validation.check_bool("all_ops", all_ops)
    names = _check_ops(ops, _ALL_OPS["augmix"] if all_ops else _AUGMIX_BASIC_OPS)
    images, names, cval, max_value, ids = _prepare("augmix", images, names, order, mode, cval, max_value, example_ids)
    return _augmix(
        key,
        images,
        ids,
        jnp.int32(severity),
        jnp.float32(alpha),
        cval,
        names=names,
        width=width,
        depth=depth,
        order=order,
        mode=mode,
        max_value=max_value,
    )
