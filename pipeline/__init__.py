"""pipeline: Chinese economic-report NER (ORG GPE LOC MONEY QUANTITY PERCENT) on spaCy."""

LABELS: tuple[str, ...] = ("ORG", "GPE", "LOC", "MONEY", "QUANTITY", "PERCENT")
NUMERIC_LABELS: tuple[str, ...] = ("MONEY", "QUANTITY", "PERCENT")
NAME_LABELS: tuple[str, ...] = ("ORG", "GPE", "LOC")

__version__ = "0.1.0"
