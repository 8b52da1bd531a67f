"""Keras 3 preprocessing layers over the jaxaug core (JAX backend only).

:class:`RandomAffine` turns rotation, shift, shear, zoom and flips into ONE matrix per
image and resamples ONCE (``jaxaug.augment``), where chaining Keras's own
``RandomRotation``, ``RandomTranslation``, ``RandomZoom`` and ``RandomFlip`` resamples
once per layer. :class:`RandomColor` adds the per-pixel channel shift and brightness
(no resample). Both draw a fresh key from a ``keras.random.SeedGenerator`` on every
call, so they re-randomise inside Keras's jitted train step.

This module imports Keras at import time; only ``jaxaug.keras`` imports it, never
``import jaxaug``.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

import jax

from jaxaug._src import augment as augment_lib
from jaxaug._src import keras_adapter, mixing, policies, resample, sampling, validation, warps

try:
    import keras
except ImportError as err:  # pragma: no cover - depends on the environment
    raise ImportError(f"jaxaug's Keras layers need Keras 3 (pip install 'jaxaug[keras]'): {err}") from err

# Keras 3 layer fill modes (they run ``jax.scipy.ndimage.map_coordinates``) -> scipy names
# (what ``AugmentConfig.fill_mode`` takes). Every scipy name is accepted as well.
KERAS_FILL_MODES = {
    "constant": "grid-constant",
    "nearest": "nearest",
    "reflect": "reflect",
    "wrap": "grid-wrap",
    "mirror": "mirror",
}
INTERPOLATIONS = {"nearest": 0, "bilinear": 1}

# The config is a pytree argument (traced strengths, static structure): one program per
# layer structure, whatever the ranges.
_augment_jit = jax.jit(augment_lib.augment)


def _scipy_fill_mode(fill_mode: Any) -> str:
    allowed = tuple(KERAS_FILL_MODES) + tuple(m for m in resample.MODES if m not in KERAS_FILL_MODES)
    validation.check_choice("fill_mode", fill_mode, allowed)
    return KERAS_FILL_MODES.get(fill_mode, fill_mode)


def _check_data_format(data_format: Any) -> str:
    if data_format is None:
        data_format = keras.config.image_data_format()
        if data_format != "channels_last":
            raise ValueError(
                "jaxaug's Keras layers support channels_last images (B, H, W, C) only, but "
                f"keras.config.image_data_format() is {data_format!r}. Pass data_format='channels_last' "
                "and transpose your images, or call keras.config.set_image_data_format('channels_last')."
            )
        return data_format
    validation.check_choice("data_format", data_format, ("channels_last", "channels_first"))
    if data_format == "channels_first":
        raise ValueError(
            "`data_format` 'channels_first' is not supported: jaxaug's Keras layers take channels_last "
            "images (B, H, W, C); got data_format='channels_first'. Transpose with "
            "keras.ops.transpose(x, (0, 2, 3, 1)) first."
        )
    return data_format


class _AugmentLayer(keras.layers.Layer):
    """Shared machinery: config, seed generator, training switch, shape checks."""

    def __init__(self, *, seed: int | None = None, data_format: str | None = None, **kwargs):
        keras_adapter.check_backend()
        kwargs.setdefault("autocast", False)  # dtype in == dtype out (floats are not cast to float32)
        super().__init__(**kwargs)
        if seed is not None:
            seed = validation.check_int("seed", seed)
        self.seed = seed
        self.data_format = _check_data_format(data_format)
        self.seed_generator = keras.random.SeedGenerator(seed)

    @property
    def augment_config(self) -> sampling.AugmentConfig:
        """The ``jaxaug.AugmentConfig`` this layer applies."""
        return self._augment_config

    def call(self, inputs, training=None):
        # Identity unless the call is explicitly in training mode (model.fit, or training=True).
        if not training:
            return inputs
        x = inputs
        if len(x.shape) not in (3, 4):
            raise ValueError(
                f"{type(self).__name__} takes (H, W, C) or (B, H, W, C) channels_last images, got shape {x.shape}."
            )
        single = len(x.shape) == 3
        key = self.seed_generator.next()  # uint32 [seed, counter]: a legacy JAX PRNG key
        out = _augment_jit(key, x[None] if single else x, self._augment_config)
        return out[0] if single else out

    def compute_output_shape(self, input_shape):
        return input_shape

    def compute_output_spec(self, inputs, training=None):
        return keras.KerasTensor(inputs.shape, dtype=inputs.dtype)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"seed": self.seed, "data_format": self.data_format})
        return config


@keras.saving.register_keras_serializable(package="jaxaug")
class RandomAffine(_AugmentLayer):
    """Random rotation, shift, shear, zoom and flips as ONE fused resample per image.

    A Keras 3 preprocessing layer (JAX backend) over ``jaxaug.augment``: the five
    transforms become one matrix per image, and each image is resampled once. It
    augments only when called in training mode (inside ``model.fit``, or with
    ``training=True``); otherwise it returns its input unchanged.

    The ranges are ``ImageDataGenerator``'s (and ``jaxaug.AugmentConfig``'s, with
    the correct geometry); the other arguments use Keras layer names:

    ============================  ===========================================
    ``RandomAffine`` argument     ``AugmentConfig`` field
    ============================  ===========================================
    ``rotation_range`` (degrees)  ``rotation_range``
    ``width_shift_range``         ``width_shift_range``
    ``height_shift_range``        ``height_shift_range``
    ``shear_range`` (degrees)     ``shear_range``
    ``zoom_range``                ``zoom_range``
    ``horizontal_flip``           ``horizontal_flip``
    ``vertical_flip``             ``vertical_flip``
    ``fill_mode``                 ``fill_mode``, Keras layer names mapped:
                                  ``"constant"`` -> ``"grid-constant"``,
                                  ``"wrap"`` -> ``"grid-wrap"``; ``"reflect"``,
                                  ``"nearest"``, ``"mirror"`` and the other
                                  scipy names unchanged
    ``fill_value``                ``cval``
    ``interpolation``             ``interpolation_order``: ``"nearest"`` -> 0,
                                  ``"bilinear"`` -> 1
    ============================  ===========================================

    So ``fill_mode`` means what it means in Keras's ``RandomRotation`` and friends
    (default ``"reflect"``, like theirs).

    Each call draws one key from the layer's ``keras.random.SeedGenerator`` (state
    ``[seed, n]`` for the n-th call, a legacy JAX ``PRNGKey``) and returns
    ``jaxaug.augment(key, images, layer.augment_config)``, so example ``i`` of the
    batch uses ``fold_in(key, i)``. Inside ``model.fit`` the generator state is part
    of the jitted step's state, so every step gets fresh transforms.

    Dtypes: integer inputs (e.g. ``uint8``) stay integer (Keras never casts them):
    interpolated in float32, rounded half away from zero and clipped. Float inputs
    keep their dtype too (the layer is built with ``autocast=False``). A
    ``keras.Input(..., dtype="uint8")`` model input therefore stays ``uint8``.

    Images must be channels_last: ``(B, H, W, C)``, or ``(H, W, C)`` for one image.

    Args:
        rotation_range: degrees; angle from U(-r, r), counter-clockwise if positive.
        width_shift_range: fraction of the width if < 1, else pixels.
        height_shift_range: fraction of the height if < 1, else pixels.
        shear_range: degrees.
        zoom_range: ``z`` for factors in [1 - z, 1 + z], or a ``(lo, hi)`` pair.
        horizontal_flip: mirror columns with probability 1/2.
        vertical_flip: mirror rows with probability 1/2.
        fill_mode: see the table above.
        fill_value: fill for ``"constant"`` (and the scipy constant modes).
        interpolation: ``"bilinear"`` or ``"nearest"``.
        seed: int seed of the layer's ``SeedGenerator`` (None: a random one).
        data_format: None (``keras.config.image_data_format()``) or ``"channels_last"``.
        **kwargs: ``keras.layers.Layer`` arguments (``name``, ...).

    Raises:
        RuntimeError: Keras is not running on the JAX backend (set
            ``KERAS_BACKEND=jax`` before importing keras).
        TypeError, ValueError: a bad argument (named in the message), or
            ``data_format="channels_first"``.

    Examples:
        >>> import numpy as np
        >>> from jaxaug._src.keras_layers import RandomAffine
        >>> layer = RandomAffine(rotation_range=20, zoom_range=0.1, horizontal_flip=True, seed=0)
        >>> x = np.zeros((2, 16, 16, 3), np.uint8)
        >>> layer(x, training=True).dtype
        dtype('uint8')
        >>> bool((layer(x) == x).all())  # not training: identity
        True
    """

    def __init__(
        self,
        rotation_range: float = 0.0,
        width_shift_range: float = 0.0,
        height_shift_range: float = 0.0,
        shear_range: float = 0.0,
        zoom_range: float | tuple[float, float] = 0.0,
        horizontal_flip: bool = False,
        vertical_flip: bool = False,
        fill_mode: str = "reflect",
        fill_value: float = 0.0,
        interpolation: str = "bilinear",
        seed: int | None = None,
        data_format: str | None = None,
        **kwargs,
    ):
        validation.check_choice("interpolation", interpolation, tuple(INTERPOLATIONS))
        config = sampling.AugmentConfig(
            rotation_range=rotation_range,
            width_shift_range=width_shift_range,
            height_shift_range=height_shift_range,
            shear_range=shear_range,
            zoom_range=zoom_range,
            horizontal_flip=horizontal_flip,
            vertical_flip=vertical_flip,
            fill_mode=_scipy_fill_mode(fill_mode),
            cval=fill_value,
            interpolation_order=INTERPOLATIONS[interpolation],
        )
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self._augment_config = config
        self.fill_mode = fill_mode
        self.interpolation = interpolation

    def get_config(self) -> dict[str, Any]:
        c = self._augment_config
        config = super().get_config()
        config.update(
            {
                "rotation_range": c.rotation_range,
                "width_shift_range": c.width_shift_range,
                "height_shift_range": c.height_shift_range,
                "shear_range": c.shear_range,
                "zoom_range": list(c.zoom_range),
                "horizontal_flip": c.horizontal_flip,
                "vertical_flip": c.vertical_flip,
                "fill_mode": self.fill_mode,
                "fill_value": c.cval,
                "interpolation": self.interpolation,
            }
        )
        return config


@keras.saving.register_keras_serializable(package="jaxaug")
class RandomColor(_AugmentLayer):
    """Random per-channel shift and brightness, ``ImageDataGenerator`` style (no resample).

    Equivalent to ``jaxaug.augment`` with an ``AugmentConfig`` holding only
    ``channel_shift_range`` and ``brightness_range``; put it after
    :class:`RandomAffine` to cover every ``ImageDataGenerator`` option with still
    one resample. Training mode only, like :class:`RandomAffine`; same key, dtype and
    layout rules.

    Args:
        channel_shift_range: each channel gets its own offset from U(-r, r) (in pixel
            units), then the image is clipped to its own [min, max].
        brightness_range: ``(lo, hi)`` multiplicative factor, or None.
        seed: int seed of the layer's ``SeedGenerator`` (None: a random one).
        data_format: None or ``"channels_last"``.
        **kwargs: ``keras.layers.Layer`` arguments.

    Examples:
        >>> import numpy as np
        >>> from jaxaug._src.keras_layers import RandomColor
        >>> layer = RandomColor(brightness_range=(0.5, 1.5), seed=0)
        >>> layer(np.full((1, 4, 4, 3), 100, np.uint8), training=True).shape
        (1, 4, 4, 3)
    """

    def __init__(
        self,
        channel_shift_range: float = 0.0,
        brightness_range: tuple[float, float] | None = None,
        seed: int | None = None,
        data_format: str | None = None,
        **kwargs,
    ):
        if isinstance(brightness_range, list):  # JSON (get_config) turns tuples into lists
            brightness_range = tuple(brightness_range)
        config = sampling.AugmentConfig(channel_shift_range=channel_shift_range, brightness_range=brightness_range)
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self._augment_config = config

    def get_config(self) -> dict[str, Any]:
        c = self._augment_config
        config = super().get_config()
        config.update(
            {
                "channel_shift_range": c.channel_shift_range,
                "brightness_range": None if c.brightness_range is None else list(c.brightness_range),
            }
        )
        return config


def _jsonable(value):
    """Tuples (and nested tuples) as lists: what ``get_config`` must return for a ``.keras`` file."""
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    return value


@keras.saving.register_keras_serializable(package="jaxaug")
class RandomAugment(_AugmentLayer):
    """ANY ``jaxaug.AugmentConfig`` as one Keras layer: one resample, one pixel chain.

    This is how chained augmentation fuses: where a model would chain Keras's
    ``RandomRotation``, ``RandomZoom``, ``RandomFlip``, ``RandomContrast``... (a resample
    per geometric layer), one ``RandomAugment`` with all the settings resamples each
    image once. Arguments are ``AugmentConfig``'s fields with its names and meanings
    (scipy ``fill_mode`` names, ``cval``, ``interpolation_order``), given as keywords or
    as a ready ``config=``. Training mode only; identity at inference. dtype in = dtype
    out; channels_last ``(B, H, W, C)`` or ``(H, W, C)``.

    Args:
        config: an ``AugmentConfig`` (or the dict from ``get_config``); or None and
            the config's fields as keywords.
        seed: int seed of the layer's ``SeedGenerator`` (None: a random one).
        data_format: None or ``"channels_last"``.
        **kwargs: ``AugmentConfig`` fields, then ``keras.layers.Layer`` arguments.

    Examples:
        >>> import numpy as np
        >>> from jaxaug._src.keras_layers import RandomAugment
        >>> layer = RandomAugment(rotation_range=20, horizontal_flip=True, brightness_range=(0.8, 1.2), seed=0)
        >>> layer(np.zeros((2, 16, 16, 3), np.uint8), training=True).dtype
        dtype('uint8')
        >>> RandomAugment.from_config(layer.get_config()).augment_config == layer.augment_config
        True
    """

    def __init__(self, config=None, *, seed: int | None = None, data_format: str | None = None, **kwargs):
        names = {f.name for f in dataclasses.fields(sampling.AugmentConfig)}
        fields = {k: kwargs.pop(k) for k in list(kwargs) if k in names}
        if config is None:
            config = sampling.AugmentConfig(**fields)
        elif fields:
            raise TypeError(f"Pass either `config` or AugmentConfig fields, not both (got {sorted(fields)}).")
        elif isinstance(config, dict):
            config = sampling.AugmentConfig(**config)
        elif not isinstance(config, sampling.AugmentConfig):
            raise TypeError(f"`config` must be a jaxaug.AugmentConfig, a dict of its fields or None, got {config!r}.")
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self._augment_config = config

    def get_config(self) -> dict[str, Any]:
        c = self._augment_config
        config = super().get_config()
        config["config"] = {f.name: _jsonable(getattr(c, f.name)) for f in dataclasses.fields(c)}
        return config


class _MixLayer(keras.layers.Layer):
    """MixUp / CutMix over ``jaxaug.mixup`` / ``jaxaug.cutmix`` (training mode only)."""

    _fn = None

    def __init__(self, alpha: float = 1.0, *, probability: float = 1.0, seed: int | None = None, **kwargs):
        keras_adapter.check_backend()
        kwargs.setdefault("autocast", False)
        super().__init__(**kwargs)
        self.alpha = validation.check_real("alpha", alpha, minimum=0.0, min_inclusive=False)
        self.probability = validation.check_real("probability", probability, minimum=0.0, maximum=1.0)
        self.seed = None if seed is None else validation.check_int("seed", seed)
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, data, training=None):
        """``data``: images ``(B, H, W, C)``, or ``{"images": x, "labels": y}`` (one-hot or soft)."""
        if not training:
            return data
        key = self.seed_generator.next()
        if isinstance(data, dict):
            images, labels = data["images"], data["labels"]
        else:
            images, labels = data, None
        y = labels if labels is not None else jax.numpy.zeros((images.shape[0], 1), jax.numpy.float32)
        fn = type(self)._fn
        x, y = fn(key, images, y, alpha=self.alpha, probability=self.probability)[:2]
        if not isinstance(data, dict):
            return x
        return {**data, "images": x, "labels": y.astype(labels.dtype)}

    def compute_output_shape(self, input_shape):
        return input_shape

    def compute_output_spec(self, data, training=None):
        return jax.tree.map(lambda t: keras.KerasTensor(t.shape, dtype=t.dtype), data)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"alpha": self.alpha, "probability": self.probability, "seed": self.seed})
        return config


@keras.saving.register_keras_serializable(package="jaxaug")
class MixUp(_MixLayer):
    """MixUp (``jaxaug.mixup``): per-example ``lambda ~ Beta(alpha, alpha)``, partners within the batch.

    Call it on images, or on ``{"images": x, "labels": one_hot}`` to mix the labels with
    the same lambda (Keras 3's ``MixUp`` convention). Training mode only.

    Examples:
        >>> import numpy as np
        >>> from jaxaug._src.keras_layers import MixUp
        >>> out = MixUp(alpha=0.4, seed=0)({"images": np.ones((4, 8, 8, 3), np.float32),
        ...                                 "labels": np.eye(4, dtype=np.float32)}, training=True)
        >>> out["labels"].shape
        (4, 4)
    """

    _fn = staticmethod(mixing.mixup)


@keras.saving.register_keras_serializable(package="jaxaug")
class CutMix(_MixLayer):
    """CutMix (``jaxaug.cutmix``): a partner's rectangle pasted per example, labels by pasted area.

    Call it on images, or on ``{"images": x, "labels": one_hot}``. Training mode only.

    Examples:
        >>> import numpy as np
        >>> from jaxaug._src.keras_layers import CutMix
        >>> CutMix(alpha=1.0, seed=0)(np.zeros((2, 8, 8, 3), np.uint8), training=True).dtype
        dtype('uint8')
    """

    _fn = staticmethod(mixing.cutmix)


class _PresetLayer(RandomAugment):
    """A :class:`RandomAugment` whose arguments are a named subset of ``AugmentConfig``'s fields."""

    _FIELDS: tuple[str, ...] = ()

    def __init__(self, *, seed: int | None = None, data_format: str | None = None, **kwargs):
        names = {f.name for f in dataclasses.fields(sampling.AugmentConfig)}
        fields = {k: kwargs.pop(k) for k in list(kwargs) if k in names}
        extra = sorted(set(fields) - set(self._FIELDS))
        if extra:
            raise TypeError(f"{type(self).__name__} takes {self._FIELDS}; got {extra} (use RandomAugment).")
        fields = {k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()}
        kwargs.pop("config", None)  # from get_config: the fields below rebuild it
        super().__init__(sampling.AugmentConfig(**fields), seed=seed, data_format=data_format, **kwargs)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        c = config.pop("config")
        config.update({name: c[name] for name in self._FIELDS})
        return config


@keras.saving.register_keras_serializable(package="jaxaug")
class RandomResizedCrop(_PresetLayer):
    """Random resized crop (Inception/torchvision) to ``output_size``, in ONE resample.

    Args: ``output_size`` (required), ``crop_scale`` (default (0.08, 1.0)),
    ``crop_ratio``, ``horizontal_flip``, ``interpolation_order``, ``fill_mode``,
    ``cval`` (AugmentConfig's meanings), ``seed``, ``data_format``. Training mode only;
    at inference the layer RESIZES to ``output_size`` (so shapes match in both modes).

    Examples:
        >>> import numpy as np
        >>> from jaxaug._src.keras_layers import RandomResizedCrop
        >>> layer = RandomResizedCrop(output_size=(8, 8), seed=0)
        >>> layer(np.zeros((2, 16, 12, 3), np.uint8), training=True).shape, layer(np.zeros((2, 16, 12, 3))).shape
        ((2, 8, 8, 3), (2, 8, 8, 3))
    """

    _FIELDS = ("output_size", "crop_scale", "crop_ratio", "horizontal_flip", "interpolation_order", "fill_mode", "cval")

    def __init__(self, output_size, crop_scale=(0.08, 1.0), **kwargs):
        super().__init__(output_size=tuple(output_size), crop_scale=tuple(crop_scale), **kwargs)

    def call(self, inputs, training=None):
        if training:
            return super().call(inputs, training=True)
        size = self._augment_config.output_size
        resize = jax.vmap(lambda x: warps.resize(x, size, order=self._augment_config.interpolation_order))
        single = len(inputs.shape) == 3
        out = resize(inputs[None] if single else inputs)
        return out[0] if single else out

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-3]) + tuple(self._augment_config.output_size) + (input_shape[-1],)

    def compute_output_spec(self, inputs, training=None):
        return keras.KerasTensor(self.compute_output_shape(inputs.shape), dtype=inputs.dtype)


