"""Geography in the core: administrative-area lookup by point-in-polygon with a spatial index."""
