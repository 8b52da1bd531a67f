"""The engine: the one batch pipeline under every door.

Every door calls it: ``augment`` / ``augment_image`` / ``augment_with_targets``, the grain
device step (through ``augment``'s key rule with an epoch folded in), the Keras layers
(through ``augment``) and the Keras drop-in (with Keras's own numpy draws as params).
For a batch it does, inside the caller's jit:

1. **draw** (:func:`draw`): per-example ``AugmentParams`` from per-example keys, each
   parameter family from its own stream (``sampling.FIELD_IDS``);
2. **geometry** (:func:`geometry_matrices`): one ``(3, 3)`` output-to-input matrix per
   example, ``crop_resize @ affine @ perspective``, built with the ``matrices`` and
   ``geometry`` builders (explicit multiply-adds), plus an optional elastic field;
3. **ONE resample** per image for all geometry (:func:`warp`: the affine fast path, or a
   coordinate map with the homogeneous divide and the field; none when the config has no
   geometry, gather-free reversals when flips are all it has). The policies call
   :func:`warp` with their own matrices;
4. **ONE fused pixel chain** on the float values, in this order
   (``sampling.PIXEL_CHAIN``):

   ============  ==========================================================  ===========
   step          operation (per example, with its drawn params)              clips
   ============  ==========================================================  ===========
   channel       ``x + offsets``, within the image's own [min, max] (Keras)  own range
   brightness    ``x * factor`` (Keras; float images are not clipped)        no
   contrast      ``color.contrast_float``                                    [0, max]
   saturation    ``color.saturation_float``                                  [0, max]
   hue           ``color.hue_float`` (RGB)                                   in range
   gamma         ``color.gamma_float`` (gain 1)                              [0, max]
   sharpness     ``color.sharpness_float``                                   [0, max]
   grayscale     ``color.grayscale_float`` to 3 channels, where gated (RGB)  in range
   autocontrast  ``color.autocontrast_float``, where gated                   levels
   equalize      ``color.equalize_float``, where gated                       levels
   posterize     ``color.posterize_float``                                   levels
   solarize      ``color.solarize_float`` at ``threshold * max``, gated      max - x
   blur          ``color.gaussian_blur_float`` (sigma 0: not blurred)        in range
   noise         ``x + noise * max``                                         [0, max]
   erasing       ``fill * max`` in the rectangle (``color.erase_float``)     fill
   ============  ==========================================================  ===========

   ``max`` is the white level (``Plan.max_value``, else ``color.max_value_for`` of the
   input dtype). A gated op runs on the whole batch and is selected per example
   (``jnp.where``), so equalize and blur cost a full pass whatever their probability;
5. ONE cast to the output dtype (:func:`to_dtype`): :func:`apply` does it when given
   ``dtype`` (the doors pass the input dtype), inside the chain's fusion barrier, so it
   never costs a pass of its own.

:class:`Output` returns the params and the matrices with the pixels, so masks,
keypoints and boxes move with the SAME draw (``targets``, ``masks``).

What is static and what is traced: :class:`Plan` (which stages run, order, mode) is
static and hashable; params, ``cval`` and the config's strengths are traced.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from jaxaug._src import color, fastpath, geometry, matrices, resample, sampling


class Plan(NamedTuple):
    """The static structure of one engine call (hashable: it keys the compiled program).

    Attributes:
        geometry: ``"none"`` (no pixel moves), ``"flips"`` (reversals only, no gather),
            ``"affine"`` (one resample with the per-example matrices) or
            ``"projective"`` (one resample of a coordinate map: a homography with its
            divide and/or an elastic displacement field).
        order: spline order of the resample.
        mode: scipy boundary mode of the resample.
        channel_shift: run the channel shift of the pixel chain.
        brightness: run the brightness factor of the pixel chain.
        contrast, saturation, hue, gamma, sharpness, grayscale, autocontrast, equalize,
            posterize, solarize, blur, noise, erasing: run that step of the pixel chain
            (the params' field of a step that runs must not be None).
        blur_kernel_size: the blur's odd number of taps.
        max_value: the white level of the pixel ops; None: from the input dtype.
        output_shape: ``(H_out, W_out)``, or None for the input's size.
        crop: compose each example's ``crop_box`` (a resized crop) into its matrix.
        perspective: compose each example's ``perspective`` homography.
        elastic: add each example's ``elastic`` field to the coordinates.
        rotate90: each example's ``quarter_turns`` (folded into its matrix; the
            ``"flips"`` path turns square images by a transpose and reversals).
    """

    geometry: str
    order: int
    mode: str
    channel_shift: bool = False
    brightness: bool = False
    contrast: bool = False
    saturation: bool = False
    hue: bool = False
    gamma: bool = False
    sharpness: bool = False
    grayscale: bool = False
    autocontrast: bool = False
    equalize: bool = False
    posterize: bool = False
    solarize: bool = False
    blur: bool = False
    noise: bool = False
    erasing: bool = False
    blur_kernel_size: int = 0
    max_value: float | None = None
    output_shape: tuple[int, int] | None = None
    crop: bool = False
    perspective: bool = False
    elastic: bool = False
    rotate90: bool = False

    @property
    def pixel_ops(self) -> bool:
        return any(getattr(self, step) for step in sampling.PIXEL_CHAIN)


def plan_of(config: sampling.AugmentConfig) -> Plan:
    """The :class:`Plan` of an ``AugmentConfig`` (depends on its structure only)."""
    ops = config.ops
    if ops & {"perspective", "elastic"}:
        kind = "projective"
    elif ops & sampling._AFFINE or config.output_size is not None:
        kind = "affine"
    elif ops & sampling._GEOMETRY:
        kind = "flips"
    else:
        kind = "none"
    return Plan(
        geometry=kind,
        order=config.interpolation_order,
        mode=config.fill_mode,
        blur_kernel_size=config.blur_taps,
        max_value=config.max_value,
        output_shape=config.output_size,
        crop="crop" in ops,
        perspective="perspective" in ops,
        elastic="elastic" in ops,
        rotate90="rotate90" in ops,
        **{step: step in ops for step in sampling.PIXEL_CHAIN},
    )


class Output(NamedTuple):
    """What the engine returns for a batch.

    Attributes:
        images: ``(B, H, W, C)`` values before the final cast: floats in the compute
            dtype, or the input dtype itself where no arithmetic touched them (order-0
            or flip-only geometry of integer images without pixel ops), so that order 0
            moves integer values without changing them.
        params: the batch's ``AugmentParams`` (leading dim B).
        matrices: ``(B, 3, 3)`` output-to-input matrices (identity without geometry).
    """

    images: jax.Array
    params: sampling.AugmentParams
    matrices: jax.Array


def draw(
    keys: jax.Array, image_shape, config: sampling.AugmentConfig, token: jax.Array | None = None
) -> sampling.AugmentParams:
    """Per-example params for keys ``(B,)`` and one image's shape ``(H, W, C)`` (``token``: see :func:`apply`)."""
    params = jax.vmap(functools.partial(sampling.sample_unsmoothed, image_shape=image_shape, config=config))(keys)
    if "elastic" in config.ops:  # smoothed for the whole batch at once (outside vmap: see sample_unsmoothed)
        params = params._replace(elastic=sampling.smooth_elastic_field(params.elastic, config, token))
    return params


