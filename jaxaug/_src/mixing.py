"""MixUp and CutMix: each example is mixed with a partner from its own group of the batch.

Determinism contract (what stays the same under device count, batch order and batch size):

* Every per-example draw comes from ``fold_in(example_keys(key, example_ids)[i], FIELD)``
  with one fixed field id per draw: :data:`FIELD_APPLY` (0, whether the example is mixed,
  Bernoulli(``probability``)), :data:`FIELD_LAMBDA` (1, ``lambda ~ Beta(alpha, alpha)``),
  :data:`FIELD_BOX` (2, CutMix's box centre) and :data:`FIELD_ORDER` (3, a 32-bit sort
  key). So an example's apply flag, lambda and box centre depend only on ``key`` and its
  GLOBAL id: not on its position, the batch size, ``num_shards`` or the devices.
* ``num_shards`` is semantic: the batch is viewed as ``num_shards`` contiguous groups of
  ``B // num_shards`` examples. Each group is ordered by (sort key, example id) and every
  example's partner is the NEXT example in that order, cyclically: a random cycle through
  the group, so each example is some other example's partner exactly once and nobody is
  their own partner unless the group has one example. A partner therefore depends only on
  ``key`` and the SET of ids in the group: reordering examples inside a group reorders the
  output rows the same way. Changing ``num_shards`` changes partners, never lambda.
* Nothing depends on devices: on a given backend the result is bit-identical on 1 device
  or with the batch sharded along dim 0 over any number of devices (tested on CPU with 1,
  2 and 4), and eager equals jit. When the number of devices the batch is split over
  divides ``num_shards`` (e.g. ``num_shards = jax.device_count()``), every device holds
  whole groups and the compiled program has no cross-device communication (no
  all-gather, all-to-all, collective-permute or all-reduce), with Explicit or Auto mesh
  axes. Other layouts give the same bits; the batch is then gathered to form the groups.

Example ids should be unique within a group; duplicates get identical draws. Lambda is
float32: for small ``alpha`` many draws round to exactly 0.0 or 1.0 (with ``alpha=0.1``
about 10% are 1.0, which leaves the example unmixed).
"""

from __future__ import annotations

import functools
import math
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import NamedSharding, PartitionSpec
from jax.typing import ArrayLike

from jaxaug._src import fastpath, resample, validation
from jaxaug._src.augment import example_keys

FIELD_APPLY = 0
FIELD_LAMBDA = 1
FIELD_BOX = 2
FIELD_ORDER = 3
_PROPOSALS = 16  # gamma proposals per draw (see _log_gamma)


def _float_param(name: str, value, **bounds) -> jax.Array:
    return jnp.float32(validation.check_real(name, value, **bounds))


def _check_images(images: ArrayLike) -> jax.Array:
    images = jnp.asarray(images)
    resample.check_image("images", images, ranks=(4,))
    return images


def _mixable_labels(labels: ArrayLike, batch: int, num_classes: int | None) -> jax.Array:
    """``(B,)`` integer classes or ``(B, K)`` one-hot/soft labels -> float ``(B, K)``."""
    labels = jnp.asarray(labels)
    if labels.ndim not in (1, 2) or labels.shape[0] != batch:
        raise ValueError(
            f"`labels` must have shape ({batch},) (integer classes) or ({batch}, K) (one-hot), the leading "
            f"dimension matching `images`' batch of {batch}; got shape {labels.shape}."
        )
    if num_classes is not None:
        validation.check_int("num_classes", num_classes, minimum=1)
    if labels.ndim == 1:
        if not jnp.issubdtype(labels.dtype, jnp.integer):
            raise TypeError(f"`labels` of shape ({batch},) must be integer class indices, got dtype {labels.dtype}.")
        if num_classes is None:
            raise ValueError("`num_classes` is required with integer labels of shape (B,); got None.")
        return jax.nn.one_hot(labels, num_classes, dtype=jnp.float32)
    if num_classes is not None and num_classes != labels.shape[1]:
        raise ValueError(f"`num_classes` ({num_classes}) must equal the width of one-hot `labels` {labels.shape}.")
    dtype = labels.dtype if jnp.issubdtype(labels.dtype, jnp.floating) else jnp.float32
    return labels.astype(dtype)


