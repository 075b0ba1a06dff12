"""pkuseg word segmentation owned by the project: spacy-pkuseg's model, features and Viterbi, compiled.

:mod:`.compact` builds a compact, memory-mappable form of a pkuseg model; :mod:`.segmenter` segments text with
it (output identical to spacy-pkuseg's ``pkuseg.cut``); :mod:`.tokenizer` is the spaCy tokenizer
``pipeline.pkuseg_tokenizer.v1``.
"""
