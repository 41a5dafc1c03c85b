"""The web application: server-rendered pages (Jinja2, English and French) and the map and chart assets.

Pages call services; who is signed in, the request's database and language come from :mod:`pochub.http`, which
also builds the application and mounts these routers; the pages never import the API (a test checks it)."""