def geometry_matrices(
    params: sampling.AugmentParams, image_shape, pivot: Any = None, plan: Plan | None = None
) -> jax.Array:
    """``(B, 3, 3)`` output-to-input matrices for batched params (``pivot``: ``(2,)`` or None).

    ``crop_resize @ affine @ perspective``: output pixel -> (perspective, in the output
    frame) -> (rotation, shift, shear, zoom, flips about the output centre) -> (the crop
    box, or the whole image, resized onto the output grid) -> input location.
    """
    out_shape = image_shape[:2] if plan is None or plan.output_shape is None else plan.output_shape
    resize = plan is not None and (plan.crop or plan.output_shape is not None)
    perspective = plan is not None and plan.perspective

    def one(p):
        m = sampling.params_to_matrix(p, out_shape, pivot)
        if resize:
            box = p.crop_box
            m = matrices.matmul3(geometry.crop_matrix(box[0], box[1], box[2], box[3], out_shape), m)
        if perspective:
            m = matrices.matmul3(m, p.perspective)
        return m

    fields = ("theta", "dy", "dx", "shear", "zy", "zx", "flip_horizontal", "flip_vertical", "quarter_turns")
    fields += ("crop_box", "perspective")
    geometric = params._replace(**{f: None for f in params._fields if f not in fields})
    return jax.vmap(one)(geometric)


