"""Drop-in replacement for Keras's legacy ``keras.preprocessing.image`` module.

Change one import::

    from jaxaug.preprocessing.image import ImageDataGenerator

and everything else (parameters, iterators, labels, file order, validation split,
``fit``, ``standardize``, outputs for the same seed) behaves as in Keras 3's legacy
``ImageDataGenerator``, with each batch's geometry resampled in one jitted JAX call.
Importing this module imports Keras when it is installed (the iterators are
``keras.utils.PyDataset`` subclasses then); ``import jaxaug`` does not.
"""

from jaxaug._src.files import array_to_img as array_to_img
from jaxaug._src.files import img_to_array as img_to_array
from jaxaug._src.files import load_img as load_img
from jaxaug._src.files import save_img as save_img
from jaxaug._src.files import smart_resize as smart_resize
from jaxaug._src.iterators import DataFrameIterator as DataFrameIterator
from jaxaug._src.iterators import DirectoryIterator as DirectoryIterator
from jaxaug._src.iterators import Iterator as Iterator
from jaxaug._src.iterators import NumpyArrayIterator as NumpyArrayIterator
from jaxaug._src.legacy import ImageDataGenerator as ImageDataGenerator
from jaxaug._src.legacy import apply_affine_transform as apply_affine_transform
from jaxaug._src.legacy import apply_brightness_shift as apply_brightness_shift
from jaxaug._src.legacy import apply_channel_shift as apply_channel_shift
from jaxaug._src.legacy import flip_axis as flip_axis
from jaxaug._src.legacy import random_brightness as random_brightness
from jaxaug._src.legacy import random_channel_shift as random_channel_shift
from jaxaug._src.legacy import random_rotation as random_rotation
from jaxaug._src.legacy import random_shear as random_shear
from jaxaug._src.legacy import random_shift as random_shift
from jaxaug._src.legacy import random_zoom as random_zoom
from jaxaug._src.legacy import transform_matrix_offset_center as transform_matrix_offset_center

__all__ = (
    "DataFrameIterator",
    "DirectoryIterator",
    "ImageDataGenerator",
    "Iterator",
    "NumpyArrayIterator",
    "apply_affine_transform",
    "apply_brightness_shift",
    "apply_channel_shift",
    "array_to_img",
    "flip_axis",
    "img_to_array",
    "load_img",
    "random_brightness",
    "random_channel_shift",
    "random_rotation",
    "random_shear",
    "random_shift",
    "random_zoom",
    "save_img",
    "smart_resize",
    "transform_matrix_offset_center",
)
