"""paperbot: announce a research group's newly accepted papers."""
