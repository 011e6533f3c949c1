"""Abstract layers of the security-monitor model: the specification and the canonical architecture."""
