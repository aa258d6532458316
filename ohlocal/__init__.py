"""ohlocal: the OpenHands V1 App Server and Agent Server as one local program."""

__version__ = "0.1.0"

# NOTE: the Agent Server API version ohlocal reproduces; clients read it from /server_info.
AGENT_SERVER_VERSION = "1.58.2"
APP_SERVER_VERSION = "1.11.0"
