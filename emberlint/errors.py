"""Errors the engine reports to the user (never as a traceback)."""


class EmberlintError(Exception):
    """Base of every error emberlint turns into a message and exit code 2."""


class CatalogError(EmberlintError):
    """A rule document is missing or malformed."""


class ConfigError(EmberlintError):
    """`[tool.emberlint]` holds a key or value emberlint does not accept."""


class SourceError(EmberlintError):
    """A file could not be read or decoded; the message names the file."""


class WriteError(EmberlintError):
    """A fixed file could not be written back; the original is left untouched."""


class FixFailed(EmberlintError):
    """Applying fixes produced code that does not parse or compile (a rule bug);
    the file is left as it was."""
