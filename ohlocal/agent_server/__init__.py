"""Agent Server routes, served under each sandbox's `/agent/{sandbox_id}` prefix."""