def coordinate_maps(out: Output, plan: Plan, image_shape) -> tuple[jax.Array, jax.Array]:
    """``(B, H_out, W_out)`` input rows and columns of every output pixel (what the resample reads)."""
    return _coordinates(out.matrices, plan, image_shape, out.params.elastic if plan.elastic else None)


def _coordinates(mats: jax.Array, plan: Plan, image_shape, field: jax.Array | None):
    out_shape = plan.output_shape or tuple(image_shape[:2])
    # Only a perspective makes the third row non-trivial: without one (elastic alone) the divide by
    # w = 1 changes no value but made XLA materialise both coordinate maps (2 x 6.4 MB for 32 x 224 x 224).
    projective = plan.perspective

    def one(m, f):
        return geometry.map_coordinates(m, out_shape, f, projective=projective)

    if field is None:
        return jax.vmap(lambda m: one(m, None))(mats)
    return jax.vmap(one)(mats, field)


def _coordinates_per_image(mats: jax.Array, plan: Plan, image_shape, field: jax.Array | None, dtype):
    """``(args, uv)``: each image's input coordinates ``uv(*a)`` in ``dtype``, for ``a`` in ``vmap`` over ``args``.

    Affine plans compute them from each matrix inside the consumer's ``vmap``, fused into
    what reads them (as :func:`resample.resample_float` has them); other plans take them
    from :func:`_coordinates` (projective division, elastic field) and cast them.
    """
    if plan.geometry == "affine":
        out_shape = plan.output_shape or tuple(image_shape[:2])
        return (mats,), lambda m: resample.coordinates(m, *out_shape, dtype)
    return _coordinates(mats, plan, image_shape, field), lambda u, v: (u.astype(dtype), v.astype(dtype))


def erased_region(params: sampling.AugmentParams, height: int, width: int) -> jax.Array:
    """``(B, H, W, 1)`` bool: where each example's ``erasing_box`` lies (the rule of ``color.erase_float``).

    The images' erasing and ``augment_with_targets``'s ``erased_mask_fill`` both use
    it, so a mask is relabelled exactly where its image was erased.
    """
    box = params.erasing_box
    canvas = jnp.zeros((box.shape[0], height, width, 1), jnp.float32)
    return color.erase_float(canvas, box[:, 0], box[:, 1], box[:, 2], box[:, 3], 1.0) > 0


def _per_example(values: jax.Array, dtype) -> jax.Array:
    """``(B,)`` params shaped ``(B, 1, 1, 1)`` to broadcast against a ``(B, H, W, C)`` batch."""
    return values.astype(dtype).reshape(values.shape[:1] + (1,) * 3)


def _gated(gate: jax.Array, op, x: jax.Array) -> jax.Array:
    """``op(x)`` for the examples whose ``(B,)`` gate is set, ``x`` for the others (both computed)."""
    return jnp.where(gate.reshape(gate.shape[:1] + (1,) * 3), op(x), x)


def pixel_chain(
    x: jax.Array, params: sampling.AugmentParams, plan: Plan, max_value: float, token: jax.Array | None = None
) -> jax.Array:
    """The pixel chain of ``plan`` (this module's docstring) on a float ``(B, H, W, C)`` batch.

    Args:
        x: float values in the compute dtype, after geometry.
        params: batched ``AugmentParams``.
        plan: the static :class:`Plan`.
        max_value: the white level.
        token: see :func:`apply`.

    Returns:
        The float values, unrounded (the caller casts once).
    """
    dtype = x.dtype
    p = params
    if plan.channel_shift:
        x = jax.vmap(fastpath.shift_channels_float)(x, p.channel_shift.astype(dtype))
    if plan.brightness:
        x = x * _per_example(p.brightness, dtype)
    for step, core in (
        ("contrast", color.contrast_float),
        ("saturation", color.saturation_float),
        ("hue", lambda v, delta, _: color.hue_float(v, delta)),
        ("gamma", lambda v, gamma, white: color.gamma_float(v, gamma, 1.0, white)),
        ("sharpness", color.sharpness_float),
    ):
        if getattr(plan, step):
            x = core(x, getattr(p, step).astype(dtype), max_value)
    if plan.grayscale and x.shape[-1] != 1:  # one channel is its own grayscale
        x = _gated(p.grayscale, lambda v: color.grayscale_float(v, v.shape[-1]), x)
    if plan.autocontrast:
        x = _gated(p.autocontrast, lambda v: color.autocontrast_float(v, max_value), x)
    if plan.equalize:
        x = _gated(p.equalize, lambda v: color.equalize_float(v, max_value), x)
    if plan.posterize:
        x = color.posterize_float(x, p.posterize_bits, max_value)
    if plan.solarize:
        threshold = p.solarize_threshold.astype(dtype) * max_value
        x = _gated(p.solarize, lambda v: color.solarize_float(v, threshold, max_value), x)
    if plan.blur:
        x = color.gaussian_blur_float(x, p.blur_sigma.astype(dtype), plan.blur_kernel_size, token)
    if plan.noise:
        x = jnp.clip(x + p.noise.astype(dtype) * max_value, 0, max_value)
    if plan.erasing:
        x = jnp.where(erased_region(p, x.shape[1], x.shape[2]), p.erasing_fill.astype(dtype) * max_value, x)
    return x


