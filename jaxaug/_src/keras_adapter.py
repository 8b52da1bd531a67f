"""Hands jaxaug pipelines to Keras 3 ``fit``/``evaluate``/``predict`` on the JAX backend.

Keras 3.15 takes grain datasets directly, but a finite one replays the same shuffle and
augmentation every epoch (Keras restarts it from index 0) and warns that it "ran out of
data". The helpers here give Keras an endless grain ``IterDataset`` of the loader's
``(images, labels)`` ``jax.Array`` batches plus ``steps_per_epoch = len(loader)``, so
Keras keeps ONE iterator across epochs and epoch ``e`` of ``fit`` is epoch ``e`` of the
loader: reshuffled and re-augmented. Batches stay on the device (Keras's JAX trainer
does not copy arrays that are already placed).

Keras is imported lazily, inside the functions.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from jaxaug._src import validation

_BACKEND_HINT = (
    "jaxaug.keras needs the Keras 3 JAX backend. Set the environment variable KERAS_BACKEND=jax "
    "BEFORE keras is first imported, e.g. `KERAS_BACKEND=jax python train.py`, or at the top of your "
    "script: `import os; os.environ['KERAS_BACKEND'] = 'jax'` (then `import keras`)."
)


def check_backend() -> None:
    """Raises ``RuntimeError`` unless Keras 3 is importable and runs on the JAX backend."""
    try:
        import keras
    except ImportError as err:
        raise RuntimeError(f"Cannot import keras ({err}). {_BACKEND_HINT}") from err
    backend = keras.backend.backend()
    if backend != "jax":
        configured = os.environ.get("KERAS_BACKEND")
        where = f"KERAS_BACKEND={configured!r}" if configured else "no KERAS_BACKEND set (keras.json default)"
        raise RuntimeError(f"Keras is running on the {backend!r} backend ({where}). {_BACKEND_HINT}")


def _loader_type():
    # Only look for grain pipelines if jaxaug.grain was imported (never import grain here).
    module = sys.modules.get("jaxaug._src.grain_loader")
    return None if module is None else module.DirectoryLoader


def _is_loader(data: Any) -> bool:
    cls = _loader_type()
    return cls is not None and isinstance(data, cls)


def _is_grain_dataset(data: Any) -> bool:
    grain = sys.modules.get("grain")
    return grain is not None and isinstance(data, (grain.MapDataset, grain.IterDataset))


def as_keras_dataset(data: Any, *, start_epoch: int = 0):
    """Returns what to pass to Keras as ``x`` (or ``validation_data``) for ``data``.

    Args:
        data: A ``jaxaug.grain.DirectoryLoader`` (becomes its grain ``IterDataset`` of
            ``(images, labels)`` ``jax.Array`` batches), a ``keras.utils.PyDataset``
            such as the ``jaxaug.preprocessing.image`` iterators, or a grain
            ``MapDataset``/``IterDataset`` (both passed through unchanged).
        start_epoch: For a loader: the epoch to start from (resuming with Keras's
            ``initial_epoch``).

    Raises:
        RuntimeError: Keras is not on the JAX backend (says how to fix it).
        TypeError: ``data`` is none of the above.
        ValueError: A loader built with ``return_ids=True``, or, under
            ``keras.distribution.DataParallel``, a loader whose per-process batches do not
            split evenly over this process's devices (see
            ``DirectoryLoader.check_data_parallel``).
    """
    check_backend()
    import keras

    start_epoch = validation.check_int("start_epoch", start_epoch, minimum=0)
    if _is_loader(data):
        if data.return_ids:
            raise ValueError(
                "This loader was built with return_ids=True: Keras would read the ids as sample weights. "
                "Build the loader you pass to Keras without return_ids."
            )
        _check_data_parallel(data)
        return data.iter_dataset(start_epoch) if start_epoch else data.dataset
    if start_epoch:
        raise ValueError(f"`start_epoch` applies to a jaxaug.grain loader only, got {type(data).__name__}.")
    if isinstance(data, keras.utils.PyDataset) or _is_grain_dataset(data):
        return data
    raise TypeError(
        "`data` must be a jaxaug.grain loader (jaxaug.grain.flow_from_directory), a keras.utils.PyDataset "
        f"(e.g. a jaxaug.preprocessing.image iterator) or a grain MapDataset/IterDataset, got {type(data).__name__}."
    )


def _check_data_parallel(loader: Any) -> None:
    """Under ``keras.distribution.DataParallel``, checks that the loader's batches split over local devices.

    Keras shards each per-process batch over this process's devices of the distribution's
    mesh and fails deep inside ``fit`` (or waits forever on other processes) otherwise.
    """
    import jax
    import keras

    distribution = keras.distribution.distribution()
    if not isinstance(distribution, keras.distribution.DataParallel):
        return
    # A DataParallel mesh is 1-D over the devices of all processes, the same number per process.
    local_devices = max(1, distribution.device_mesh.devices.size // jax.process_count())
    loader.check_data_parallel(local_devices)


def _steps(data: Any) -> int | None:
    return len(data) if _is_loader(data) else None


def fit_kwargs(train: Any, *, validation_data: Any = None, initial_epoch: int = 0) -> dict[str, Any]:
    """Keyword arguments for ``model.fit``: ``model.fit(**fit_kwargs(train, ...), epochs=E)``.

    For a jaxaug grain loader: ``x`` (the loader's endless grain dataset, started at
    ``initial_epoch``), ``steps_per_epoch=len(train)`` and ``shuffle=False`` (the loader
    shuffles; Keras would only warn). A ``validation_data`` loader adds
    ``validation_data`` and ``validation_steps=len(validation_data)``: each validation
    pass is exactly one of its epochs (Keras restarts it every time). PyDatasets and
    grain datasets are passed through as they are.

    Args:
        train: Training data (see :func:`as_keras_dataset`).
        validation_data: Optional validation data, same kinds.
        initial_epoch: Epoch to start from; also passed on as ``fit``'s ``initial_epoch``
            so Keras numbers the epochs the same way (use ``epochs`` > it).

    Returns:
        A dict with ``x``, ``shuffle``, ``initial_epoch`` and, where known,
        ``steps_per_epoch``, ``validation_data`` and ``validation_steps``.

    Examples:
        >>> history = model.fit(**jaxaug.keras.fit_kwargs(train, validation_data=val), epochs=5)  # doctest: +SKIP
    """
    initial_epoch = validation.check_int("initial_epoch", initial_epoch, minimum=0)
    kwargs: dict[str, Any] = {"x": as_keras_dataset(train, start_epoch=initial_epoch), "shuffle": False}
    if initial_epoch:
        kwargs["initial_epoch"] = initial_epoch
    steps = _steps(train)
    if steps is not None:
        kwargs["steps_per_epoch"] = steps
    if validation_data is not None:
        kwargs["validation_data"] = as_keras_dataset(validation_data)
        val_steps = _steps(validation_data)
        if val_steps is not None:
            kwargs["validation_steps"] = val_steps
    return kwargs


def eval_kwargs(data: Any) -> dict[str, Any]:
    """Keyword arguments for ``model.evaluate`` / ``model.predict``: ``x`` and ``steps``.

    ``steps = len(data)`` for a jaxaug grain loader: one epoch, in the loader's order
    (build it with ``shuffle=False`` to line predictions up with ``loader.filenames``).

    Examples:
        >>> model.evaluate(**jaxaug.keras.eval_kwargs(val))  # doctest: +SKIP
    """
    kwargs: dict[str, Any] = {"x": as_keras_dataset(data)}
    steps = _steps(data)
    if steps is not None:
        kwargs["steps"] = steps
    return kwargs
