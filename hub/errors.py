class DomainError(Exception):
    """A rule of the business was broken; the message tells a person what to do instead.

    Views show it as a form or page error and the API answers 400 with it: never a 5xx.
    """

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        code: str = "invalid",
        errors: dict[str, list[str]] | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code
        # Every problem found at once, by field (the first is ``field`` and ``message``).
        self.errors = errors or ({field: [message]} if field else {})
