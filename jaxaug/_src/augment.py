"""The fused entry point: one matrix, one resample, then colour, per image; vmap per batch."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from jaxaug._src import fastpath, resample, sampling


def example_keys(key: jax.Array, example_ids: ArrayLike) -> jax.Array:
    """Per-example keys ``fold_in(key, id)``: the one key-derivation rule of jaxaug.

    A key derived from an example's GLOBAL id does not depend on its batch position,
    the batch size, the number of devices or workers, or where a run was resumed.
    Fold an epoch number into ``key`` first (``jax.random.fold_in(key, epoch)``) for
    fresh augmentation every epoch.

    Args:
        key: a ``jax.random.key`` or legacy ``PRNGKey``.
        example_ids: integer array of ids, any shape.

    Returns:
        Keys with the shape of ``example_ids``.
    """
    ids = jnp.asarray(example_ids)
    if not jnp.issubdtype(ids.dtype, jnp.integer):
        raise TypeError(f"`example_ids` must be integers, got dtype {ids.dtype}.")
    fold = jax.vmap(jax.random.fold_in, in_axes=(None, 0))
    flat = fold(key, ids.reshape(-1).astype(jnp.uint32))
    return flat.reshape(ids.shape + flat.shape[1:])


def _flips_only(config: sampling.AugmentConfig) -> bool:
    """True if flips are the only geometric transform (no resample needed)."""
    return bool(
        (config.horizontal_flip or config.vertical_flip)
        and not (
            config.rotation_range
            or config.width_shift_range
            or config.height_shift_range
            or config.shear_range
            or config.zoom_range != (1.0, 1.0)
        )
    )


def _augment_float(key: jax.Array, image: jax.Array, config: sampling.AugmentConfig) -> jax.Array:
    """Augments one ``(H, W, C)`` image; returns compute-dtype values, unrounded."""
    params = sampling.sample_params(key, image.shape, config)
    dtype = resample.compute_dtype(image.dtype)
    if _flips_only(config):
        # Every output pixel is exactly one input pixel: reversals, no gather.
        x = fastpath.flip(image, params.flip_horizontal, params.flip_vertical).astype(dtype)
    elif config.is_geometric:
        matrix = sampling.params_to_matrix(params, image.shape)
        x = resample.resample_float(image, matrix, config.interpolation_order, config.fill_mode, config.cval)
    else:
        x = image.astype(dtype)
    if config.channel_shift_range > 0:
        x = fastpath.shift_channels_float(x, params.channel_shift)
    if config.brightness_range is not None:
        x = x * params.brightness.astype(x.dtype)
    return x


def augment_image(key: jax.Array, image: ArrayLike, config: sampling.AugmentConfig) -> jax.Array:
    """Augments ONE image; ``jax.vmap`` it over ``(keys, images)`` for a batch.

    Rotation, shift, shear, zoom and flips become one matrix and one resample; then
    channel shift and brightness. Output has the input's shape and dtype.

    Args:
        key: the image's key (used once: split inside into one subkey per draw).
        image: ``(H, W)`` or ``(H, W, C)``.
        config: a static ``AugmentConfig``.

    Examples:
        >>> import jax, jax.numpy as jnp, jaxaug
        >>> config = jaxaug.AugmentConfig(rotation_range=15, horizontal_flip=True)
        >>> out = jaxaug.augment_image(jax.random.key(0), jnp.ones((8, 8, 3)), config)
        >>> out.shape, out.dtype
        ((8, 8, 3), dtype('float32'))
    """
    _check_config(config)
    image = jnp.asarray(image)
    resample.check_image("image", image)
    squeeze = image.ndim == 2
    x = image[..., None] if squeeze else image
    out = resample.cast_like(_augment_float(key, x, config), image.dtype)
    return out[..., 0] if squeeze else out


def augment(
    key: jax.Array,
    images: ArrayLike,
    config: sampling.AugmentConfig,
    *,
    example_ids: ArrayLike | None = None,
) -> jax.Array:
    """Augments a batch: one key per example, one fused resample per image.

    Example ``i`` uses the key ``fold_in(key, example_ids[i])`` (``example_ids``
    defaults to ``arange(B)``), so an example gets the same augmentation alone or in
    any batch. Jit it with the config static; new keys or images of the same shape
    never retrace.

    Args:
        key: a ``jax.random.key`` (or legacy ``PRNGKey``).
        images: ``(B, H, W, C)`` channels-last batch, any real dtype.
        config: an ``AugmentConfig`` (hashable: pass it as a static argument).
        example_ids: optional ``(B,)`` integer global ids of the examples.

    Returns:
        The augmented batch, same shape and dtype as ``images``.

    Examples:
        >>> import functools, jax, jax.numpy as jnp, jaxaug
        >>> config = jaxaug.AugmentConfig(rotation_range=20, zoom_range=0.1, horizontal_flip=True)
        >>> fn = jax.jit(functools.partial(jaxaug.augment, config=config))
        >>> fn(jax.random.key(0), jnp.zeros((4, 32, 32, 3), jnp.uint8)).dtype
        dtype('uint8')
    """
    _check_config(config)
    images = jnp.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"`images` must have rank 4 (B, H, W, C), got shape {images.shape}.")
    resample.check_image("images", images, ranks=(4,))
    if example_ids is None:
        example_ids = jnp.arange(images.shape[0], dtype=jnp.uint32)
    ids = jnp.asarray(example_ids)
    if ids.shape != images.shape[:1]:
        raise ValueError(f"`example_ids` must have shape ({images.shape[0]},), got {ids.shape}.")
    keys = example_keys(key, ids)
    out = jax.vmap(functools.partial(_augment_float, config=config))(keys, images)
    return resample.cast_like(out, images.dtype)


def _check_config(config) -> None:
    if not isinstance(config, sampling.AugmentConfig):
        raise TypeError(f"`config` must be a jaxaug.AugmentConfig, got {type(config).__name__}.")
