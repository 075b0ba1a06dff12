"""Builds the compiled core of the pkuseg segmenter (``pipeline/segmenter/_core.pyx``); the rest is in pyproject."""

from Cython.Build import cythonize
from setuptools import Extension, setup

extensions = [
    Extension(
        "pipeline.segmenter._core",
        ["pipeline/segmenter/_core.pyx"],
        # sums and Viterbi must round as spacy-pkuseg's do: no fused multiply-adds, no fast-math
        extra_compile_args=["-O3", "-ffp-contract=off", "-fno-fast-math"],
    )
]

setup(ext_modules=cythonize(extensions, compiler_directives={"language_level": "3"}))
