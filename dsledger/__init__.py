"""dsledger: configuration, composition root and command line."""
