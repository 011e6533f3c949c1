"""The refinement checker: abstraction functions, obligations, the CrossHair adapter, reports."""
__version__ = "0.1.0"
