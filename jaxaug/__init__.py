"""jaxaug: ImageDataGenerator-style image augmentation as pure, jitted JAX functions.

The core API: matrix builders, key-first samplers, one scipy-exact resampler, colour
ops and the fused ``augment``. Integrations live in ``jaxaug.preprocessing.image``
(Keras legacy drop-in), ``jaxaug.grain`` and ``jaxaug.keras``; importing ``jaxaug``
imports neither Keras nor grain.
"""

from importlib import metadata as _metadata

from jaxaug._src.augment import augment as augment
from jaxaug._src.augment import augment_image as augment_image
from jaxaug._src.augment import example_keys as example_keys
from jaxaug._src.color import adjust_brightness as adjust_brightness
from jaxaug._src.color import random_brightness as random_brightness
from jaxaug._src.color import random_channel_shift as random_channel_shift
from jaxaug._src.color import shift_channels as shift_channels
from jaxaug._src.matrices import center_matrix as center_matrix
from jaxaug._src.matrices import compose as compose
from jaxaug._src.matrices import flip_matrix as flip_matrix
from jaxaug._src.matrices import identity_matrix as identity_matrix
from jaxaug._src.matrices import offset_matrix as offset_matrix
from jaxaug._src.matrices import rotation_matrix as rotation_matrix
from jaxaug._src.matrices import shear_matrix as shear_matrix
from jaxaug._src.matrices import translation_matrix as translation_matrix
from jaxaug._src.matrices import zoom_matrix as zoom_matrix
from jaxaug._src.resample import MODES as MODES
from jaxaug._src.resample import affine_transform as affine_transform
from jaxaug._src.sampling import AugmentConfig as AugmentConfig
from jaxaug._src.sampling import AugmentParams as AugmentParams
from jaxaug._src.sampling import params_to_matrix as params_to_matrix
from jaxaug._src.sampling import random_affine_matrix as random_affine_matrix
from jaxaug._src.sampling import random_rotation_matrix as random_rotation_matrix
from jaxaug._src.sampling import sample_params as sample_params
from jaxaug._src.sharding import data_sharding as data_sharding
from jaxaug._src.sharding import make_global_batch as make_global_batch

try:
    __version__ = _metadata.version("jaxaug")
except _metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = (
    "AugmentConfig",
    "AugmentParams",
    "MODES",
    "adjust_brightness",
    "affine_transform",
    "augment",
    "augment_image",
    "center_matrix",
    "compose",
    "data_sharding",
    "example_keys",
    "flip_matrix",
    "identity_matrix",
    "make_global_batch",
    "offset_matrix",
    "params_to_matrix",
    "random_affine_matrix",
    "random_brightness",
    "random_channel_shift",
    "random_rotation_matrix",
    "rotation_matrix",
    "sample_params",
    "shear_matrix",
    "shift_channels",
    "translation_matrix",
    "zoom_matrix",
)
