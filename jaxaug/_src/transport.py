"""Host batches in, host batches out: the drop-in's one jitted engine call per batch.

Both halves of the Keras drop-in use this module (``legacy.py``, the generator, and
``iterators.py``, the iterators); neither imports the other for it.

* :func:`device_batch` runs :func:`jaxaug._src.engine.apply` on a numpy batch with
  given per-example params (Keras's numpy draws mapped by ``legacy.keras_params``),
  warps paired masks with the SAME matrices (``masks.warp``) in the same call, pads
  short batches to a fixed size so the last batch of an epoch reuses the compiled
  program, and returns writable numpy arrays.
* :class:`Rows`, :func:`aligned_copy` and :func:`device_view` let a dataset that lives
  in host memory be read by the jitted call without a host gather or a copy (a
  zero-copy DLPack view, CPU backend only).
"""

from __future__ import annotations

import functools
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxaug._src import engine, sampling
from jaxaug._src import masks as masks_lib


def jax_dtype(dtype) -> np.dtype:
    """The dtype JAX stores ``dtype`` in (``float64`` becomes ``float32`` unless x64 is on)."""
    return np.dtype(jax.dtypes.canonicalize_dtype(np.dtype(dtype)))


class Rows:
    """The batch ``host[index]`` of a dataset that is also visible to JAX, without the host gather.

    ``device`` is a JAX array over the SAME memory as ``host`` (a zero-copy DLPack
    import on the CPU backend, see :func:`device_view`), so the jitted warp reads the
    batch's rows straight from the dataset: no host gather, no transfer. Indexing a
    ``Rows`` gives the host row, so per-image steps work as on a numpy batch.
    """

    def __init__(self, host: np.ndarray, device: jax.Array, index):
        self.host, self.device = host, device
        self.index = np.asarray(index, dtype=np.int64)
        self.shape = (len(self.index),) + host.shape[1:]
        self.dtype = host.dtype

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, i):
        return self.host[self.index[i]]


def aligned_copy(x: np.ndarray, dtype=None) -> np.ndarray:
    """A C-contiguous copy of ``x`` (cast to ``dtype``) starting on a 64-byte boundary (DLPack-importable)."""
    dtype = np.dtype(x.dtype if dtype is None else dtype)
    nbytes = x.size * dtype.itemsize
    buf = np.empty(nbytes + 64, np.uint8)
    start = -buf.ctypes.data % 64
    out = buf[start : start + nbytes].view(dtype).reshape(x.shape)
    out[...] = x
    return out


def device_view(x: np.ndarray):
    """A JAX array sharing ``x``'s memory, or None where that is not possible.

    Only on the CPU backend (elsewhere device memory is separate), for C-contiguous,
    64-byte-aligned arrays of a dtype JAX keeps (not float64 without x64).
    """
    if jax.default_backend() != "cpu" or x.ndim == 0 or jax_dtype(x.dtype) != x.dtype or not x.flags.c_contiguous:
        return None
    try:
        view = jnp.from_dlpack(x, copy=False)
    except (ValueError, TypeError, RuntimeError, BufferError):
        return None
    return view if view.unsafe_buffer_pointer() == x.ctypes.data else None


@functools.partial(
    jax.jit, static_argnames=("plan", "dtype", "channels_first", "mask_fill", "mask_fill_mode", "masks_first")
)
def _device_batch(
    source, index, params, cval, pivot, masks, *, plan, dtype, channels_first, mask_fill, mask_fill_mode, masks_first
):
    images = source if index is None else jnp.take(source, index, axis=0)
    if channels_first:
        images = jnp.moveaxis(images, 1, -1)
    out = engine.apply(images, params, plan, cval, pivot=pivot, dtype=jnp.dtype(dtype))
    x = out.images
    if channels_first:
        x = jnp.moveaxis(x, -1, 1)
    if masks is None:
        return x, None
    m = jnp.moveaxis(masks, 1, -1) if masks_first else masks
    u, v = engine.coordinate_maps(out, plan, images.shape[1:])
    m = masks_lib.warp(m, u, v, fill_mode=mask_fill_mode, cval=cval, mask_fill=mask_fill)
    return x, (jnp.moveaxis(m, -1, 1) if masks_first else m)


def _pad(x: np.ndarray, size: int, fill=0) -> np.ndarray:
    if size <= len(x):
        return x
    return np.concatenate([x, np.full((size - len(x),) + x.shape[1:], fill, x.dtype)])


def device_batch(
    images,
    params: sampling.AugmentParams,
    plan: engine.Plan,
    *,
    cval: float,
    pivot: Any = None,
    pad_to: int = 0,
    dtype=None,
    channels_first: bool = False,
    masks: np.ndarray | None = None,
    mask_fill: Any = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Runs the engine on a host batch with given params, in one jitted call.

    Args:
        images: ``(B, H, W, C)`` numpy batch (``(B, C, H, W)`` with ``channels_first``),
            or :class:`Rows` of a dataset (gathered on the device).
        params: ``AugmentParams`` of numpy arrays with leading dim ``B``.
        plan: the engine's static :class:`~jaxaug._src.engine.Plan`.
        cval: fill value (scipy semantics of ``plan.mode``).
        pivot: optional ``(row, col)`` pivot of rotation, shear and zoom.
        pad_to: pad the batch with zeros / identity params up to this size, so that a
            short final batch reuses the compiled program instead of compiling again.
        dtype: dtype of the result (default: ``images.dtype``). A ``uint8`` batch with
            ``dtype="float32"`` gives exactly the result for ``images.astype("float32")``:
            the conversion happens on the device, so a quarter of the bytes travel.
        channels_first: the batch is ``(B, C, H, W)``; the result is too.
        masks: optional ``(B, H, W)`` or ``(B, H, W, K)`` (``(B, K, H, W)`` for
            channels-first) label maps, warped with the same matrices (``masks.warp``).
        mask_fill: the masks' fill label (``masks.fill_rule``); None: ``plan.mode`` and ``cval``.

    Returns:
        ``(images, masks)``: new, writable numpy arrays (float64 results are computed in
        float32 unless JAX runs with x64 enabled); masks None without masks.
    """
    n = images.shape[0]
    size = max(pad_to, n)
    out_dtype = np.dtype(images.dtype if dtype is None else dtype)
    work = jax_dtype(out_dtype)
    identity = jax.tree.map(lambda p: np.zeros(np.shape(p)[1:], np.asarray(p).dtype), params)
    identity = identity._replace(zy=np.float32(1), zx=np.float32(1), brightness=np.float32(1))
    params = jax.tree.map(lambda p, e: _pad(np.asarray(p), size, e), params, identity)
    if isinstance(images, Rows):
        source, index = images.device, _pad(images.index.astype(np.int32), size)
    else:
        source, index = _pad(images.astype(jax_dtype(images.dtype), copy=False), size), None
    masks_first = False
    if masks is not None:
        masks_first = channels_first and masks.ndim == 4
        masks = _pad(masks.astype(jax_dtype(masks.dtype), copy=False), size)
    x, m = _device_batch(
        source,
        index,
        params,
        np.float32(cval),
        None if pivot is None else np.asarray(pivot, np.float32),
        masks,
        plan=plan,
        mask_fill=mask_fill,
        dtype=work.name,
        channels_first=channels_first,
        mask_fill_mode=plan.mode,
        masks_first=masks_first,
    )
    # One copy device -> host into a writable array (standardize works in place, as in Keras).
    host = np.asarray(x)[:n]
    host = host.astype(out_dtype) if work != out_dtype else np.array(host)
    return host, None if m is None else np.array(np.asarray(m)[:n])
