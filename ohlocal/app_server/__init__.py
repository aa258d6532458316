"""App Server routes (`/api/v1/...` and the server's own health routes)."""