def _check_ids_and_shards(example_ids: ArrayLike | None, batch: int, num_shards: int) -> jax.Array:
    validation.check_int("num_shards", num_shards, minimum=1)
    if batch % num_shards:
        raise ValueError(f"`num_shards` ({num_shards}) must divide the batch size ({batch}).")
    if example_ids is None:
        return jnp.arange(batch, dtype=jnp.uint32)
    ids = jnp.asarray(example_ids)
    if ids.shape != (batch,):
        raise ValueError(f"`example_ids` must have shape ({batch},), got {ids.shape}.")
    if not jnp.issubdtype(ids.dtype, jnp.integer):
        raise TypeError(f"`example_ids` must be integers, got dtype {ids.dtype}.")
    return ids.astype(jnp.uint32)


class _Layout(NamedTuple):
    """Where the batch lives under EXPLICIT sharding (``jax.sharding.AxisType.Explicit`` mesh axes).

    JAX refuses to vmap over operands sharded differently or to sort along a sharded
    dimension, so the batch-dimension arrays are put on the images' batch sharding
    (``batch_axes``) or, when that splits the batch over a device count that does not
    divide ``num_shards``, gathered (``group_axes=None``) and split again at the end.
    """

    mesh: Any  # a jax.sharding.AbstractMesh
    batch_axes: Any
    group_axes: Any

    @classmethod
    def of(cls, images: jax.Array, num_shards: int) -> _Layout | None:
        explicit = getattr(getattr(jax.sharding, "AxisType", None), "Explicit", None)
        if explicit is None:
            return None  # a JAX without explicit sharding: GSPMD places everything
        sharding = jax.typeof(images).sharding
        if explicit not in sharding.mesh.axis_types or not sharding.spec or sharding.spec[0] is None:
            return None  # unsharded, or GSPMD (Auto axes) decides the layout
        axes = sharding.spec[0]
        devices = math.prod(sharding.mesh.shape[a] for a in ((axes,) if isinstance(axes, str) else axes))
        return cls(sharding.mesh, axes, axes if num_shards % devices == 0 else None)

    @staticmethod
    def _put(x: jax.Array, mesh: Any, axes: Any) -> jax.Array:
        return jax.sharding.reshard(x, NamedSharding(mesh, PartitionSpec(axes)))

    def to_groups(self, *arrays: jax.Array | None) -> tuple[jax.Array | None, ...]:
        return tuple(None if x is None else self._put(x, self.mesh, self.group_axes) for x in arrays)

    def to_batch(self, *arrays: jax.Array) -> tuple[jax.Array, ...]:
        return tuple(self._put(x, self.mesh, self.batch_axes) for x in arrays)


def _field_keys(key: jax.Array, ids: jax.Array, field: int) -> jax.Array:
    return jax.vmap(jax.random.fold_in, in_axes=(0, None))(example_keys(key, ids), field)


def _log_gamma(x: jax.Array, u: jax.Array, u_boost: jax.Array, alpha: jax.Array) -> jax.Array:
    """``log`` of a ``Gamma(alpha, 1)`` draw, loop-free: Marsaglia & Tsang (2000) with fixed proposals.

    ``jax.random.gamma`` rejects in a ``while_loop``; vmapped over a sharded batch its "any
    lane still rejecting?" test is an all-reduce across devices. Here each draw tries all
    its proposals (normals ``x``, uniforms ``u``) at once and keeps the first accepted one.
    A proposal for shape ``alpha + 1`` is accepted with probability >= 0.95, so all
    ``_PROPOSALS`` fail with probability < 1e-20 (the first is then kept). The boost
    ``Gamma(a) = Gamma(a + 1) * u_boost ** (1 / a)`` is applied in log space, so a small
    ``alpha`` cannot underflow to 0.
    """
    d = alpha + (1 - 1 / 3)
    v = (1 + jax.lax.rsqrt(9 * d) * x) ** 3
    log_v = jnp.log(jnp.where(v > 0, v, 1))
    accept = (v > 0) & (jnp.log(u) < 0.5 * x * x + d - d * v + d * log_v)
    return jnp.log(d) + log_v[jnp.argmax(accept)] + jnp.log(u_boost) / alpha