def warp(
    images: jax.Array,
    mats: jax.Array,
    plan: Plan,
    cval: Any = 0.0,
    field: jax.Array | None = None,
    token: jax.Array | None = None,
    finish=None,
):
    """ONE resample per image: ``(B, H, W, C)`` images, ``(B, 3, 3)`` output-to-input matrices.

    ``plan`` gives the order, mode and output shape; ``"projective"`` plans divide by the
    matrices' third row and add ``field`` ``(B, H_out, W_out, 2)`` (elastic). Integer
    images at order 0 of a plan without pixel ops move natively (values untouched);
    everything else comes back as compute-dtype floats, unrounded. ``token``: see
    :func:`apply`. ``finish`` (elementwise, such as the cast to the output dtype) is
    applied to the result, inside the barrier where the resample reads a materialised
    index or view (so the unrounded floats are not a buffer of their own).
    """
    finish = finish or (lambda x: x)
    shape = images.shape[1:]
    compute = resample.compute_dtype(images.dtype)
    exact = jnp.issubdtype(images.dtype, jnp.integer) and not plan.pixel_ops and plan.order == 0
    if plan.order == 0:
        return _nearest(images, mats, plan, cval, field, token, exact, finish)
    if plan.order == 1 and plan.mode in resample.FOLDED_MODES and _small_integers(images.dtype):
        views = jax.vmap(functools.partial(resample.bordered_view, mode=plan.mode))(images)
        sample = functools.partial(
            resample.resample_bordered, height=shape[0], width=shape[1], mode=plan.mode, dtype=compute
        )
        return _sample_views(views, sample, mats, plan, field, token, shape, finish)
    if plan.order >= 2:
        return finish(_spline_warp(images, mats, plan, cval, field))
    args, uv = _coordinates_per_image(mats, plan, shape, field, compute)
    resample_one = functools.partial(resample.resample_coords, order=plan.order, mode=plan.mode, cval=cval)
    return finish(jax.vmap(lambda image, *a: resample_one(image, *uv(*a)))(images, *args))


# Images per prefilter loop step of a spline (order >= 2) resample on CPU (fastpath.map_in_chunks): the
# prefilter's full-size intermediates stay per chunk, under the 32 MB above which XLA:CPU's scratch comes as
# fresh pages every call (see _spline_warp).
SPLINE_CHUNK = 4


def _spline_warp(images, mats, plan: Plan, cval, field) -> jax.Array:
    """:func:`warp` at orders 2-5: the batch prefiltered in chunks, then sampled in one ``vmap``.

    The prefilter (two FIR passes over each image, independent of the geometry) keeps two
    full-size coefficient arrays alive, 41-60 MB of scratch for 32 x 224 x 224 x 3 in one
    ``vmap``; on CPU it runs ``SPLINE_CHUNK`` images per ``lax.map`` step
    (``fastpath.map_in_chunks``). The sampling stays outside the loop: XLA:CPU fuses a loop
    body's result into the in-place update of the stacked output, and that fusion runs on
    one thread, while the ``vmap`` runs on all of them. Each image's values are the same
    whatever its batch size or position (the coordinates are computed as before; a test
    holds it). Measured in ``benchmarks/results/ab-cpu-2cores.md``.
    """
    compute = resample.compute_dtype(images.dtype)
    cval = jnp.asarray(cval, compute)
    image = jax.ShapeDtypeStruct(images.shape[1:], images.dtype)
    prefilter = functools.partial(resample.spline_coefficients, order=plan.order, mode=plan.mode, cval=cval)
    coef = fastpath.map_in_chunks(prefilter, images, chunk=SPLINE_CHUNK)
    sample = functools.partial(resample.sample_spline, image=image, order=plan.order, mode=plan.mode, cval=cval)
    args, uv = _coordinates_per_image(mats, plan, images.shape[1:], field, compute)

    def one(c, *a):
        u, v = uv(*a)
        return sample(c, u=u, v=v)

    return jax.vmap(one)(coef, *args)


