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
from jaxaug._src.color import adjust_contrast as adjust_contrast
from jaxaug._src.color import adjust_gamma as adjust_gamma
from jaxaug._src.color import adjust_hue as adjust_hue
from jaxaug._src.color import adjust_saturation as adjust_saturation
from jaxaug._src.color import adjust_sharpness as adjust_sharpness
from jaxaug._src.color import autocontrast as autocontrast
from jaxaug._src.color import equalize as equalize
from jaxaug._src.color import erase as erase
from jaxaug._src.color import gaussian_blur as gaussian_blur
from jaxaug._src.color import invert as invert
from jaxaug._src.color import posterize as posterize
from jaxaug._src.color import random_brightness as random_brightness
from jaxaug._src.color import random_channel_shift as random_channel_shift
from jaxaug._src.color import rgb_to_grayscale as rgb_to_grayscale
from jaxaug._src.color import shift_channels as shift_channels
from jaxaug._src.color import solarize as solarize
from jaxaug._src.files import FileListing as FileListing
from jaxaug._src.files import ImageFileError as ImageFileError
from jaxaug._src.files import SkippedFilesWarning as SkippedFilesWarning
from jaxaug._src.files import decode_image as decode_image
from jaxaug._src.files import list_directory as list_directory
from jaxaug._src.files import load_images as load_images
from jaxaug._src.matrices import center_matrix as center_matrix
from jaxaug._src.matrices import compose as compose
from jaxaug._src.matrices import flip_matrix as flip_matrix
from jaxaug._src.matrices import identity_matrix as identity_matrix
from jaxaug._src.matrices import offset_matrix as offset_matrix
from jaxaug._src.matrices import rotation_matrix as rotation_matrix
from jaxaug._src.matrices import shear_matrix as shear_matrix
from jaxaug._src.matrices import translation_matrix as translation_matrix
from jaxaug._src.matrices import zoom_matrix as zoom_matrix
from jaxaug._src.mixing import cutmix as cutmix
from jaxaug._src.mixing import mixup as mixup
from jaxaug._src.policies import augmix as augmix
from jaxaug._src.policies import rand_augment as rand_augment
from jaxaug._src.policies import trivial_augment as trivial_augment
from jaxaug._src.preview import preview_grid as preview_grid
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
from jaxaug._src.targets import Augmented as Augmented
from jaxaug._src.targets import augment_with_targets as augment_with_targets
from jaxaug._src.targets import invert_matrix as invert_matrix
from jaxaug._src.targets import transform_boxes as transform_boxes
from jaxaug._src.targets import transform_points as transform_points
from jaxaug._src.warps import center_crop as center_crop
from jaxaug._src.warps import homography_matrix as homography_matrix
from jaxaug._src.warps import perspective_transform as perspective_transform
from jaxaug._src.warps import resize as resize
from jaxaug._src.warps import resized_crop as resized_crop

try:
    __version__ = _metadata.version("jaxaug")
except _metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = (
    "AugmentConfig",
    "AugmentParams",
    "Augmented",
    "FileListing",
    "ImageFileError",
    "MODES",
    "SkippedFilesWarning",
    "adjust_brightness",
    "adjust_contrast",
    "adjust_gamma",
    "adjust_hue",
    "adjust_saturation",
    "adjust_sharpness",
    "affine_transform",
    "augment",
    "augment_image",
    "augment_with_targets",
    "augmix",
    "autocontrast",
    "center_crop",
    "center_matrix",
    "compose",
    "cutmix",
    "data_sharding",
    "decode_image",
    "equalize",
    "erase",
    "example_keys",
    "flip_matrix",
    "gaussian_blur",
    "homography_matrix",
    "identity_matrix",
    "invert",
    "invert_matrix",
    "list_directory",
    "load_images",
    "make_global_batch",
    "mixup",
    "offset_matrix",
    "params_to_matrix",
    "perspective_transform",
    "posterize",
    "preview_grid",
    "rand_augment",
    "random_affine_matrix",
    "random_brightness",
    "random_channel_shift",
    "random_rotation_matrix",
    "resize",
    "resized_crop",
    "rgb_to_grayscale",
    "rotation_matrix",
    "sample_params",
    "shear_matrix",
    "shift_channels",
    "solarize",
    "transform_boxes",
    "transform_points",
    "translation_matrix",
    "trivial_augment",
    "zoom_matrix",
)