def _beta(key: jax.Array, alpha: jax.Array) -> jax.Array:
    """One ``Beta(alpha, alpha)`` draw ``G1 / (G1 + G2)``, as a sigmoid of the log-gamma difference."""
    k_normal, k_uniform = jax.random.split(key)
    x = jax.random.normal(k_normal, (2, _PROPOSALS))
    u = jax.random.uniform(k_uniform, (2, _PROPOSALS + 1), minval=jnp.finfo(jnp.float32).tiny)
    log_g = jax.vmap(_log_gamma, in_axes=(0, 0, 0, None))(x, u[:, :-1], u[:, -1], alpha)
    return jax.nn.sigmoid(log_g[0] - log_g[1])


def _draw_lambda(key: jax.Array, ids: jax.Array, alpha: jax.Array, probability: jax.Array) -> jax.Array:
    """Per example: ``Beta(alpha, alpha)`` where mixed, exactly 1.0 where not."""
    # A Python alpha is a compile-time constant under an outer jit; XLA would fold log(alpha + 2/3) etc.
    # at compile time, a last bit away from the run-time values. The barrier keeps eager == jit, bit for bit.
    alpha, probability = jax.lax.optimization_barrier((alpha, probability))
    apply = jax.vmap(jax.random.bernoulli, in_axes=(0, None))(_field_keys(key, ids, FIELD_APPLY), probability)
    lam = jax.vmap(_beta, in_axes=(0, None))(_field_keys(key, ids, FIELD_LAMBDA), alpha)
    return jnp.where(apply, lam, jnp.float32(1.0))


def _partners(key: jax.Array, ids: jax.Array, num_shards: int) -> jax.Array:
    """``(num_shards, n)`` in-group index of each example's partner (see the module contract)."""
    bits = jax.vmap(jax.random.bits)(_field_keys(key, ids, FIELD_ORDER))

    def one_group(group_bits, group_ids):
        order = jnp.lexsort((group_ids, group_bits))  # primary: the random bits; ties: the id
        return jnp.zeros_like(order).at[order].set(jnp.roll(order, -1))

    return jax.vmap(one_group)(bits.reshape(num_shards, -1), ids.reshape(num_shards, -1))


def _take_partner(x: jax.Array, partners: jax.Array) -> jax.Array:
    """Row ``i`` of the result is ``x``'s row of example ``i``'s partner (a gather inside each group)."""
    groups = x.reshape(partners.shape + x.shape[1:])
    return jax.vmap(lambda g, p: g[p])(groups, partners).reshape(x.shape)


def _computed_upstream(images) -> bool:
    """Whether ``images`` may still be a computation that XLA could fuse into the mixing (a tracer).

    A concrete array is already a buffer: the barrier would only add a copy (measured ~2 ms
    a batch), so it is skipped.
    """
    return isinstance(images, jax.core.Tracer)


def _once(fn, images: jax.Array, key: jax.Array, once: bool) -> jax.Array:
    """``fn(images)``, with ``images`` computed once first where ``once`` (``fastpath.compute_once``)."""
    return fastpath.compute_once(fn, images, fastpath.key_token(key)) if once else fn(images)


def _mix_labels(labels: jax.Array, partner_labels: jax.Array, lam: jax.Array) -> jax.Array:
    lam = lam.astype(labels.dtype)[:, None]
    return lam * labels + (1 - lam) * partner_labels


