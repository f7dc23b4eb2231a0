"""One module per Engine API area, mirroring the API's own grouping."""
