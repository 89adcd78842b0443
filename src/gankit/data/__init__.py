"""Datasets and their batch streams."""

from gankit.data.source import BatchStream, Source, build_source, data_shape

__all__ = ["BatchStream", "Source", "build_source", "data_shape"]
