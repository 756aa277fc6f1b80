"""Sources (SPARQL, pageviews, ...), the shared build steps and one builder per dataset."""