def _small_integers(dtype) -> bool:
    """Integer pixels of at most 2 bytes: where the border view of ``resample.bordered_view`` pays.

    On XLA:CPU, 32 x 224 x 224 x 3 at order 1 in one process (in turns with the per-tap
    fold): uint8 ``reflect`` 32.5 -> 17.2 ms, ``mirror`` 28.5 -> 15.6 (order 0 reads a
    materialised index instead: :func:`_nearest`). A float32 view is four times the size: with the resample's float32
    result it took the program's scratch to 37.5 MB, past glibc's 32 MB line where every
    call gets fresh pages, and ``reflect`` went 21.8 -> 33.8 ms; float images keep the
    per-tap fold.
    """
    return jnp.issubdtype(dtype, jnp.integer) and jnp.dtype(dtype).itemsize <= 2


def _nearest(images, mats, plan: Plan, cval, field, token, native: bool, finish) -> jax.Array:
    """:func:`warp` at order 0: each output pixel's tap index in one pass, materialised, then one gather.

    The index (:func:`resample.nearest_index`: the coordinate, the mode's fold, the
    fill) is one int32 per output pixel, computed by a vectorised elementwise pass and
    materialised once (``fastpath.compute_once``); the gather then reads it. Fused into
    the gather instead, XLA:CPU computes the coordinates and the fold in the gather's
    loop, once per output value. ``jaxaug.augment`` on XLA:CPU (AMD EPYC, AVX2),
    32 x 224 x 224 x 3 in one process, in turns, outputs identical: uint8 ``constant``
    12.3 -> 5.5 ms, ``nearest`` 11.3 -> 5.4, ``reflect`` 24.5 -> 6.2; float32 13.7 ->
    7.5, 8.4 -> 5.5, 15.6 -> 6.4 (``benchmarks/results/ab-cpu-2cores.md``). ``native``:
    integer values moved untouched, the fill by :func:`resample.native_fill`; otherwise
    the taps are cast to the compute dtype and the fill is ``cval``.
    """
    height, width = images.shape[1:3]
    compute = resample.compute_dtype(images.dtype)
    args, uv = _coordinates_per_image(mats, plan, images.shape[1:], field, compute)
    index = jax.vmap(lambda *a: resample.nearest_index(*uv(*a), height, width, plan.mode))(*args)
    fill = resample.native_fill(cval, images.dtype) if native else jnp.asarray(cval, compute)
    take = functools.partial(resample.take_nearest, mode=plan.mode, fill=fill, dtype=None if native else compute)
    return fastpath.compute_once(lambda i: finish(jax.vmap(take)(images, i)), index, token)


def _sample_views(views, sample, mats, plan: Plan, field, token, image_shape, finish) -> jax.Array:
    """``finish(sample(view, u, v))`` for each image's view, the batch of views materialised ONCE.

    The views (:func:`resample.bordered_view`) only pay as buffers of their own: fused
    into the gather, XLA:CPU would recompute the border for every tap
    (``fastpath.compute_once``).
    """
    dtype = resample.compute_dtype(views.dtype)

    def gather(views):  # the coordinates inside the barrier, fused into the gather
        args, uv = _coordinates_per_image(mats, plan, image_shape, field, dtype)
        return finish(jax.vmap(lambda view, *a: sample(view, *uv(*a)))(views, *args))

    return fastpath.compute_once(gather, views, token)