@keras.saving.register_keras_serializable(package="jaxaug")
class RandomPerspective(_PresetLayer):
    """Random perspective: each corner moves inward by up to ``perspective_range`` x half the side.

    Examples:
        >>> import numpy as np
        >>> from jaxaug._src.keras_layers import RandomPerspective
        >>> RandomPerspective(perspective_range=0.3, seed=0)(np.zeros((1, 8, 8, 3)), training=True).shape
        (1, 8, 8, 3)
    """

    _FIELDS = ("perspective_range", "interpolation_order", "fill_mode", "cval")


@keras.saving.register_keras_serializable(package="jaxaug")
class RandomElastic(_PresetLayer):
    """Elastic warp (Simard et al.): a smoothed random field of ``elastic_sigma`` px scaled by ``elastic_alpha`` px.

    Memory is O(B * H * W) (a separable blur of the field), unlike a dense kernel.

    Examples:
        >>> import numpy as np
        >>> from jaxaug._src.keras_layers import RandomElastic
        >>> RandomElastic(elastic_alpha=4.0, elastic_sigma=3.0, seed=0)(np.zeros((1, 8, 8, 3)), training=True).shape
        (1, 8, 8, 3)
    """

    _FIELDS = ("elastic_alpha", "elastic_sigma", "interpolation_order", "fill_mode", "cval")


