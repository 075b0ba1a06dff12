"""spaCy components: numeric expressions, places, and the rule/statistical merge."""
