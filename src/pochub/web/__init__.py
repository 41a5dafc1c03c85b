"""The web application: server-rendered pages (Jinja2, English and French) and the map and chart assets."""
