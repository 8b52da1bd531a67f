"""jaxaug for Keras 3 (JAX backend): feed jaxaug pipelines to ``fit``/``evaluate``/``predict``.

Importing this module imports keras (install ``jaxaug[keras]``; ``import jaxaug`` does not):
set ``KERAS_BACKEND=jax`` first. It also registers the layers for ``keras.saving.load_model``.

Usage::

    import jaxaug.keras

    model.fit(**jaxaug.keras.fit_kwargs(train_loader, validation_data=val_loader), epochs=5)
    model.evaluate(**jaxaug.keras.eval_kwargs(val_loader))
"""

from jaxaug._src.keras_adapter import as_keras_dataset as as_keras_dataset
from jaxaug._src.keras_adapter import check_backend as check_backend
from jaxaug._src.keras_adapter import eval_kwargs as eval_kwargs
from jaxaug._src.keras_adapter import fit_kwargs as fit_kwargs
from jaxaug._src.keras_layers import AugMix as AugMix
from jaxaug._src.keras_layers import CutMix as CutMix
from jaxaug._src.keras_layers import MixUp as MixUp
from jaxaug._src.keras_layers import RandAugment as RandAugment
from jaxaug._src.keras_layers import RandomAffine as RandomAffine
from jaxaug._src.keras_layers import RandomAugment as RandomAugment
from jaxaug._src.keras_layers import RandomColor as RandomColor
from jaxaug._src.keras_layers import RandomColorJitter as RandomColorJitter
from jaxaug._src.keras_layers import RandomElastic as RandomElastic
from jaxaug._src.keras_layers import RandomErasing as RandomErasing
from jaxaug._src.keras_layers import RandomPerspective as RandomPerspective
from jaxaug._src.keras_layers import RandomResizedCrop as RandomResizedCrop
from jaxaug._src.keras_layers import TrivialAugment as TrivialAugment

__all__ = (
    "AugMix",
    "CutMix",
    "MixUp",
    "RandAugment",
    "RandomAffine",
    "RandomAugment",
    "RandomColor",
    "RandomColorJitter",
    "RandomElastic",
    "RandomErasing",
    "RandomPerspective",
    "RandomResizedCrop",
    "TrivialAugment",
    "as_keras_dataset",
    "check_backend",
    "eval_kwargs",
    "fit_kwargs",
)
