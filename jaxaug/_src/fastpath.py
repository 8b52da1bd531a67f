"""Fast paths for the fused augmentation: same outputs as the general path, less work.

Each helper here replaces a general computation in :mod:`jaxaug._src.augment` by a
cheaper one that gives the same values (``tests/test_fastpaths.py`` checks each one
against the general path and against scipy):

* :func:`minmax` computes an image's minimum and maximum in ONE variadic reduction.
  Written as ``jnp.min`` and ``jnp.max`` next to the elementwise clip of the channel
  shift, XLA:CPU (jax 0.10) folds both reductions and the whole elementwise tail
  (including a bilinear resample that feeds it) into one YNNPACK fusion that runs
  5-15x slower than the pieces; a variadic reduce is not fused that way.
* :func:`shift_channels_float` shapes the channel shift so that a resampled image
  feeding it is computed once, not re-gathered (see its comments).
* :func:`compute_once` makes XLA:CPU compute an array once, into a buffer of its own,
  before a consumer that reads it several times (instead of fusing, and so
  repeating, its producer into that consumer).
* :func:`map_in_chunks` maps a per-image function over a batch a few images per loop
  step on a one-device CPU process, so that its scratch is per chunk instead of per
  batch. Keep what follows the loop out of it: XLA:CPU runs the loop body's last
  fusion (the in-place write of its result) on one thread.
* :func:`flip` mirrors an image with reversals and a select instead of a gather:
  when flips are the only geometric transform every output pixel samples exactly one
  input pixel, so no resample is needed.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import lax


def minmax(x: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Returns ``(jnp.min(x), jnp.max(x))`` computed by one variadic reduction.

    Args:
        x: a floating array of any shape (not empty).

    Returns:
        Two scalars of ``x``'s dtype.

    Examples:
        >>> import jax.numpy as jnp
        >>> from jaxaug._src.fastpath import minmax
        >>> [float(v) for v in minmax(jnp.array([[3.0, -1.0], [7.0, 2.0]]))]
        [-1.0, 7.0]
    """
    init = (jnp.array(jnp.inf, x.dtype), jnp.array(-jnp.inf, x.dtype))

    def body(a, b):
        return lax.min(a[0], b[0]), lax.max(a[1], b[1])

    return lax.reduce((x, x), init, body, tuple(range(x.ndim)))


def key_token(key: jax.Array) -> jax.Array:
    """A ``uint32`` scalar from a PRNG key's bits: the ``token`` of :func:`compute_once`.

    Typed keys and legacy ``uint32`` keys alike; the key must be replicated (the
    ``key`` argument of ``augment``, not per-example keys).
    """
    if not (isinstance(key, jax.Array) and jnp.issubdtype(key.dtype, jax.dtypes.prng_key)):
        return jnp.asarray(key).reshape(-1)[0].astype(jnp.uint32)
    return jax.random.key_data(key).reshape(-1)[0].astype(jnp.uint32)


def compute_once(fn, x: jax.Array, token: jax.Array | None = None) -> jax.Array:
    """``fn(x)``, with ``x`` computed once into a buffer of its own before ``fn`` reads it.

    XLA:CPU fuses a producer into every consumer that reads it, so when a consumer
    reads each value several times (a hue rotation reads all channels for each
    channel; a blur's second pass reads a window of the first) a costly producer (a
    resample's gathers, the first blur pass) is recomputed for every read: colour
    jitter, blur and elastic batches measured 2.1-3.4x slower end to end without the
    barriers (0.3.0, 32 x 224 x 224 x 3). ``lax.optimization_barrier`` does not stop
    that on XLA:CPU, and a conditional whose two branches are the same is simplified
    away. So ``fn`` runs as the taken branch of a conditional whose predicate
    ``(word | 1) != 0`` is always true but not provably so: ``x`` is materialised as
    the conditional's operand, and ``fn`` reads that buffer (no extra copy). The other
    branch returns zeros and never runs. Other platforms (where the re-gather problem
    does not arise and a conditional costs a device-to-host sync) get ``fn(x)`` as is.

    ``word`` is ``token`` (a replicated runtime scalar such as :func:`key_token` of the
    batch's key), else the bits of ``x``'s first element. With a batch sharded over
    several devices, the latter costs a scalar all-reduce (the predicate must be the
    same everywhere), so callers that have a replicated key pass its token. A token
    that is a compile-time constant makes the conditional fold away: still correct,
    just no barrier.

    Use it on whole batches, not inside ``vmap`` (there a batched conditional becomes
    a select: still correct, but it stops nothing).

    Args:
        fn: a function of one array.
        x: a real array.
        token: optional integer scalar, replicated.

    Returns:
        ``fn(x)``.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> from jaxaug._src.fastpath import compute_once, key_token
        >>> compute_once(lambda v: v * 2, jnp.array([1.5, -2.0]), key_token(jax.random.key(3))).tolist()
        [3.0, -4.0]
    """
    if x.size == 0 or x.dtype == jnp.bool_:
        return fn(x)

    def cpu(t):
        if token is None:
            word = lax.bitcast_convert_type(t.reshape(-1)[0], jnp.dtype(f"uint{8 * t.dtype.itemsize}"))
        else:
            word = jnp.asarray(token).astype(jnp.uint32)
        out = jax.eval_shape(fn, t)
        return lax.cond((word | 1) != 0, fn, lambda _: jnp.zeros(out.shape, out.dtype), t)

    return lax.platform_dependent(x, cpu=cpu, default=fn)


