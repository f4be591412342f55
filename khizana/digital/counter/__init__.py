"""COUNTER R5.1 reports of the digital library's usage, and the SUSHI server that delivers them."""