def apply(
    images: jax.Array,
    params: sampling.AugmentParams,
    plan: Plan,
    cval: Any = 0.0,
    *,
    pivot: Any = None,
    token: jax.Array | None = None,
    dtype: Any = None,
) -> Output:
    """Runs geometry and the pixel chain of ``plan`` with given per-example ``params``.

    Args:
        images: ``(B, H, W, C)`` batch of any real dtype.
        params: batched ``AugmentParams`` (from :func:`draw`, or mapped from another
            sampler such as Keras's numpy draws).
        plan: the static :class:`Plan`.
        cval: fill value (traced).
        pivot: optional ``(row, col)`` pivot of rotation, shear and zoom (default: centre).
        token: optional replicated runtime scalar (``fastpath.key_token`` of the batch's
            key) for the XLA:CPU fusion barriers (``fastpath.compute_once``); without it
            they read the data, which costs a scalar all-reduce on a sharded batch.
        dtype: the output dtype (the ONE cast, :func:`to_dtype`); None leaves the values
            unrounded in the compute dtype (or ``images.dtype`` where no arithmetic ran).

    Returns:
        An :class:`Output`.
    """
    shape = images.shape[1:]
    compute = resample.compute_dtype(images.dtype)
    max_value = color.max_value_for(images.dtype, plan.max_value)
    mats = geometry_matrices(params, shape, pivot, plan)
    # Weighted means of the images' own values: the cast back to their dtype needs no clip.
    same = images.dtype == dtype and not plan.pixel_ops
    in_range = same and resample.stays_in_range(plan.order, plan.mode)
    if same and plan.order == 1 and plan.mode == "constant" and _small_integers(images.dtype):
        # scipy's hard cut: each pixel is a weighted mean or the fill, and the fill comes out as its
        # own cast (rounded, clipped): cast first, the same values with no clip per pixel.
        cval, in_range = resample.native_fill(cval, images.dtype), True

    def finish(x):  # the pixel chain, then the ONE cast
        if plan.pixel_ops:
            x = pixel_chain(x.astype(compute), params, plan, max_value, token)
        return x if dtype is None else to_dtype(x, dtype, in_range=in_range)

    def resampled(plan, field=None):
        if plan.pixel_ops:  # the chain reads pixels several times: resample once, not once per read
            return fastpath.compute_once(finish, warp(images, mats, plan, cval, field, token), token)
        return warp(images, mats, plan, cval, field, token, finish=finish)

    if plan.geometry in ("affine", "projective") and plan.elastic:
        # The blurred field, computed once (not fused into every tap's coordinates).
        x = fastpath.compute_once(functools.partial(resampled, plan), params.elastic, token)
    elif plan.geometry in ("affine", "projective"):
        x = resampled(plan)
    elif plan.geometry == "flips" and plan.rotate90 and shape[0] != shape[1]:
        # A quarter turn of a non-square image leaves the frame: the one resample does it.
        x = resampled(plan._replace(geometry="affine"))
    elif plan.geometry == "flips":
        # Every output pixel is exactly one input pixel: a transpose and reversals, no gather.
        turns = params.quarter_turns if plan.rotate90 else None
        x = finish(jax.vmap(fastpath.flip)(images, params.flip_horizontal, params.flip_vertical, turns))
    else:
        x = finish(images)
    return Output(x, params, mats)


def run(
    keys: jax.Array,
    images: jax.Array,
    config: sampling.AugmentConfig,
    *,
    pivot: Any = None,
    token: jax.Array | None = None,
    dtype: Any = None,
) -> Output:
    """:func:`draw` then :func:`apply`: the whole random pipeline for per-example ``keys``.

    ``token`` and ``dtype``: see :func:`apply` (callers pass ``fastpath.key_token`` of
    the key the per-example keys came from, and their input dtype).
    """
    params = draw(keys, images.shape[1:], config, token)
    return apply(images, params, plan_of(config), config.cval, pivot=pivot, token=token, dtype=dtype)


def to_dtype(values: jax.Array, dtype, *, in_range: bool = False) -> jax.Array:
    """The ONE final cast: integers rounded half away from zero and clipped; no-op if equal.

    ``in_range``: the values are weighted means of values of ``dtype`` (a resample that
    :func:`resample.stays_in_range`, no pixel op after it), so the clip can go (see
    :func:`resample.cast_like`).
    """
    if values.dtype == jnp.dtype(dtype):
        return values
    return resample.cast_like(values, dtype, in_range=in_range)
