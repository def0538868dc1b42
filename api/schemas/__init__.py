"""msgspec wire types: every request and response body, with the constraints a decoder checks."""
