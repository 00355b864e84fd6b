"""Background workers (decoding, tracking): never decode or infer on the UI thread."""
