"""The one exception type for mistakes a user can make."""


class GankitError(Exception):
    """A user-facing error: the CLI prints its one-line message and exits non-zero."""

    exit_code = 2


class TrainingInterrupted(GankitError):
    """Training stopped on SIGINT/SIGTERM after saving a checkpoint."""

    exit_code = 130