def mixup(
    key: jax.Array,
    images: ArrayLike,
    labels: ArrayLike,
    *,
    alpha: float,
    num_classes: int | None = None,
    probability: float = 1.0,
    example_ids: ArrayLike | None = None,
    num_shards: int = 1,
) -> tuple[jax.Array, jax.Array]:
    """MixUp: ``lambda * x + (1 - lambda) * x[partner]``, labels mixed with the same lambda.

    Each example draws ``lambda ~ Beta(alpha, alpha)`` and is mixed with probability
    ``probability`` (otherwise its image and one-hot label come back unchanged). Partners
    and keys follow the module's determinism contract: lambda depends only on ``key``
    and the example's global id; partners are drawn inside each of ``num_shards``
    contiguous groups, so set ``num_shards`` to the device count for a sharded batch.

    Images are blended in float32 (float64 stays float64); integer images are rounded
    half away from zero and clipped back to their dtype. Labels come back as float
    one-hot rows that sum to 1 (the labels' dtype if floating, else float32).
    Integer class indices outside ``[0, num_classes)`` give all-zero rows.

    ``alpha``, ``probability``, ``num_classes`` and ``num_shards`` are Python numbers
    (validated at call time): under ``jax.jit`` bind them, e.g. ``jax.jit(
    functools.partial(mixup, alpha=0.2, num_classes=10))``. Called eagerly, the function
    runs one compiled program per shape and ``num_shards``, whatever ``alpha``.

    Args:
        key: a ``jax.random.key`` (or legacy ``PRNGKey``). Do not reuse the key given to
            ``augment``; split it first.
        images: ``(B, H, W, C)`` batch, any real dtype.
        labels: ``(B,)`` integer classes (needs ``num_classes``) or ``(B, K)`` one-hot or
            soft labels.
        alpha: Beta concentration, > 0 (0.2 to 0.4 is common for ImageNet).
        num_classes: number of classes K; required for integer labels.
        probability: chance in ``[0, 1]`` that an example is mixed.
        example_ids: ``(B,)`` integer global ids; default ``arange(B)``.
        num_shards: number of contiguous groups partners are drawn within; divides B.

    Returns:
        ``(images, labels)``: same shape and dtype as ``images``; ``(B, K)`` float labels.

    Raises:
        ValueError: ``alpha <= 0``, ``probability`` outside ``[0, 1]``, ``labels`` whose
            leading dimension is not B, integer labels without ``num_classes``, or
            ``num_shards`` not dividing B.

    Examples:
        >>> import functools, jax, jax.numpy as jnp, jaxaug
        >>> images = jnp.stack([jnp.zeros((4, 4, 3)), jnp.ones((4, 4, 3))])
        >>> fn = jax.jit(functools.partial(jaxaug.mixup, alpha=0.4, num_classes=2))
        >>> x, y = fn(jax.random.key(0), images, jnp.array([0, 1]))
        >>> x.shape, y.shape, bool(jnp.allclose(y.sum(axis=1), 1.0))
        ((2, 4, 4, 3), (2, 2), True)
        >>> bool(jnp.allclose(x[0], y[0, 1]))  # image 0's pixels are the weight of image 1
        True
    """
    images = _check_images(images)
    batch = images.shape[0]
    labels = _mixable_labels(labels, batch, num_classes)
    alpha = _float_param("alpha", alpha, minimum=0.0, min_inclusive=False)
    probability = _float_param("probability", probability, minimum=0.0, maximum=1.0)
    ids = _check_ids_and_shards(example_ids, batch, num_shards)
    once = _computed_upstream(images)
    return _mixup(key, images, labels, ids, alpha, probability, num_shards=num_shards, once=once)


