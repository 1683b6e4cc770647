from rest_framework.routers import SimpleRouter


class OptionalSlashRouter(SimpleRouter):
    """Routes answer with and without a trailing slash: never a redirect, never a 404."""

    def __init__(self):
        super().__init__()
        self.trailing_slash = "/?"
