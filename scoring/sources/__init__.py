"""Clients for the two upstreams the registry reads: the Hugging Face Hub and the GitHub REST API."""
