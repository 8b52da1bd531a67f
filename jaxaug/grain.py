"""jaxaug for grain: a ``flow_from_directory`` pipeline with augmentation on the device.

Importing this module imports grain (install ``jaxaug[grain]``); ``import jaxaug`` does not.

Usage::

    import jaxaug, jaxaug.grain

    loader = jaxaug.grain.flow_from_directory(
        "data/train", seed=0, augment=jaxaug.AugmentConfig(rotation_range=20), target_size=(64, 64)
    )
    for images, labels in loader:  # jax.Array batches, fresh augmentation every epoch
        ...
"""

from jaxaug._src.grain_loader import CLASS_MODES as CLASS_MODES
from jaxaug._src.grain_loader import AddEpoch as AddEpoch
from jaxaug._src.grain_loader import AugmentBatch as AugmentBatch
from jaxaug._src.grain_loader import DecodeImage as DecodeImage
from jaxaug._src.grain_loader import DirectoryLoader as DirectoryLoader
from jaxaug._src.grain_loader import ImageFolderSource as ImageFolderSource
from jaxaug._src.grain_loader import Mixing as Mixing
from jaxaug._src.grain_loader import enable_multiprocessing as enable_multiprocessing
from jaxaug._src.grain_loader import flow_from_directory as flow_from_directory
from jaxaug._src.grain_loader import stack_records as stack_records

__all__ = (
    "CLASS_MODES",
    "AddEpoch",
    "AugmentBatch",
    "DecodeImage",
    "DirectoryLoader",
    "ImageFolderSource",
    "Mixing",
    "enable_multiprocessing",
    "flow_from_directory",
    "stack_records",
)