@keras.saving.register_keras_serializable(package="jaxaug")
class RandomColorJitter(_PresetLayer):
    """Brightness, contrast, saturation and hue, drawn per example, in one fused chain (no resample).

    Examples:
        >>> import numpy as np
        >>> from jaxaug._src.keras_layers import RandomColorJitter
        >>> layer = RandomColorJitter(contrast_range=(0.6, 1.4), hue_range=(-0.1, 0.1), seed=0)
        >>> layer(np.zeros((2, 8, 8, 3), np.uint8), training=True).dtype
        dtype('uint8')
    """

    _FIELDS = ("brightness_range", "contrast_range", "saturation_range", "hue_range", "max_value")


@keras.saving.register_keras_serializable(package="jaxaug")
class RandomErasing(_PresetLayer):
    """Random erasing (Zhong et al.): a rectangle per example, with probability ``erasing_probability``.

    Examples:
        >>> import numpy as np
        >>> from jaxaug._src.keras_layers import RandomErasing
        >>> RandomErasing(erasing_probability=1.0, seed=0)(np.ones((1, 8, 8, 3)), training=True).shape
        (1, 8, 8, 3)
    """

    _FIELDS = ("erasing_probability", "erasing_scale", "erasing_ratio", "erasing_value", "max_value")


class _PolicyLayer(keras.layers.Layer):
    """A policy (``jaxaug.rand_augment`` ...) as a layer: its keyword arguments are the layer's."""

    _policy = None
    _ARGS: tuple[str, ...] = ()

    def __init__(self, *, seed: int | None = None, **kwargs):
        keras_adapter.check_backend()
        args = {k: kwargs.pop(k) for k in list(kwargs) if k in self._ARGS}
        kwargs.setdefault("autocast", False)
        super().__init__(**kwargs)
        self.seed = None if seed is None else validation.check_int("seed", seed)
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.policy_args = {k: tuple(v) if isinstance(v, list) else v for k, v in args.items()}
        # Validate now: the policy raises named errors for bad arguments while it is traced, so tracing it on a
        # tiny abstract batch checks them without compiling (running it compiled the whole policy: 3.6 s for AugMix).
        images = jax.ShapeDtypeStruct((1, 2, 2, 3), jax.numpy.uint8)
        jax.eval_shape(functools.partial(type(self)._policy, **self.policy_args), jax.random.key(0), images)

    def call(self, inputs, training=None):
        if not training:
            return inputs
        single = len(inputs.shape) == 3
        out = type(self)._policy(self.seed_generator.next(), inputs[None] if single else inputs, **self.policy_args)
        return out[0] if single else out

    def compute_output_shape(self, input_shape):
        return input_shape

    def compute_output_spec(self, inputs, training=None):
        return keras.KerasTensor(inputs.shape, dtype=inputs.dtype)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"seed": self.seed, **{k: _jsonable(v) for k, v in self.policy_args.items()}})
        return config