def map_in_chunks(fn, *args, chunk: int | None = None):
    """``jax.vmap(fn)(*args)``; with ``chunk``, on CPU, ``chunk`` examples per ``lax.map`` step.

    For per-example programs whose intermediates are large (the spline prefilter's
    coefficient arrays): XLA:CPU allocates a program's scratch per call, and above 32 MB
    glibc hands it out as fresh pages every time; a loop over chunks keeps it per chunk.
    Only where ``fn``'s values do not depend on being looped (the caller checks it: a
    loop can change XLA's fusion, and so the rounding, around ``fn``). Other platforms,
    ``chunk=None``, batches of at most ``chunk`` examples and processes that see more
    than one device get the ``vmap``: a loop would serialise the batch on an
    accelerator, and a loop over a batch sharded across devices makes XLA gather the
    whole batch onto every device (an all-gather).

    Args:
        fn: a function of one example's arrays.
        *args: arrays with the batch as their leading axis.
        chunk: examples per loop step on CPU, or None.

    Returns:
        ``fn``'s outputs stacked over the batch.

    Examples:
        >>> import jax.numpy as jnp
        >>> from jaxaug._src.fastpath import map_in_chunks
        >>> map_in_chunks(lambda v: v.sum(), jnp.arange(12.0).reshape(6, 2), chunk=4).tolist()
        [1.0, 5.0, 9.0, 13.0, 17.0, 21.0]
    """
    if chunk is None or args[0].shape[0] <= chunk or jax.device_count() > 1:
        return jax.vmap(fn)(*args)

    def cpu(*a):
        return lax.map(lambda xs: fn(*xs), a, batch_size=chunk)

    return lax.platform_dependent(*args, cpu=cpu, default=jax.vmap(fn))


def shift_channels_float(x: jax.Array, offsets: jax.Array) -> jax.Array:
    """``clip(x + offsets, min(x), max(x))`` for a float ``(H, W, C)`` image, fusion-safe.

    The same values as ``color.shift_channels_float`` (min and max are exact), with
    the reductions computed by :func:`minmax`.
    """
    lo, hi = minmax(x)
    # ``clip(x, lo, hi)`` is ``x`` itself (lo and hi are x's own extremes), but with it
    # as x's consumer XLA:CPU materialises a resampled ``x`` once with its gathers
    # fused in; with ``x + offsets`` as the consumer it materialises the four bilinear
    # gathers instead and recomputes the blend twice (measured 4-5x slower end to end).
    x = jnp.clip(x, lo, hi)
    return jnp.clip(x + offsets.astype(x.dtype), lo, hi)


def flip(image: jax.Array, horizontal: jax.Array, vertical: jax.Array, quarter_turns: jax.Array | None = None):
    """Turns (by quarter turns) and mirrors an ``(H, W, C)`` image without a gather.

    The content first turns counter-clockwise by ``quarter_turns`` (``np.rot90``: a
    transpose and reversals; square images only), then mirrors.

    Args:
        image: ``(H, W, C)`` image of any dtype.
        horizontal: boolean scalar (traced is fine): reverse the columns.
        vertical: boolean scalar: reverse the rows.
        quarter_turns: optional integer-valued scalar 0-3 (traced is fine); needs H == W.

    Returns:
        ``image`` turned and mirrored; same shape and dtype.

    Examples:
        >>> import numpy as np
        >>> from jaxaug._src.fastpath import flip
        >>> m = np.arange(9).reshape(3, 3, 1)
        >>> bool((flip(m, False, False, 1) == np.rot90(m)).all())
        True
    """
    columns, rows = jnp.asarray(horizontal), jnp.asarray(vertical)
    x = image
    if quarter_turns is not None:
        if image.shape[0] != image.shape[1]:
            raise ValueError(f"quarter turns without a resample need a square image, got shape {image.shape}.")
        k = jnp.asarray(quarter_turns).astype(jnp.int32) % 4
        x = jnp.where(k % 2 == 1, jnp.swapaxes(image, 0, 1), image)  # rot90 = transpose + reversals
        rows = rows ^ ((k == 1) | (k == 2))
        columns = columns ^ ((k == 2) | (k == 3))
    x = jnp.where(columns, x[:, ::-1], x)
    return jnp.where(rows, x[::-1], x)
