"""The HTTP API (FastAPI): one router per resource; errors mapped to status codes here only."""
