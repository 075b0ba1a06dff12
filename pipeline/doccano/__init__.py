"""doccano: a local server, push with pre-annotations, pull gold back."""
