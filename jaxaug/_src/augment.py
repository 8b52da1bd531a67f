"""The public doors of the engine: ``augment``, ``augment_image`` and the one key rule."""

from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxaug._src import engine, fastpath, resample, sampling


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


def check_images(name: str, images: jax.Array, ranks: tuple[int, ...]) -> None:
    """Rank, dtype and non-empty spatial dims of an image or batch (a named ``ValueError``)."""
    resample.check_image(name, images, ranks=ranks)
    spatial = images.shape[-3:-1] if images.ndim in (3, 4) else images.shape
    if 0 in spatial or (images.ndim in (3, 4) and images.shape[-1] == 0):
        raise ValueError(f"`{name}` must have non-empty height, width and channels, got shape {images.shape}.")


def as_images(name: str, images: ArrayLike) -> jax.Array:
    """``jnp.asarray(images)``, warning where float64 data would silently become float32."""
    if getattr(images, "dtype", None) == np.float64 and not jax.config.jax_enable_x64:
        warnings.warn(
            f"`{name}` is float64 but JAX runs without x64, so it is computed and returned as float32. "
            "Pass float32 data, or enable x64 (jax.config.update('jax_enable_x64', True)) to keep float64.",
            UserWarning,
            stacklevel=3,
        )
    return jnp.asarray(images)


def augment_image(key: jax.Array, image: ArrayLike, config: sampling.AugmentConfig) -> jax.Array:
    """Augments ONE image with ITS key; ``jax.vmap`` it over ``(keys, images)`` for a batch.

    Rotation, shift, shear, zoom and flips become one matrix and one resample; then
    channel shift and brightness. Output has the input's shape and dtype. The same
    engine as :func:`augment`, which uses ``fold_in(key, example_id)`` as each image's key.

    Args:
        key: the image's key (each parameter family folds in its own stream id).
        image: ``(H, W)`` or ``(H, W, C)``.
        config: an ``AugmentConfig`` (an ordinary pytree argument under jit).

    Examples:
        >>> import jax, jax.numpy as jnp, jaxaug
        >>> config = jaxaug.AugmentConfig(rotation_range=15, horizontal_flip=True)
        >>> out = jaxaug.augment_image(jax.random.key(0), jnp.ones((8, 8, 3)), config)
        >>> out.shape, out.dtype
        ((8, 8, 3), dtype('float32'))
    """
    _check_config(config)
    image = as_images("image", image)
    check_images("image", image, ranks=(2, 3))
    squeeze = image.ndim == 2
    x = image[..., None] if squeeze else image
    out = engine.run(key[None], x[None], config, token=fastpath.key_token(key), dtype=image.dtype).images[0]
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
    any batch. Jit it with the config as an ordinary argument: new keys, images of
    the same shape and new strengths never retrace (see ``AugmentConfig``).

    Args:
        key: a ``jax.random.key`` (or legacy ``PRNGKey``).
        images: ``(B, H, W, C)`` channels-last batch, any real dtype.
        config: an ``AugmentConfig`` (a pytree: traced strengths, static structure).
        example_ids: optional ``(B,)`` integer global ids of the examples.

    Returns:
        The augmented batch, same shape and dtype as ``images``.

    Examples:
        >>> import jax, jax.numpy as jnp, jaxaug
        >>> config = jaxaug.AugmentConfig(rotation_range=20, zoom_range=0.1, horizontal_flip=True)
        >>> fn = jax.jit(jaxaug.augment)
        >>> fn(jax.random.key(0), jnp.zeros((4, 32, 32, 3), jnp.uint8), config).dtype
        dtype('uint8')
    """
    _check_config(config)
    images = as_images("images", images)
    if images.ndim != 4:
        raise ValueError(f"`images` must have rank 4 (B, H, W, C), got shape {images.shape}.")
    check_images("images", images, ranks=(4,))
    if example_ids is None:
        example_ids = jnp.arange(images.shape[0], dtype=jnp.uint32)
    ids = jnp.asarray(example_ids)
    if ids.shape != images.shape[:1]:
        raise ValueError(f"`example_ids` must have shape ({images.shape[0]},), got {ids.shape}.")
    token = fastpath.key_token(key)
    return engine.run(example_keys(key, ids), images, config, token=token, dtype=images.dtype).images


def _check_config(config) -> None:
    if not isinstance(config, sampling.AugmentConfig):
        raise TypeError(f"`config` must be a jaxaug.AugmentConfig, got {type(config).__name__}.")
