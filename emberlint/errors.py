"""Errors the engine reports to the user (never as a traceback)."""


class EmberlintError(Exception):
    """Base of every error emberlint turns into a message and exit code 2."""


class CatalogError(EmberlintError):
    """A rule document is missing or malformed."""


class ConfigError(EmberlintError):
    """`[tool.emberlint]` holds a key or value emberlint does not accept."""
