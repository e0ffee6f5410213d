from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Crossdock is invitation-only: people join through an admin's invitation link."""

    def is_open_for_signup(self, request) -> bool:
        return False
