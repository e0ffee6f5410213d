"""SwiftDrop's shared docs (filled in below)."""


def load(*, now, rng, users, teams) -> None:
    return None


def reset(*, domain: str) -> None:
    return None
