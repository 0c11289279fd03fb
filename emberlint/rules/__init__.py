"""One module per rule; the registry imports every module in this package."""
