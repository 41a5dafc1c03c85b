"""Early warning: aggregation to grids and areas, hotspots, surges, forecasts and their evaluation."""