@functools.partial(jax.jit, static_argnames=("num_shards", "once"))
def _mixup(key, images, labels, ids, alpha, probability, *, num_shards, once):
    layout = _Layout.of(images, num_shards)
    if layout:
        images, labels, ids = layout.to_groups(images, labels, ids)
    lam = _draw_lambda(key, ids, alpha, probability)
    partners = _partners(key, ids, num_shards)
    dtype = resample.compute_dtype(images.dtype)
    w = lam.astype(dtype)[:, None, None, None]

    def blend(images):
        x = images.astype(dtype)
        blended = w * x + (1 - w) * _take_partner(x, partners)
        return resample.cast_like(jnp.where(w == 1, x, blended), images.dtype)  # unmixed: bit for bit

    # Each image is read twice (as itself and as a partner): an augmented batch feeding this is
    # computed once, not once per read (fastpath.compute_once).
    out = (_once(blend, images, key, once), _mix_labels(labels, _take_partner(labels, partners), lam))
    return layout.to_batch(*out) if layout else out


def _cut_box(key: jax.Array, lam: jax.Array, height: int, width: int) -> tuple[jax.Array, jax.Array]:
    """One example's ``(H, W)`` bool paste mask and its lambda corrected to the pasted area.

    The box is ``round(H * sqrt(1 - lam))`` by ``round(W * sqrt(1 - lam))`` pixels, its top-left
    at ``centre - size // 2`` with the centre uniform over pixel indices, clipped to the image.
    """
    centre = jax.random.randint(key, (2,), 0, jnp.array([height, width], jnp.int32))
    side = jnp.sqrt(1 - lam)
    size = jnp.floor(jnp.array([height, width], jnp.float32) * side + 0.5).astype(jnp.int32)
    start = centre - size // 2
    lo = jnp.clip(start, 0, jnp.array([height, width], jnp.int32))
    hi = jnp.clip(start + size, 0, jnp.array([height, width], jnp.int32))
    rows = jax.lax.broadcasted_iota(jnp.int32, (height, width), 0)
    cols = jax.lax.broadcasted_iota(jnp.int32, (height, width), 1)
    inside = (rows >= lo[0]) & (rows < hi[0]) & (cols >= lo[1]) & (cols < hi[1])
    area = ((hi[0] - lo[0]) * (hi[1] - lo[1])).astype(jnp.float32)
    return inside, 1 - area / np.float32(height * width)


def _paste(x: jax.Array, partner: jax.Array, inside: jax.Array) -> jax.Array:
    inside = inside.reshape(inside.shape + (1,) * (x.ndim - inside.ndim))
    return jnp.where(inside, partner, x)


