"""The HTTP API (FastAPI): one router per resource under /api/v1, and its schemas; routes call services.

Who is calling, the request's database and language, and errors as status codes come from :mod:`pochub.http`, which
also builds the application and mounts these routers; the API never imports the web pages (a test checks it)."""
