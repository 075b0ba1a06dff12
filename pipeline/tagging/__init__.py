"""Batch tagging: readers, writers, the runner (nlp.pipe, resume), the Dask engine."""
