"""Concrete processor models that refine the canonical architecture."""