def cutmix(
    key: jax.Array,
    images: ArrayLike,
    labels: ArrayLike,
    *,
    alpha: float,
    num_classes: int | None = None,
    probability: float = 1.0,
    masks: ArrayLike | None = None,
    boxes: ArrayLike | None = None,
    example_ids: ArrayLike | None = None,
    num_shards: int = 1,
) -> tuple[jax.Array, ...]:
    """CutMix: paste a rectangle of the partner's image; labels mixed by the area pasted.

    Each example draws ``lambda ~ Beta(alpha, alpha)`` and, with probability
    ``probability``, a box of ``round(H * sqrt(1 - lambda))`` by ``round(W * sqrt(1 -
    lambda))`` pixels whose centre is a uniform pixel index, clipped to the image (so the
    box keeps the image's aspect ratio). The partner's pixels inside the box replace the
    example's, and lambda is CORRECTED to ``1 - pasted_area / (H * W)`` before mixing the
    labels: ``lambda * y + (1 - lambda) * y[partner]``. Partners and keys follow the
    module's determinism contract (lambda, the apply flag and the box centre depend only on
    ``key`` and the example's global id; partners come from within each of ``num_shards``
    contiguous groups). Under ``jax.jit``, bind the Python arguments as for :func:`mixup`.

    Pixels are copied, never blended, so every dtype is exact. ``masks`` (segmentation
    labels) get the same rectangle of the partner's mask. Boxes are not supported: a
    pasted rectangle cuts, hides or partly covers the boxes underneath, and which of them
    survive is a policy this function does not guess; passing ``boxes`` raises.

    Args:
        key: a ``jax.random.key`` (or legacy ``PRNGKey``). Do not reuse the key given to
            ``augment``; split it first.
        images: ``(B, H, W, C)`` batch, any real dtype.
        labels: ``(B,)`` integer classes (needs ``num_classes``) or ``(B, K)`` one-hot or
            soft labels.
        alpha: Beta concentration, > 0 (1.0, a uniform lambda, is the paper's choice).
        num_classes: number of classes K; required for integer labels.
        probability: chance in ``[0, 1]`` that an example gets a patch.
        masks: optional ``(B, H, W)`` or ``(B, H, W, ...)`` masks, any dtype.
        boxes: not supported; must be None.
        example_ids: ``(B,)`` integer global ids; default ``arange(B)``.
        num_shards: number of contiguous groups partners are drawn within; divides B.

    Returns:
        ``(images, labels)``, or ``(images, labels, masks)`` when ``masks`` is given:
        images and masks keep their shapes and dtypes; labels are ``(B, K)`` float rows
        summing to 1.

    Raises:
        ValueError: ``alpha <= 0``, ``probability`` outside ``[0, 1]``, ``labels`` or
            ``masks`` whose leading dimensions do not match ``images``, integer labels
            without ``num_classes``, ``num_shards`` not dividing B, or ``boxes`` given.

    Examples:
        >>> import jax, jax.numpy as jnp, jaxaug
        >>> images = jnp.stack([jnp.zeros((8, 8, 1)), jnp.ones((8, 8, 1))])
        >>> x, y = jaxaug.cutmix(jax.random.key(3), images, jnp.eye(2), alpha=1.0)
        >>> bool(jnp.allclose(y[0, 1], x[0].mean()))  # the label weight is the pasted area
        True
    """
    if boxes is not None:
        raise ValueError(
            "`boxes` are not supported by cutmix: the pasted rectangle cuts or hides boxes underneath, "
            "and whether to clip, drop or keep them is task-specific. Mix box targets yourself, or use mixup."
        )
    images = _check_images(images)
    batch, height, width = images.shape[:3]
    labels = _mixable_labels(labels, batch, num_classes)
    if masks is not None:
        masks = jnp.asarray(masks)
        if masks.shape[:3] != images.shape[:3]:
            raise ValueError(
                f"`masks` must have shape ({batch}, {height}, {width}, ...) to match `images` {images.shape}, "
                f"got {masks.shape}."
            )
    alpha = _float_param("alpha", alpha, minimum=0.0, min_inclusive=False)
    probability = _float_param("probability", probability, minimum=0.0, maximum=1.0)
    ids = _check_ids_and_shards(example_ids, batch, num_shards)
    once = _computed_upstream(images)
    return _cutmix(key, images, labels, ids, masks, alpha, probability, num_shards=num_shards, once=once)


@functools.partial(jax.jit, static_argnames=("num_shards", "once"))
def _cutmix(key, images, labels, ids, masks, alpha, probability, *, num_shards, once):
    layout = _Layout.of(images, num_shards)
    if layout:
        images, labels, ids, masks = layout.to_groups(images, labels, ids, masks)
    height, width = images.shape[1:3]
    lam = _draw_lambda(key, ids, alpha, probability)
    partners = _partners(key, ids, num_shards)
    box_keys = _field_keys(key, ids, FIELD_BOX)
    inside, lam = jax.vmap(_cut_box, in_axes=(0, 0, None, None))(box_keys, lam, height, width)
    out = (
        _once(lambda x: _paste(x, _take_partner(x, partners), inside), images, key, once),
        _mix_labels(labels, _take_partner(labels, partners), lam),
    )
    if masks is not None:
        out += (_paste(masks, _take_partner(masks, partners), inside),)
    return layout.to_batch(*out) if layout else out
