"""Application layer: entry points, the open document, interchange and exports."""