@keras.saving.register_keras_serializable(package="jaxaug")
class RandAugment(_PolicyLayer):
    """RandAugment per example (``jaxaug.rand_augment``): its own ops and magnitudes for every image.

    Examples:
        >>> import numpy as np
        >>> from jaxaug._src.keras_layers import RandAugment
        >>> RandAugment(num_ops=2, magnitude=9, seed=0)(np.zeros((2, 8, 8, 3), np.uint8), training=True).dtype
        dtype('uint8')
    """

    _policy = staticmethod(policies.rand_augment)
    _ARGS = ("num_ops", "magnitude", "num_magnitude_bins", "ops", "order", "mode", "cval", "max_value")


@keras.saving.register_keras_serializable(package="jaxaug")
class TrivialAugment(_PolicyLayer):
    """TrivialAugment Wide per example (``jaxaug.trivial_augment``).

    Examples:
        >>> import numpy as np
        >>> from jaxaug._src.keras_layers import TrivialAugment
        >>> TrivialAugment(seed=0)(np.zeros((2, 8, 8, 3), np.uint8), training=True).shape
        (2, 8, 8, 3)
    """

    _policy = staticmethod(policies.trivial_augment)
    _ARGS = ("num_magnitude_bins", "ops", "order", "mode", "cval", "max_value")


@keras.saving.register_keras_serializable(package="jaxaug")
class AugMix(_PolicyLayer):
    """AugMix per example (``jaxaug.augmix``).

    Examples:
        >>> import numpy as np
        >>> from jaxaug._src.keras_layers import AugMix
        >>> AugMix(severity=3, seed=0)(np.zeros((2, 8, 8, 3), np.float32), training=True).shape
        (2, 8, 8, 3)
    """

    _policy = staticmethod(policies.augmix)
    _ARGS = ("severity", "width", "depth", "alpha", "all_ops", "ops", "order", "mode", "cval", "max_value")
