"""Keras-compatible preprocessing modules (``jaxaug.preprocessing.image``)."""
